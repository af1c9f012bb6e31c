"""The gradebook: every graded batch submission, in the learner store's SQLite file.

Schema (one table, created here; the learner store's own tables are migrated elsewhere):

    batch_grades(
        learner      TEXT,   -- as in the submission
        exercise     TEXT,   -- "deck/id"
        answer_hash  TEXT,   -- sha256 of the answer as canonical JSON
        version      TEXT,   -- fingerprint of the exercise when graded: an edited exercise is graded again
        status, score, feedback, stdout, duration_ms,
        graded_at    TEXT,   -- ISO 8601, UTC
        PRIMARY KEY (learner, exercise, answer_hash))

Each result is committed as it arrives (WAL on), so an interrupted run loses at most the
submissions that were being graded at that moment, and a re-run grades only what is missing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from grader.errors import UsageError

TABLE = "batch_grades"
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    learner TEXT NOT NULL,
    exercise TEXT NOT NULL,
    answer_hash TEXT NOT NULL,
    version TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    feedback TEXT NOT NULL,
    stdout TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    graded_at TEXT NOT NULL,
    PRIMARY KEY (learner, exercise, answer_hash)
)
"""
Key = tuple[str, str, str]


class Gradebook:
    """Read what is already graded; record each new verdict in its own transaction."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite_utils.Database(path)
            self.db.enable_wal()
            self.db.execute(SCHEMA)
        except Exception as e:  # noqa: BLE001 - sqlite3 and OS errors alike: the file is unusable
            raise UsageError(f"cannot open the gradebook {path}: {e}") from e

    def close(self) -> None:
        self.db.close()

    def lookup(self, keys: set[Key], versions: dict[str, str]) -> dict[Key, dict[str, Any]]:
        """The stored verdicts for `keys` whose exercise has not changed since (`versions`: gid -> fingerprint)."""
        found: dict[Key, dict[str, Any]] = {}
        learners = sorted({k[0] for k in keys})
        for start in range(0, len(learners), 500):
            chunk = learners[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT * FROM {TABLE} WHERE learner IN ({marks})", chunk)
            names = [d[0] for d in rows.description]
            for values in rows:
                row = dict(zip(names, values, strict=True))
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
            "feedback": verdict.get("feedback", ""),
            "stdout": verdict.get("stdout", ""),
            "duration_ms": float(verdict.get("duration_ms", 0.0)),
            "graded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        with self.db.conn:
            self.db.execute(
                f"INSERT OR REPLACE INTO {TABLE} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )

    def count(self) -> int:
        return self.db.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
