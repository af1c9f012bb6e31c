"""The kinds graded by value, without a sandbox: choice, numeric, predict.

The learner's answer is only parsed (a number, a literal, a list of options), never executed,
and compared with the truth that reference.py computed from the exercise's own code.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from grader.deck.model import Choice, Numeric, Predict
from grader.engine.answers import AnswerError, check_text, parse_choice, parse_literal, parse_number
from grader.engine.compare import show, values_equal
from grader.engine.reference import ReferenceFailed
from grader.engine.verdict import Verdict, invalid, single


def as_number(value: Any) -> float:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ReferenceFailed(
                f"a numeric solution must be one number, got a tensor of shape {tuple(value.shape)}"
            )
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReferenceFailed(f"a numeric solution must be a number, got {type(value).__name__}")
    return float(value)


def grade_choice(exercise: Choice, answer: Any) -> Verdict:
    try:
        picked = parse_choice(answer, len(exercise.options))
    except AnswerError as e:
        return invalid(str(e))
    want = frozenset(exercise.answer)
    if picked == want:
        return single(True)
    missing, extra = sorted(want - picked), sorted(picked - want)
    parts = ([f"you missed {len(missing)} correct option(s)"] if missing else []) + (
        # Numbered from 1, as the app shows options; the YAML and the batch input count from 0.
        [f"option(s) {', '.join(str(i + 1) for i in extra)} are not correct"] if extra else []
    )
    return single(False, "; ".join(parts))


def grade_numeric(exercise: Numeric, answer: Any, truth_value: Any) -> Verdict:
    try:
        got = parse_number(check_text(answer) if not isinstance(answer, int | float) else str(answer))
    except AnswerError as e:
        return invalid(str(e))
    want = as_number(truth_value)
    limit = exercise.tolerance + (exercise.rtol or 0.0) * abs(want)
    ok = (math.isnan(want) and math.isnan(got)) or abs(got - want) <= limit
    if ok:
        return single(True, f"{got:.6g} is right (the exact value is {want:.6g})")
    # Neither the answer nor the distance to it: a learner may fix their working and check again.
    return single(False, f"{got:.6g} is not within {limit:.3g} of the answer", {"answer": f"{want:.6g}"})


def grade_predict(exercise: Predict, answer: Any, truth_value: Any) -> Verdict:
    try:
        literal = parse_literal(check_text(answer))
    except AnswerError as e:
        return invalid(str(e))
    problem = values_equal(truth_value, literal, exercise.tolerance, exercise.rtol or 0.0)
    shown = show(truth_value)
    if problem is None:
        return single(True, f"right: {shown}")
    return single(False, f"{answer.strip()[:60]}: {problem}", {"answer": shown})
