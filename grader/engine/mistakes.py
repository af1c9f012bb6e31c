"""Known mistakes: when a learner's wrong answer behaves exactly like a wrong example of the exercise
(`examples:` with `passes: false` and `feedback:`), the feedback names that misconception.

"Behaves like" means the same observations in every visible trial for the executable kinds (the
example is authored code, run here in the trusted grader like a reference, and cached), and the
same value for the kinds graded by value.
"""

from __future__ import annotations

from typing import Any

from grader.deck.model import Choice, Example, Numeric, Predict
from grader.engine.answers import AnswerError, check_text, parse_choice, parse_literal, parse_number
from grader.engine.compare import first_difference
from grader.engine.literals import DtypeName, Shape, TensorLiteral
from grader.engine.program import Forbidden, Plan, plan
from grader.engine.reference import ReferenceFailed, run_reference

Observations = list[tuple[str, Any]]


def wrong_with_feedback(exercise: Any) -> list[tuple[int, Example]]:
    return [(i, e) for i, e in enumerate(exercise.examples) if not e.passes and e.feedback]


def by_value(exercise: Choice | Numeric | Predict, answer: Any) -> tuple[int, str] | None:
    """(example index, feedback) of the wrong example whose value the answer shares."""
    try:
        mine = _value(exercise, answer)
    except AnswerError:
        return None
    for index, example in wrong_with_feedback(exercise):
        try:
            theirs = _value(exercise, example.answer)
        except AnswerError:
            continue
        if same_value(mine, theirs, getattr(exercise, "tolerance", 0.0)):
            return index, str(example.feedback)
    return None


def _value(exercise: Choice | Numeric | Predict, answer: Any) -> Any:
    if isinstance(exercise, Choice):
        return parse_choice(answer, len(exercise.options))
    if isinstance(exercise, Numeric):
        return parse_number(answer if isinstance(answer, str) else str(answer))
    return parse_literal(check_text(answer))


def same_value(a: Any, b: Any, tol: float) -> bool:
    """Two typed answers alike: numbers within `tol`, a torch.Size like its tuple, a tensor like its data."""
    a, b = _plain(a), _plain(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b or abs(a - b) <= tol
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_value(x, y, tol) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _plain(value: Any) -> Any:
    if isinstance(value, Shape):
        return value.dims
    if isinstance(value, TensorLiteral):
        return value.data
    if isinstance(value, DtypeName):
        return value.name
    if isinstance(value, str):
        return value.removeprefix("torch.")
    return value


class ExecutableMistakes:
    """The observations of each wrong example of an executable exercise, per visible trial, cached."""

    def __init__(self, device: str) -> None:
        self.device = device
        self._runs: dict[tuple[str, int], list[Observations] | None] = {}

    def match(
        self, gid: str, version: str, exercise: Any, p: Plan, got: list[Observations | None]
    ) -> tuple[int, str] | None:
        """(example index, feedback) of the wrong example whose observations the learner's all share."""
        visible = [t for t in p.trials if not t.hidden]
        if len(got) < len(visible) or any(g is None for g in got[: len(visible)]):
            return None
        for index, example in wrong_with_feedback(exercise):
            runs = self._observations(gid, version, index, example, exercise, visible)
            if runs is not None and all(
                first_difference(want, mine, exercise.tolerance, exercise.rtol) is None
                for want, mine in zip(runs, got, strict=False)
            ):
                return index, str(example.feedback)
        return None

    def _observations(
        self, gid: str, version: str, index: int, example: Example, exercise: Any, trials: list[Any]
    ) -> list[Observations] | None:
        key = (version, index)
        if key not in self._runs:
            self._runs[key] = _run_example(gid, exercise, example.answer, self.device, trials)
        return self._runs[key]


def _run_example(
    gid: str, exercise: Any, answer: Any, device: str, trials: list[Any]
) -> list[Observations] | None:
    """The example, run as the reference runs (it is authored code); None when it does not run."""
    try:
        example_plan = plan(gid, exercise, answer, device, hidden=False)
        return [run_reference(example_plan.learner, t) for t in trials]
    except (AnswerError, Forbidden, ReferenceFailed):
        return None
