"""The gradebook: every graded batch submission, in the same SQLite file and schema as the reviews.

The table `batch_grades` is created by the store's migrations (docs/store.md); this module reads
and writes it through sqlite-utils (`rows_where`, `upsert`). Results are committed in small groups (every 64
results or 0.2 s, whichever comes first, and at the end or on Ctrl-C): one commit per result
would cost a disk flush each. So a run killed outright loses at most its last fraction of a
second of grades, and a re-run grades only what is missing.
"""

from __future__ import annotations

import json
import sqlite3
import time
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


GROUP_ROWS = 64
GROUP_SECONDS = 0.2


class Gradebook:
    """Read what is already graded; record each new verdict as it arrives, committed in small groups."""

    def __init__(self, path: Path, *, group: bool = True) -> None:
        try:
            self.store = Store(path)
        except (OSError, sqlite3.Error, NewerSchema) as e:
            raise UsageError(f"cannot open the gradebook {path}: {e}") from None
        self.table = self.store.db[TABLE]
        self.pending: list[dict[str, Any]] = []
        self.group_rows = GROUP_ROWS if group else 1
        self.kept = 0  # rows committed by this run
        self._last_flush = time.monotonic()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.store.close()

    def flush(self) -> None:
        if self.pending:
            with self.store.write():
                self.table.upsert_all(self.pending, pk=PRIMARY_KEY)
            self.kept += len(self.pending)
            self.pending = []
        self._last_flush = time.monotonic()

    def lookup(self, keys: set[Key], versions: dict[str, str]) -> dict[Key, dict[str, Any]]:
        """The stored verdicts for `keys` whose exercise has not changed since (`versions`: gid -> fingerprint).
        A wrong answer stored without its details (by an older torchdrill) is left to grade again: a
        batch groups wrong answers by what they did, which the details say."""
        found: dict[Key, dict[str, Any]] = {}
        learners = sorted({k[0] for k in keys})
        for start in range(0, len(learners), 500):
            chunk = learners[start : start + 500]
            for row in self.table.rows_where(f"learner IN ({', '.join('?' * len(chunk))})", chunk):
                key = (row["learner"], row["exercise"], row["answer_hash"])
                if key in keys and versions.get(row["exercise"]) == row["version"]:
                    if row["details"] is None and row["status"] != "passed":
                        continue
                    found[key] = {**row, "details": json.loads(row["details"] or "{}")}
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
            "details": storable(json.dumps(verdict.get("details") or {}, sort_keys=True, ensure_ascii=False)),
            "graded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.pending.append(row)
        if len(self.pending) >= self.group_rows or time.monotonic() - self._last_flush >= GROUP_SECONDS:
            self.flush()

    def count(self) -> int:
        return self.table.count
