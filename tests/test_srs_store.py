"""The store under stress: two writers at once, SIGKILL in a loop, migrations."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from test_srs_queue import write_deck

from grader.srs.migrations import SCHEMA_VERSION
from grader.srs.store import Store

ROOT = Path(__file__).resolve().parents[1]

# A writer: records reviews in a loop and prints each one's token once record() has returned.
WRITER = """
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from grader.deck.loader import load_library
from grader.engine.verdict import Verdict
from grader.study import Attempt, Study

quizzes, db, tag, count = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
study = Study(load_library([quizzes]), db)
gids = [e.gid for e in study.library.entries]
now = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
for i in range(count):
    token = f"{tag}-{i}"
    study.record(gids[i % len(gids)], Attempt(Verdict("passed", 1.0), answer=token), "good", now)
    print(token, flush=True)
    now += timedelta(seconds=1)
"""


def _writer(tmp_path: Path, tag: str, count: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            WRITER,
            str(tmp_path / "quizzes"),
            str(tmp_path / "db.sqlite"),
            tag,
            str(count),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _answers(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {a for (a,) in conn.execute("SELECT answer FROM reviews")}


def test_two_writers_at_once_never_see_database_is_locked(tmp_path: Path) -> None:
    write_deck(tmp_path / "quizzes", n=5)
    procs = [_writer(tmp_path, tag, 60) for tag in ("a", "b")]
    outs = [p.communicate(timeout=60) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "locked" not in err
    acknowledged = {line for out, _ in outs for line in out.split()}
    assert len(acknowledged) == 120
    assert acknowledged <= _answers(tmp_path / "db.sqlite")


def test_sigkill_at_any_moment_loses_no_acknowledged_review(tmp_path: Path) -> None:
    write_deck(tmp_path / "quizzes", n=5)
    acknowledged: set[str] = set()
    for round_ in range(5):
        proc = _writer(tmp_path, f"r{round_}", 100_000)
        assert proc.stdout is not None
        first = proc.stdout.readline()  # wait until it is writing, then kill it mid-stream
        time.sleep(0.05 + 0.04 * round_)
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=30)
        # only whole lines: a token is acknowledged once its newline is out
        acknowledged |= {
            line.strip() for line in (first + rest).splitlines(keepends=True) if line.endswith("\n")
        }
    assert len(acknowledged) > 5
    assert acknowledged <= _answers(tmp_path / "db.sqlite")


def test_a_fresh_file_is_in_wal_mode_at_the_current_schema(tmp_path: Path) -> None:
    store = Store(tmp_path / "sub" / "db.sqlite")
    try:
        assert store.one("PRAGMA journal_mode")[0] == "wal"
        assert store.one("PRAGMA foreign_keys")[0] == 1
        assert store.one("PRAGMA user_version")[0] == SCHEMA_VERSION
        assert {"cards", "reviews", "versions", "settings", "daily", "tag_stats"} <= set(
            store.db.table_names()
        )
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        store.close()


def test_opening_twice_migrates_once(tmp_path: Path) -> None:
    Store(tmp_path / "db.sqlite").close()
    store = Store(tmp_path / "db.sqlite")
    assert store.one("PRAGMA user_version")[0] == SCHEMA_VERSION
    store.close()


def test_a_newer_schema_is_refused_with_a_message(tmp_path: Path) -> None:
    import pytest

    from grader.deck.loader import load_library
    from grader.errors import UsageError
    from grader.study import Study

    db = tmp_path / "db.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(UsageError, match="newer"):
        Study(load_library([write_deck(tmp_path / "quizzes", n=1)]), db)


def test_a_version_1_file_migrates_forward_and_keeps_its_cards(tmp_path: Path) -> None:
    from grader.srs.migrations import MIGRATIONS

    db = tmp_path / "db.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    MIGRATIONS[0](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO cards (gid, deck, position, state, due, suspended, fingerprint, graded_fingerprint) "
        "VALUES ('d/a', 'd', 0, 'review', 7200, 1, 'f', 'g'), ('d/b', 'd', 1, 'review', 7300, 0, 'f', 'g')"
    )
    conn.close()
    store = Store(db)
    try:
        assert store.one("PRAGMA user_version")[0] == SCHEMA_VERSION
        counts = {r["key"]: r["n"] for r in store.all("SELECT key, n FROM card_counts")}
        assert counts["review"] == 2 and counts["suspended"] == 1
        assert [tuple(r) for r in store.all("SELECT hour, n FROM due_hours")] == [(2, 1)]
    finally:
        store.close()
