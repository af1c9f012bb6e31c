"""The gradebook: every graded batch submission, in the same SQLite file and schema as the reviews.

The table `batch_grades` is created by the store's migrations (docs/store.md); this module reads
and writes it through sqlite-utils (`rows_where`, `upsert`). Each result is its own statement,
committed as it arrives (WAL on), so an interrupted run loses at most the submissions that were
being graded at that moment, and a re-run grades only what is missing.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.batch.untrusted import storable
from grader.errors import UsageError
from grader.srs.migrations import NewerSchema
from grader.srs.store import Store

TABLE = "batch_grades"
PRIMARY_KEY = ("learner", "exercise", "answer_hash")
Key = tuple[str, str, str]


class Gradebook:
    """Read what is already graded; record each new verdict as it arrives."""

    def __init__(self, path: Path) -> None:
        try:
            self.store = Store(path)
        except (OSError, sqlite3.Error, NewerSchema) as e:
            raise UsageError(f"cannot open the gradebook {path}: {e}") from None
        self.table = self.store.db[TABLE]

    def close(self) -> None:
        self.store.close()

    def lookup(self, keys: set[Key], versions: dict[str, str]) -> dict[Key, dict[str, Any]]:
        """The stored verdicts for `keys` whose exercise has not changed since (`versions`: gid -> fingerprint)."""
        found: dict[Key, dict[str, Any]] = {}
        learners = sorted({k[0] for k in keys})
        for start in range(0, len(learners), 500):
            chunk = learners[start : start + 500]
            for row in self.table.rows_where(f"learner IN ({', '.join('?' * len(chunk))})", chunk):
                key = (row["learner"], row["exercise"], row["answer_hash"])
                if key in keys and versions.get(row["exercise"]) == row["version"]:
                    found[key] = row
        return found

    def record(self, key: Key, version: str, verdict: dict[str, Any]) -> None:
        row = {
            "learner": key[0],
            "exercise": key[1],
            "answer_hash": key[2],
            "version": version,
            "status": verdict["status"],
            "score": float(verdict["score"]),
            "feedback": storable(verdict.get("feedback", "")),
            "stdout": storable(verdict.get("stdout", "")),
            "duration_ms": float(verdict.get("duration_ms", 0.0)),
            "graded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.table.upsert(row, pk=PRIMARY_KEY)

    def count(self) -> int:
        return self.table.count
