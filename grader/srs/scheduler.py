"""FSRS through the `fsrs` package: card rows <-> fsrs cards, the next state, interval labels.

Only the package's public API (Scheduler, Card, Rating, State). Fuzz is ours, seeded from the
card's id and review count, so the intervals shown before a rating are exactly the ones that
rating then gets.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import fsrs

from grader.srs.rating import Rating
from grader.srs.settings import Settings

RATING = {
    Rating.AGAIN: fsrs.Rating.Again,
    Rating.HARD: fsrs.Rating.Hard,
    Rating.GOOD: fsrs.Rating.Good,
    Rating.EASY: fsrs.Rating.Easy,
}
STATE_NAME = {
    fsrs.State.Learning: "learning",
    fsrs.State.Review: "review",
    fsrs.State.Relearning: "relearning",
}
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
        return cls(
            row["state"], row["step"], row["stability"], row["difficulty"], row["due"], row["last_review"]
        )


# Anki's fuzz ranges (the same table fsrs and Anki use): the wider the interval, the wider the fuzz.
FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05))


@dataclass(frozen=True)
class Policy:
    """An fsrs Scheduler without its own fuzz, plus fuzz of ours seeded by the card and its review
    count: the interval shown on a rating button is exactly the one that rating then gets, and no
    module-level random state (shared between threads) is touched."""

    fsrs: fsrs.Scheduler
    fuzz: bool
    maximum_interval: int


def make_scheduler(settings: Settings) -> Policy:
    # Parameters fitted to the learner's own reviews (`torchdrill optimize`) when there are some.
    fitted = {"parameters": settings.fsrs_parameters} if settings.fsrs_parameters else {}
    scheduler = fsrs.Scheduler(
        **fitted,
        desired_retention=settings.desired_retention,
        learning_steps=[timedelta(minutes=m) for m in settings.learning_steps_minutes],
        relearning_steps=[timedelta(minutes=m) for m in settings.relearning_steps_minutes],
        maximum_interval=settings.maximum_interval_days,
        enable_fuzzing=False,
    )
    return Policy(scheduler, settings.fuzz, settings.maximum_interval_days)


def fuzzed_days(days: int, seed: int, maximum: int) -> int:
    """A review interval of `days`, moved by a seeded draw within Anki's fuzz range."""
    if days < 2.5:
        return days
    delta = 1.0 + sum(factor * max(min(float(days), end) - start, 0.0) for start, end, factor in FUZZ_RANGES)
    high = min(round(days + delta), maximum)
    low = min(max(2, round(days - delta)), high)
    return min(round(random.Random(seed).random() * (high - low + 1) + low), maximum)


def _to_fsrs(card: CardState) -> fsrs.Card:
    if card.state == "new":
        return fsrs.Card(card_id=1, state=fsrs.State.Learning, step=0, due=at(card.due))
    return fsrs.Card(
        card_id=1,
        state=STATE_OF[card.state],
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=at(card.due),
        last_review=None if card.last_review is None else at(card.last_review),
    )


def _from_fsrs(card: fsrs.Card) -> CardState:
    return CardState(
        STATE_NAME[card.state],
        card.step,
        card.stability,
        card.difficulty,
        ts(card.due),
        None if card.last_review is None else ts(card.last_review),
    )


def _seed(gid: str, reps: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{gid}:{reps}".encode()).digest()[:8], "big")


def next_state(policy: Policy, gid: str, reps: int, card: CardState, rating: str, now: datetime) -> CardState:
    moment = now.astimezone(UTC)
    new, _log = policy.fsrs.review_card(_to_fsrs(card), RATING[rating], review_datetime=moment)
    if policy.fuzz and new.state == fsrs.State.Review:
        days = fuzzed_days((new.due - moment).days, _seed(gid, reps), policy.maximum_interval)
        new.due = moment + timedelta(days=days)
    return _from_fsrs(new)


def is_leech(lapses: int, threshold: int) -> bool:
    """Anki's rule: a leech at `threshold` lapses, then again every half threshold (8, 12, 16, ...),
    so a card unsuspended after it became one is not suspended again at its very next lapse."""
    return lapses >= threshold and (lapses - threshold) % max(threshold // 2, 1) == 0


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
