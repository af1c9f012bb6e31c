"""FSRS through the `fsrs` package: card rows <-> fsrs cards, the next state, interval labels.

Fuzz is seeded from the card's id and review count, so the intervals shown before a rating
are exactly the ones that rating then gets.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import fsrs
import fsrs.scheduler as fsrs_scheduler

from grader.srs.settings import Settings

RATING = {"again": fsrs.Rating.Again, "hard": fsrs.Rating.Hard, "good": fsrs.Rating.Good, "easy": fsrs.Rating.Easy}
STATE_NAME = {fsrs.State.Learning: "learning", fsrs.State.Review: "review", fsrs.State.Relearning: "relearning"}
STATE_OF = {v: k for k, v in STATE_NAME.items()}


def ts(moment: datetime) -> float:
    return moment.timestamp()


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@dataclass(frozen=True)
class CardState:
    """The scheduling part of a `cards` row."""

    state: str  # new / learning / review / relearning
    step: int | None
    stability: float | None
    difficulty: float | None
    due: float
    last_review: float | None

    @classmethod
    def from_row(cls, row: Any) -> CardState:
        return cls(row["state"], row["step"], row["stability"], row["difficulty"], row["due"], row["last_review"])


class _SeededScheduler(fsrs.Scheduler):
    seed: int = 0

    def _get_fuzzed_interval(self, *, interval: timedelta) -> timedelta:
        # fsrs draws from the module's random(); swap in a seeded one for this call only.
        saved = fsrs_scheduler.random
        fsrs_scheduler.random = random.Random(self.seed).random
        try:
            return super()._get_fuzzed_interval(interval=interval)
        finally:
            fsrs_scheduler.random = saved


def make_scheduler(settings: Settings) -> _SeededScheduler:
    return _SeededScheduler(
        desired_retention=settings.desired_retention,
        learning_steps=[timedelta(minutes=m) for m in settings.learning_steps_minutes],
        relearning_steps=[timedelta(minutes=m) for m in settings.relearning_steps_minutes],
        maximum_interval=settings.maximum_interval_days,
        enable_fuzzing=settings.fuzz,
    )


def _to_fsrs(card: CardState) -> fsrs.Card:
    if card.state == "new":
        return fsrs.Card(card_id=1, state=fsrs.State.Learning, step=0, due=at(card.due))
    return fsrs.Card(card_id=1, state=STATE_OF[card.state], step=card.step, stability=card.stability,
                     difficulty=card.difficulty, due=at(card.due),
                     last_review=None if card.last_review is None else at(card.last_review))


def _from_fsrs(card: fsrs.Card) -> CardState:
    return CardState(STATE_NAME[card.state], card.step, card.stability, card.difficulty, ts(card.due),
                     None if card.last_review is None else ts(card.last_review))


def _seed(gid: str, reps: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{gid}:{reps}".encode()).digest()[:8], "big")


def next_state(scheduler: _SeededScheduler, gid: str, reps: int, card: CardState, rating: str,
               now: datetime) -> CardState:
    scheduler.seed = _seed(gid, reps)
    new, _log = scheduler.review_card(_to_fsrs(card), RATING[rating], review_datetime=now.astimezone(UTC))
    return _from_fsrs(new)


def label(delta: timedelta) -> str:
    """Anki-style: 10m, 5h, 3d, 2.5mo, 1.2y."""
    seconds = max(delta.total_seconds(), 0)
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return _short(days / 30, "mo")
    return _short(days / 365, "y")


def _short(value: float, unit: str) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text}{unit}"
