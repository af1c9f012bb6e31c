"""The four ratings, and the one suggested for a graded attempt (the learner may pick another)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Rating(StrEnum):
    """Anki's four buttons, in the order keys 1-4 follow. A StrEnum: stored and printed as its name."""

    AGAIN = "again"
    HARD = "hard"
    GOOD = "good"
    EASY = "easy"


RATINGS: tuple[str, ...] = tuple(r.value for r in Rating)


def suggest(
    verdict: Any | None, failed_submits: int = 0, hints_used: int = 0, gave_up: bool = False
) -> Rating:
    """Passed first try without hints: good; passed after a failure or with a hint: hard; else again.

    A card has no verdict: the learner rates recall, and "good" is where the focus starts.
    Easy is never suggested; only the learner picks it.
    """
    if gave_up:
        return Rating.AGAIN
    if verdict is None:
        return Rating.GOOD
    if not verdict.passed:
        return Rating.AGAIN
    return Rating.HARD if failed_submits or hints_used else Rating.GOOD
