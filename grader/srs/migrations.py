"""The schema version (`PRAGMA user_version`) and the forward migrations, in order.

Each migration takes the database from version i to i + 1 and never edits an earlier one:
a learner's file from the first release opens in every later one. docs/store.md shows the result.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def _run(conn: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it commits first, and a migration must stay inside its transaction.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v1(conn: sqlite3.Connection) -> None:
    _run(
        conn,
        """
        CREATE TABLE cards (
            gid TEXT PRIMARY KEY,
            deck TEXT NOT NULL,
            position INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'new',
            step INTEGER,
            stability REAL,
            difficulty REAL,
            due REAL NOT NULL,
            last_review REAL,
            reps INTEGER NOT NULL DEFAULT 0,
            lapses INTEGER NOT NULL DEFAULT 0,
            suspended INTEGER NOT NULL DEFAULT 0,
            buried_until REAL NOT NULL DEFAULT 0,
            leech INTEGER NOT NULL DEFAULT 0,
            removed INTEGER NOT NULL DEFAULT 0,
            fingerprint TEXT NOT NULL,
            graded_fingerprint TEXT NOT NULL
        );
        CREATE INDEX cards_review_due ON cards(due)
            WHERE state = 'review' AND suspended = 0 AND removed = 0;
        CREATE INDEX cards_learning_due ON cards(due)
            WHERE state IN ('learning', 'relearning') AND suspended = 0 AND removed = 0;
        CREATE INDEX cards_new_order ON cards(position)
            WHERE state = 'new' AND suspended = 0 AND removed = 0;
        CREATE INDEX cards_deck ON cards(deck);

        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            gid TEXT NOT NULL REFERENCES cards(gid),
            reviewed_at REAL NOT NULL,
            day TEXT NOT NULL,
            rating TEXT NOT NULL,
            state_before TEXT NOT NULL,
            status TEXT,
            score REAL,
            submits INTEGER NOT NULL DEFAULT 1,
            failed_submits INTEGER NOT NULL DEFAULT 0,
            hints_used INTEGER NOT NULL DEFAULT 0,
            gave_up INTEGER NOT NULL DEFAULT 0,
            seconds REAL NOT NULL DEFAULT 0,
            answer TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            fingerprint TEXT,
            due_after REAL NOT NULL,
            card_before TEXT NOT NULL
        );
        CREATE INDEX reviews_gid ON reviews(gid);

        CREATE TABLE versions (
            gid TEXT NOT NULL REFERENCES cards(gid),
            fingerprint TEXT NOT NULL,
            graded_fingerprint TEXT NOT NULL,
            first_seen REAL NOT NULL,
            PRIMARY KEY (gid, fingerprint)
        );

        CREATE TABLE daily (
            day TEXT PRIMARY KEY,
            reviews INTEGER NOT NULL DEFAULT 0,
            new_cards INTEGER NOT NULL DEFAULT 0,
            review_cards INTEGER NOT NULL DEFAULT 0,
            review_passes INTEGER NOT NULL DEFAULT 0,
            fails INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE tag_stats (
            tag TEXT PRIMARY KEY,
            reviews INTEGER NOT NULL DEFAULT 0,
            fails INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1]
SCHEMA_VERSION = len(MIGRATIONS)


class NewerSchema(Exception):
    """The file was written by a newer torchdrill."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to SCHEMA_VERSION inside one immediate transaction; return the old version.

    The version is read again inside the transaction, so two processes opening a fresh file
    at once migrate it exactly once.
    """
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return SCHEMA_VERSION
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found > SCHEMA_VERSION:
            raise NewerSchema(f"the database is at schema version {found}, newer than this torchdrill "
                              f"({SCHEMA_VERSION}): upgrade torchdrill")
        for step in MIGRATIONS[found:]:
            step(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found
