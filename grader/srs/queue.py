"""What to study now: due cards, today's new cards within the daily limits, bury/suspend/reset.

Also keeps the `cards` table in step with the decks (`sync`): new exercises become new cards,
a change to what decides the verdict puts a card back into learning, a renamed one keeps its card
(grader/srs/renames.py), a removed exercise leaves the queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from grader.deck.fingerprint import content_hash, graded_hash, is_legacy, verdict_changed
from grader.srs import renames
from grader.srs.settings import Settings
from grader.srs.store import Store

LIVE = "suspended = 0 AND removed = 0"


@dataclass(frozen=True)
class Due:
    gid: str
    deck: str
    state: str
    due: float


def day_start(now: datetime, settings: Settings) -> datetime:
    """The start of the learner's study day: local time, rolled over at `day_starts_hour`."""
    local = now.astimezone()
    start = local.replace(hour=settings.day_starts_hour, minute=0, second=0, microsecond=0)
    return start if start <= local else start - timedelta(days=1)


def day_key(now: datetime, settings: Settings) -> str:
    return day_start(now, settings).date().isoformat()


def next_day(now: datetime, settings: Settings) -> datetime:
    return day_start(now, settings) + timedelta(days=1)


def _today(store: Store, now: datetime, settings: Settings) -> tuple[int, int]:
    row = store.one("SELECT new_cards, review_cards FROM daily WHERE day = ?", (day_key(now, settings),))
    return (row["new_cards"], row["review_cards"]) if row else (0, 0)


def remaining(store: Store, now: datetime, settings: Settings) -> tuple[int, int]:
    """New cards and reviews still allowed today."""
    new_done, reviews_done = _today(store, now, settings)
    return max(settings.new_per_day - new_done, 0), max(settings.reviews_per_day - reviews_done, 0)


def _deck_filter(deck: str | None) -> tuple[str, tuple]:
    return ("AND deck = ?", (deck,)) if deck else ("", ())


def due_now(
    store: Store, now: datetime, settings: Settings, deck: str | None = None, ahead: timedelta = timedelta(0)
) -> list[Due]:
    """Learning cards due now, then review cards up to today's limit, then new cards in deck order."""
    t = now.timestamp()
    new_left, reviews_left = remaining(store, now, settings)
    where, args = _deck_filter(deck)
    learning = store.all(
        f"SELECT gid, deck, state, due FROM cards WHERE state IN ('learning', 'relearning') AND {LIVE} "
        f"AND due <= ? AND buried_until <= ? {where} ORDER BY due",
        (t + ahead.total_seconds(), t, *args),
    )
    reviews = store.all(
        f"SELECT gid, deck, state, due FROM cards WHERE state = 'review' AND {LIVE} "
        f"AND due <= ? AND buried_until <= ? {where} ORDER BY due LIMIT ?",
        (t, t, *args, reviews_left),
    )
    new = store.all(
        f"SELECT gid, deck, state, due FROM cards WHERE state = 'new' AND {LIVE} "
        f"AND buried_until <= ? {where} ORDER BY position LIMIT ?",
        (t, *args, new_left),
    )
    due = sorted([Due(*r) for r in learning] + [Due(*r) for r in reviews], key=lambda d: d.due)
    return due + [Due(*r) for r in new]


def counts(store: Store, now: datetime, settings: Settings) -> dict[str, tuple[int, int, int]]:
    """deck -> (new, learning, due) as the deck list shows them, within today's limits."""
    t = now.timestamp()
    new_left, reviews_left = remaining(store, now, settings)
    rows = store.all(
        f"SELECT deck, state, count(*) AS n FROM cards WHERE {LIVE} AND buried_until <= ? "
        f"AND (state = 'new' OR due <= ?) GROUP BY deck, state",
        (t, t),
    )
    out: dict[str, list[int]] = {}
    for r in rows:
        slot = {"new": 0, "learning": 1, "relearning": 1, "review": 2}[r["state"]]
        out.setdefault(r["deck"], [0, 0, 0])[slot] += r["n"]
    return {d: (min(n, new_left), lrn, min(rev, reviews_left)) for d, (n, lrn, rev) in out.items()}


@dataclass(frozen=True)
class Schedule:
    """A card's place in the schedule, as Browse lists it."""

    gid: str
    state: str  # new / learning / review / relearning
    due: datetime
    interval: timedelta | None  # from the last review to the due date it set; None when never reviewed
    reps: int
    lapses: int
    suspended: bool
    leech: bool


def schedules(store: Store) -> dict[str, Schedule]:
    """Every live card's schedule, by exercise id: one query for the whole list."""
    rows = store.all(
        "SELECT gid, state, due, last_review, reps, lapses, suspended, leech FROM cards WHERE removed = 0"
    )
    return {r["gid"]: _schedule(r) for r in rows}


