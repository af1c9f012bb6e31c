"""The review log and the log of actions, and undo: one row per rating, written with the card's new
schedule in one transaction. As py-fsrs keeps its ReviewLog apart from its scheduler.

Every action a learner can take back (a review, bury, suspend, unsuspend, reset) also writes an
`actions` row holding the earlier values of exactly the card columns it changed. Undo takes the
last action of any kind and restores only those columns (a suspend after a review is undone
first, and undoing the review then leaves `suspended` alone); undoing a review also removes its
row and moves the per-day and per-tag counters back, in the same transaction.

A card's history (`history`) is read back from both: its reviews, and its resets.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
    variant: int | None = None  # the draw of the exercise's `{param}` placeholders it answered


def record(
    conn: sqlite3.Connection, card: Any, review: Review, after: CardState, lapses: int, leech: bool
) -> None:
    """Inside the caller's write transaction: the card's new schedule, the log rows, the counters."""
    values = {"state": after.state, "step": after.step, "stability": after.stability,
              "difficulty": after.difficulty, "due": after.due, "last_review": after.last_review,
              "reps": card["reps"] + 1, "lapses": lapses, "leech": int(bool(card["leech"]) or leech),
              "suspended": int(bool(card["suspended"]) or leech), "buried_until": 0}  # fmt: skip
    cursor = conn.execute(
        "INSERT INTO reviews (gid, reviewed_at, day, rating, state_before, status, score, submits, "
        "failed_submits, hints_used, gave_up, seconds, answer, tags, fingerprint, due_after, card_before, "
        "variant) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (review.gid, review.reviewed_at, review.day, review.rating, card["state"], review.status, review.score,
         review.submits, review.failed_submits, review.hints_used, int(review.gave_up), review.seconds,
         review.answer, json.dumps(review.tags), card["fingerprint"], after.due,
         json.dumps({c: card[c] for c in SCHEDULE}), review.variant),
    )  # fmt: skip
    change(conn, card, values, "review", review.reviewed_at, review_id=cursor.lastrowid)
    _bump(conn, review.day, card["state"], review.rating == "again", review.tags, +1)


def change(
    conn: sqlite3.Connection,
    card: Any,
    values: dict[str, Any],
    kind: str,
    at: float,
    review_id: int | None = None,
) -> None:
    """Set `values` on the card and log the action with the earlier values of what it changed."""
    changed = {column: card[column] for column, value in values.items() if card[column] != value}
    if changed:
        assignments = ", ".join(f"{column} = ?" for column in changed)
        conn.execute(
            f"UPDATE cards SET {assignments} WHERE gid = ?", [values[c] for c in changed] + [card["gid"]]
        )
    conn.execute(
        "INSERT INTO actions (gid, kind, at, review_id, before) VALUES (?, ?, ?, ?, ?)",
        (card["gid"], kind, at, review_id, json.dumps(changed)),
    )


@dataclass(frozen=True)
class Past:
    """One line of a card's history: a review (with the interval it set), or a reset."""

    kind: str  # review / reset
    at: datetime
    rating: str | None = None
    status: str | None = None  # the verdict; None for a flashcard, which is rated, not graded
    submits: int = 0
    hints_used: int = 0
    gave_up: bool = False
    seconds: float | None = None
    answer: str = ""
    interval: timedelta | None = None  # from this review to the due date it set


def history(store: Store, gid: str) -> list[Past]:
    """A card's reviews and resets, oldest first. Undone reviews are gone from it; resets stay."""
    # Each line's action id (the order things were done in) breaks ties between equal times (a fixed clock).
    reviews = store.all(
        "SELECT r.reviewed_at, r.rating, r.status, r.submits, r.hints_used, r.gave_up, r.seconds, r.answer, "
        "r.due_after, coalesce(a.id, 0) AS done FROM reviews r LEFT JOIN actions a ON a.review_id = r.id "
        "WHERE r.gid = ?",
        (gid,),
    )
    resets = store.all("SELECT at, id AS done FROM actions WHERE gid = ? AND kind = 'reset'", (gid,))
    lines = [(r["reviewed_at"], r["done"], _reviewed(r)) for r in reviews]
    lines += [(r["at"], r["done"], Past("reset", _at(r["at"]))) for r in resets]
    return [line for _, _, line in sorted(lines, key=lambda t: t[:2])]


def _reviewed(row: Any) -> Past:
    return Past(
        "review", _at(row["reviewed_at"]), row["rating"], row["status"], row["submits"], row["hints_used"],
        bool(row["gave_up"]), row["seconds"], row["answer"], timedelta(seconds=row["due_after"] - row["reviewed_at"]),
    )  # fmt: skip


def last_outcomes(store: Store) -> dict[str, Past]:
    """Each reviewed card's latest review, by exercise id: the last verdict and rating Browse lists."""
    rows = store.all(
        "SELECT gid, reviewed_at, rating, status, submits, hints_used, gave_up, seconds, answer, due_after "
        "FROM reviews WHERE id IN (SELECT max(id) FROM reviews GROUP BY gid)"
    )
    return {r["gid"]: _reviewed(r) for r in rows}


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@dataclass(frozen=True)
class Undone:
    gid: str
    kind: str  # review, bury, suspend, unsuspend, reset


def undo_last(store: Store) -> Undone | None:
    """Take back the last action of any kind: only the card columns it changed go back."""
    with store.write() as conn:
        last = store.one("SELECT id, gid, kind, review_id, before FROM actions ORDER BY id DESC LIMIT 1")
        if last is None:
            return None
        before = json.loads(last["before"])
        columns = [c for c in before if c in SCHEDULE]
        if columns:
            conn.execute(
                f"UPDATE cards SET {', '.join(f'{c} = ?' for c in columns)} WHERE gid = ?",
                [before[c] for c in columns] + [last["gid"]],
            )
        conn.execute("DELETE FROM actions WHERE id = ?", (last["id"],))
        if last["review_id"] is not None:
            _forget_review(conn, store, last["review_id"])
    return Undone(last["gid"], last["kind"])


def _forget_review(conn: sqlite3.Connection, store: Store, review_id: int) -> None:
    review = store.one("SELECT day, rating, state_before, tags FROM reviews WHERE id = ?", (review_id,))
    if review is None:
        return
    conn.execute("DELETE FROM reviews WHERE id = ?", (review_id,))
    _bump(
        conn,
        review["day"],
        review["state_before"],
        review["rating"] == "again",
        json.loads(review["tags"]),
        -1,
    )


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
