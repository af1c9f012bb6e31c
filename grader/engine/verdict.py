"""The outcome of grading one answer: plain data that the UI, the CLI and the store can read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STATUSES = ("passed", "failed", "error", "invalid", "forbidden", "timeout", "memory", "broken")
# The grader's fault, never the learner's: not recorded as a review, not kept in a gradebook.
NOT_THE_LEARNERS = ("broken",)


@dataclass(frozen=True)
class Verdict:
    """Exactly one status and a score (the fraction of trials that passed)."""

    status: str
    score: float
    feedback: str = ""
    stdout: str = ""
    duration_ms: float = 0.0
    trials: int = 0
    passed_trials: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def broken(self) -> bool:
        return self.status in NOT_THE_LEARNERS

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def invalid(message: str) -> Verdict:
    return Verdict("invalid", 0.0, message)


def broken(why: str) -> Verdict:
    """The exercise or the grader could not grade: `why` says what failed and that it is not the learner."""
    return Verdict(
        "broken", 0.0, f"This exercise could not be graded: {why}. Nothing was recorded against you."
    )


def single(ok: bool, feedback: str = "", details: dict[str, Any] | None = None) -> Verdict:
    """A verdict for the kinds graded in one step (choice, numeric, predict). `details` carries what
    the app may show once the learner has given up (the answer), never in the feedback itself."""
    return Verdict(
        "passed" if ok else "failed",
        1.0 if ok else 0.0,
        feedback,
        trials=1,
        passed_trials=int(ok),
        details=details or {},
    )