def _schedule(row: Any) -> Schedule:
    due = datetime.fromtimestamp(row["due"], tz=UTC)
    last = row["last_review"]
    interval = None if last is None else timedelta(seconds=row["due"] - last)
    return Schedule(
        row["gid"], row["state"], due, interval, row["reps"], row["lapses"], bool(row["suspended"]),
        bool(row["leech"]),
    )  # fmt: skip


def bury(store: Store, gid: str, now: datetime, settings: Settings) -> None:
    _act(store, gid, "bury", now, buried_until=next_day(now, settings).timestamp())


def set_suspended(store: Store, gid: str, suspended: bool, now: datetime) -> None:
    """Suspend, or unsuspend (which also clears the leech mark, so the card is studied again)."""
    values: dict[str, Any] = {"suspended": int(suspended)}
    if not suspended:
        values["leech"] = 0
    _act(store, gid, "suspend" if suspended else "unsuspend", now, **values)


def reset(store: Store, gid: str, now: datetime) -> None:
    """Forget the schedule (the history stays in the review log): the card is new again."""
    _act(store, gid, "reset", now, state="new", step=None, stability=None, difficulty=None, due=now.timestamp(),
         last_review=None, reps=0, lapses=0, suspended=0, leech=0, buried_until=0)  # fmt: skip


def _act(store: Store, gid: str, kind: str, now: datetime, **values: Any) -> None:
    from grader.srs.review_log import change

    with store.write() as conn:
        card = store.one("SELECT * FROM cards WHERE gid = ?", (gid,))
        change(conn, card, values, kind, now.timestamp())


def sync(
    store: Store,
    entries: Iterable[Any],
    now: datetime,
    former_decks: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Bring `cards` in step with the loaded decks; one transaction, and none when nothing changed.
    A renamed exercise's card first moves to its new id (`former_decks`: deck -> its former names)."""
    entries = list(entries)
    known = {
        r["gid"]: dict(r)
        for r in store.all(
            "SELECT gid, deck, position, fingerprint, graded_fingerprint, removed, state FROM cards"
        )
    }
    moves = renames.plan(store, known, entries, former_decks or {})
    for move in moves:
        known[move.new] = {**known.pop(move.old), "gid": move.new}
    t = now.timestamp()
    inserts, updates, relearn, versions, seen = [], [], [], [], set()
    for position, entry in enumerate(entries):
        gid, ex = entry.gid, entry.exercise
        seen.add(gid)
        row = known.get(gid)
        fp = content_hash(ex)
        graded = _graded(row, fp, ex)
        if row is None:
            inserts.append((gid, entry.deck, position, t, fp, graded))
            versions.append((gid, fp, graded, t))
            continue
        if (row["deck"], row["position"], row["fingerprint"], row["graded_fingerprint"], row["removed"]) != (
            entry.deck,
            position,
            fp,
            graded,
            0,
        ):
            updates.append((entry.deck, position, fp, graded, gid))
        if row["fingerprint"] != fp:
            versions.append((gid, fp, graded, t))
        if row["state"] != "new" and verdict_changed(row["graded_fingerprint"], graded, ex):
            relearn.append((t, gid))
    removed = [(gid,) for gid, r in known.items() if gid not in seen and not r["removed"]]
    if not (moves or inserts or updates or relearn or versions or removed):
        return
    with store.write() as conn:
        renames.apply(conn, store, moves)
        conn.executemany(
            "INSERT OR IGNORE INTO cards (gid, deck, position, due, fingerprint, graded_fingerprint) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            inserts,
        )
        conn.executemany(
            "UPDATE cards SET deck = ?, position = ?, fingerprint = ?, graded_fingerprint = ?, "
            "removed = 0 WHERE gid = ?",
            updates,
        )
        # What decides the verdict changed: keep stability and history, but relearn from the first step.
        conn.executemany("UPDATE cards SET state = 'learning', step = 0, due = ? WHERE gid = ?", relearn)
        conn.executemany("INSERT OR IGNORE INTO versions VALUES (?, ?, ?, ?)", versions)
        conn.executemany("UPDATE cards SET removed = 1 WHERE gid = ?", removed)


def _graded(row: Any, fingerprint: str, exercise: Any) -> str:
    """The exercise's verdict hash: the stored one while the content is unchanged (no parsing at each
    start), unless it is a legacy hash, which is replaced on the first open."""
    if row is not None and row["fingerprint"] == fingerprint and not is_legacy(row["graded_fingerprint"]):
        return row["graded_fingerprint"]
    return graded_hash(exercise)
