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
        """,
    )


# What a card counts towards, as SQL over a row (OLD or NEW): its state, suspended, leech.
_KEYS = """SELECT CASE {r}.state WHEN 'relearning' THEN 'learning' ELSE {r}.state END AS k WHERE {r}.removed = 0
    UNION ALL SELECT 'suspended' WHERE {r}.suspended = 1 AND {r}.removed = 0
    UNION ALL SELECT 'leech' WHERE {r}.leech = 1 AND {r}.removed = 0"""
_SCHEDULED = "{r}.state != 'new' AND {r}.suspended = 0 AND {r}.removed = 0"


def _add(r: str) -> str:
    return (
        f"INSERT INTO card_counts (key, n) SELECT k, 1 FROM ({_KEYS.format(r=r)}) WHERE true "
        f"ON CONFLICT (key) DO UPDATE SET n = n + 1;\n"
        f"INSERT INTO due_hours (hour, n) SELECT CAST({r}.due / 3600 AS INTEGER), 1 "
        f"WHERE {_SCHEDULED.format(r=r)} ON CONFLICT (hour) DO UPDATE SET n = n + 1;"
    )


def _sub(r: str) -> str:
    return (
        f"UPDATE card_counts SET n = n - 1 WHERE key IN ({_KEYS.format(r=r)});\n"
        f"UPDATE due_hours SET n = n - 1 WHERE hour = CAST({r}.due / 3600 AS INTEGER) "
        f"AND {_SCHEDULED.format(r=r)};"
    )


def _v2(conn: sqlite3.Connection) -> None:
    """Counts kept by triggers, so that stats cost the same at 100,000 cards as at 100."""
    _run(
        conn,
        """
        CREATE TABLE card_counts (key TEXT PRIMARY KEY, n INTEGER NOT NULL);
        CREATE TABLE due_hours (hour INTEGER PRIMARY KEY, n INTEGER NOT NULL)""",
    )
    for statement in (
        f"CREATE TRIGGER cards_counted_insert AFTER INSERT ON cards BEGIN {_add('NEW')} END",
        f"CREATE TRIGGER cards_counted_delete AFTER DELETE ON cards BEGIN {_sub('OLD')} END",
        f"CREATE TRIGGER cards_counted_update AFTER UPDATE OF state, due, suspended, leech, removed ON cards "
        f"BEGIN {_sub('OLD')} {_add('NEW')} END",
    ):
        conn.execute(statement)
    _run(
        conn,
        """
        INSERT INTO card_counts (key, n) SELECT CASE state WHEN 'relearning' THEN 'learning' ELSE state END AS k,
            count(*) FROM cards WHERE removed = 0 GROUP BY k;
        INSERT INTO card_counts (key, n) SELECT 'suspended', count(*) FROM cards WHERE suspended = 1 AND removed = 0;
        INSERT INTO card_counts (key, n) SELECT 'leech', count(*) FROM cards WHERE leech = 1 AND removed = 0""",
    )
    conn.execute(
        f"INSERT INTO due_hours (hour, n) SELECT CAST(due / 3600 AS INTEGER) AS h, count(*) FROM cards "
        f"WHERE {_SCHEDULED.format(r='cards')} GROUP BY h"
    )


def _v3(conn: sqlite3.Connection) -> None:
    """A review's duration may be unknown (NULL, not 0: a CLI review has no clock); and the batch
    gradebook joins the one schema instead of creating its table on the side."""
    columns = [row[1] for row in conn.execute("PRAGMA table_info(reviews)")]
    listed = ", ".join(columns)
    _run(
        conn,
        f"""
        CREATE TABLE reviews_v3 (
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
            seconds REAL,
            answer TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            fingerprint TEXT,
            due_after REAL NOT NULL,
            card_before TEXT NOT NULL
        );
        INSERT INTO reviews_v3 ({listed}) SELECT {listed} FROM reviews;
        DROP TABLE reviews;
        ALTER TABLE reviews_v3 RENAME TO reviews;
        CREATE INDEX reviews_gid ON reviews(gid);
        CREATE TABLE IF NOT EXISTS batch_grades (
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
        )""",
    )


def _v4(conn: sqlite3.Connection) -> None:
    """Every action a learner can undo (a review, bury, suspend, unsuspend, reset), with the values of
    exactly the card columns it changed, so that undo takes back the last action of any kind and only
    what that action changed. Earlier reviews are carried over as review actions."""
    _run(
        conn,
        """
        CREATE TABLE actions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            gid TEXT NOT NULL REFERENCES cards(gid),
            kind TEXT NOT NULL,
            at REAL NOT NULL,
            review_id INTEGER,
            before TEXT NOT NULL
        );
        INSERT INTO actions (gid, kind, at, review_id, before)
            SELECT gid, 'review', reviewed_at, id, card_before FROM reviews ORDER BY id""",
    )


def _v5(conn: sqlite3.Connection) -> None:
    """Which draw of an exercise's `{param}` placeholders a review answered (NULL: no variants)."""
    _run(conn, "ALTER TABLE reviews ADD COLUMN variant INTEGER")


def _v6(conn: sqlite3.Connection) -> None:
    """A batch verdict's details (JSON): what a wrong answer did, so that a re-run groups the answers
    it reads back from the gradebook (NULL: graded before; such a wrong answer is graded again)."""
    _run(conn, "ALTER TABLE batch_grades ADD COLUMN details TEXT")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6]
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
            raise NewerSchema(
                f"the database is at schema version {found}, newer than this torchdrill "
                f"({SCHEMA_VERSION}): upgrade torchdrill"
            )
        for step in MIGRATIONS[found:]:
            step(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found
