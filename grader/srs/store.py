"""The SQLite file: one connection per Study, WAL, a busy timeout, foreign keys.

Every write runs in `BEGIN IMMEDIATE ... COMMIT`: the write lock is taken up front, so a second
writer (the app and a `grade` batch, two terminals) waits on the busy timeout instead of failing
with "database is locked" halfway through a transaction. A review is acknowledged only after
COMMIT returns; with WAL and synchronous=FULL it then survives SIGKILL and power loss.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from grader.srs.migrations import migrate

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_MS = 30_000


class Store:
    """An open database, migrated to the current schema."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (Python's implicit BEGIN is DEFERRED).
        self.conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._enter_wal()
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        migrate(self.conn)
        self._db: sqlite_utils.Database | None = None

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection, for the batch gradebook's upserts and lookups.

        Imported on first use only: sqlite-utils imports numpy (and pandas) when they are
        installed, and the app's process, which never needs it, must stay free of both.
        """
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def _enter_wal(self) -> None:
        """Switching a fresh file to WAL needs an exclusive lock and SQLite reports a race for it
        as "database is locked" without waiting on the busy timeout: wait here instead."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One logical write: committed when the block ends, rolled back if it raises."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        return self._cursor(sql, params).fetchone()

    def all(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self._cursor(sql, params).fetchall()

    def _cursor(self, sql: str, params: tuple | dict) -> sqlite3.Cursor:
        cur = self.conn.cursor()
        cur.row_factory = sqlite3.Row
        return cur.execute(sql, params)

    def close(self) -> None:
        self.conn.close()
