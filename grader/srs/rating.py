"""The suggested rating for a graded attempt; the learner may pick another."""

from __future__ import annotations

from typing import Any

RATINGS = ("again", "hard", "good", "easy")


def suggest(verdict: Any | None, failed_submits: int = 0, hints_used: int = 0, gave_up: bool = False) -> str:
    """Passed first try without hints: good; passed after a failure or with a hint: hard; else again.

    A card has no verdict: the learner rates recall, and "good" is where the focus starts.
    Easy is never suggested; only the learner picks it.
    """
    if gave_up:
        return "again"
    if verdict is None:
        return "good"
    if not verdict.passed:
        return "again"
    return "hard" if failed_submits or hints_used else "good"
