"""A renamed exercise or deck keeps its history: the card moves to the new id.

An exercise may list its former ids (`aliases:`), a deck its former names. When sync meets an
exercise with no card of its own yet (or one never studied: new, never reviewed, not suspended or
buried) and a card exists under a former global id, that card takes the new id with its reviews,
versions and undo log, in sync's one transaction: schedule and history are kept. The former ids
are tried in this order: a former id in this deck, this id in a former deck, a former id in a
former deck. An id of an exercise in the loaded decks is never taken, and each card moves once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grader.srs.store import Store

UNTOUCHED = "state = 'new' AND reps = 0 AND suspended = 0 AND buried_until = 0"


@dataclass(frozen=True)
class Move:
    old: str
    new: str
    replaces: bool  # the new id already had a card, never studied, which the old one replaces


def former_gids(entry: Any, deck_aliases: Sequence[str] = ()) -> list[str]:
    """The global ids the exercise may have had, in the order they are tried."""
    ids = [entry.exercise.id, *getattr(entry.exercise, "aliases", ())]
    gids = [f"{deck}/{i}" for deck in (entry.deck, *deck_aliases) for i in ids]
    return [gid for gid in gids if gid != entry.gid]


def plan(
    store: Store, known: Mapping[str, Any], entries: Sequence[Any], former_decks: Mapping[str, Sequence[str]]
) -> list[Move]:
    """The cards to move to a new id; `known` is every card row by gid."""
    renamed = [e for e in entries if getattr(e.exercise, "aliases", None) or former_decks.get(e.deck)]
    if not renamed:  # the usual start: nothing to look up
        return []
    live = {entry.gid for entry in entries}
    claimed: set[str] = set()
    moves = []
    for entry in renamed:
        candidates = [
            gid
            for gid in former_gids(entry, former_decks.get(entry.deck, ()))
            if gid in known and gid not in live and gid not in claimed
        ]
        if not candidates:
            continue
        exists = entry.gid in known
        if exists and not _untouched(store, entry.gid):
            continue
        moves.append(Move(candidates[0], entry.gid, exists))
        claimed.add(candidates[0])
    return moves


def _untouched(store: Store, gid: str) -> bool:
    return (
        store.one(f"SELECT 1 FROM cards WHERE gid = ? AND {UNTOUCHED}", (gid,)) is not None
        and store.one("SELECT 1 FROM reviews WHERE gid = ? LIMIT 1", (gid,)) is None
    )


def apply(conn: sqlite3.Connection, store: Store, moves: Sequence[Move]) -> list[Move]:
    """Inside the caller's write transaction: move each card, checked again there (another process
    may have moved it first). Returns the moves made."""
    if not moves:
        return []
    # The card's key changes under its reviews: the foreign keys are checked at COMMIT, when all agree.
    conn.execute("PRAGMA defer_foreign_keys = ON")
    tables = _tables_with_gid(conn)
    done = []
    for move in moves:
        if store.one("SELECT 1 FROM cards WHERE gid = ?", (move.old,)) is None:
            continue
        if store.one("SELECT 1 FROM cards WHERE gid = ?", (move.new,)) is not None:
            if not _untouched(store, move.new):
                continue
            for table in tables:  # the never-studied card: its versions, undo log (a reset), row
                conn.execute(f"DELETE FROM {table} WHERE gid = ?", (move.new,))
        for table in tables:
            conn.execute(f"UPDATE {table} SET gid = ? WHERE gid = ?", (move.new, move.old))
        done.append(move)
    return done


def _tables_with_gid(conn: sqlite3.Connection) -> list[str]:
    """Every table keyed by a card's gid (cards, reviews, versions, actions), found in the schema so
    that a table a later migration adds moves with them."""
    names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [
        name for name in names if any(col[1] == "gid" for col in conn.execute(f'PRAGMA table_info("{name}")'))
    ]
