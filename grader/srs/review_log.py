"""The review log: one row per rating, written with the card's new schedule in one transaction,
and taken back by undo. As py-fsrs keeps its ReviewLog apart from its scheduler.

Each row keeps the card's schedule as it was before (`card_before`), so undo can put it back,
and the per-day and per-tag counters move with it in the same transaction.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from grader.srs.scheduler import CardState
from grader.srs.store import Store

# What undo puts back: the schedule. Deck, position and fingerprints belong to sync.
SCHEDULE = (
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "buried_until",
    "leech",
)


@dataclass(frozen=True)
class Review:
    """One rating and how it was reached. `seconds` is None when the time is unknown (a CLI review)."""

    gid: str
    reviewed_at: float
    day: str
    rating: str
    status: str | None
    score: float | None
    submits: int
    failed_submits: int
    hints_used: int
    gave_up: bool
    seconds: float | None
    answer: str
    tags: list[str]


def record(
    conn: sqlite3.Connection, card: Any, review: Review, after: CardState, lapses: int, leech: bool
) -> None:
    """Inside the caller's write transaction: the card's new schedule, the log row, the counters."""
    conn.execute(
        "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?, "
        "reps = reps + 1, lapses = ?, leech = leech OR ?, suspended = suspended OR ?, buried_until = 0 "
        "WHERE gid = ?",
        (after.state, after.step, after.stability, after.difficulty, after.due, after.last_review,
         lapses, leech, leech, review.gid),
    )  # fmt: skip
    conn.execute(
        "INSERT INTO reviews (gid, reviewed_at, day, rating, state_before, status, score, submits, "
        "failed_submits, hints_used, gave_up, seconds, answer, tags, fingerprint, due_after, card_before) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (review.gid, review.reviewed_at, review.day, review.rating, card["state"], review.status, review.score,
         review.submits, review.failed_submits, review.hints_used, int(review.gave_up), review.seconds,
         review.answer, json.dumps(review.tags), card["fingerprint"], after.due,
         json.dumps({c: card[c] for c in SCHEDULE})),
    )  # fmt: skip
    _bump(conn, review.day, card["state"], review.rating == "again", review.tags, +1)


def undo_last(store: Store) -> str | None:
    """Take back the last review: the card's schedule and the counters go back. Returns its gid."""
    with store.write() as conn:
        last = store.one(
            "SELECT id, gid, day, rating, state_before, tags, card_before FROM reviews ORDER BY id DESC LIMIT 1"
        )
        if last is None:
            return None
        before = json.loads(last["card_before"])
        columns = [c for c in SCHEDULE if c in before]
        conn.execute(
            f"UPDATE cards SET {', '.join(f'{c} = ?' for c in columns)} WHERE gid = ?",
            [before[c] for c in columns] + [last["gid"]],
        )
        conn.execute("DELETE FROM reviews WHERE id = ?", (last["id"],))
        _bump(
            conn, last["day"], last["state_before"], last["rating"] == "again", json.loads(last["tags"]), -1
        )
    return last["gid"]


def _bump(
    conn: sqlite3.Connection, day: str, state_before: str, failed: bool, tags: list[str], sign: int
) -> None:
    """Keep the per-day and per-tag counts in the same transaction as the review row."""
    is_new, is_review = state_before == "new", state_before == "review"
    conn.execute("INSERT OR IGNORE INTO daily (day) VALUES (?)", (day,))
    conn.execute(
        "UPDATE daily SET reviews = reviews + ?, new_cards = new_cards + ?, review_cards = review_cards + ?, "
        "review_passes = review_passes + ?, fails = fails + ? WHERE day = ?",
        (sign, sign * is_new, sign * is_review, sign * (is_review and not failed), sign * failed, day),
    )
    for tag in tags:
        conn.execute("INSERT OR IGNORE INTO tag_stats (tag) VALUES (?)", (tag,))
        conn.execute(
            "UPDATE tag_stats SET reviews = reviews + ?, fails = fails + ? WHERE tag = ?",
            (sign, sign * failed, tag),
        )
