"""From an exercise and an answer to what runs: the learner's program, the reference's, the trials."""

from __future__ import annotations

import ast
import random
import secrets
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grader.deck.model import Code, Expr, Fill, fill_template
from grader.engine import allow, forbid
from grader.engine.answers import AnswerError, check_text, parse_blanks, syntax_error
from grader.engine.blanks import BlankError, fill
from grader.sandbox.harness import Program, draw_params, trial_seed


@dataclass(frozen=True)
class Trial:
    index: int
    seed: int
    params: dict[str, Any]
    hidden: bool = False


@dataclass(frozen=True)
class Plan:
    """A graded run: the same setup and check on both sides, different answers."""

    learner: Program
    reference: Program
    trials: tuple[Trial, ...]  # the exercise's seeded trials, then one hidden trial

    @property
    def visible(self) -> int:
        return sum(not t.hidden for t in self.trials)


class Forbidden(Exception):
    def __init__(self, uses: Sequence[forbid.Use]) -> None:
        super().__init__(uses[0].message())
        self.uses = uses


def trials_of(gid: str, exercise: Expr | Fill | Code) -> tuple[Trial, ...]:
    base = zlib.crc32(gid.encode())
    return tuple(
        Trial(i, trial_seed(base, i), draw_params(exercise.params, base, i)) for i in range(exercise.trials)
    )


def hidden_trial(exercise: Expr | Fill | Code) -> Trial:
    """A trial with a seed nobody has seen, drawn per submission.

    The seeded trials are the same every time, and failing feedback shows expected values, so
    without this an answer could be a lookup table of those values. Its reference is never cached.
    """
    seed = secrets.randbelow(2**31 - 1)
    rng = random.Random(seed)
    params = {name: values[rng.randrange(len(values))] for name, values in sorted(exercise.params.items())}
    return Trial(exercise.trials, seed, params, hidden=True)


def plan(gid: str, exercise: Expr | Fill | Code, answer: Any, device: str, *, hidden: bool = True) -> Plan:
    """Parse the answer and build both programs. Raises AnswerError (invalid) or Forbidden."""
    mode, learner_src, reference_src = _sources(exercise, answer)
    learner = Program(exercise.setup, learner_src, exercise.check_code, mode, device, tuple(exercise.forbid))
    reference = Program(exercise.setup, reference_src, exercise.check_code, mode, device)
    trials = trials_of(gid, exercise) + ((hidden_trial(exercise),) if hidden else ())
    return Plan(learner, reference, trials)


def _sources(exercise: Expr | Fill | Code, answer: Any) -> tuple[str, str, str]:
    if isinstance(exercise, Expr):
        text = check_text(answer).strip()
        _require_parse(text, "eval")
        _require_allowed(text, "eval", exercise)
        return "expr", text, exercise.solution
    if isinstance(exercise, Fill):
        blanks = parse_blanks(answer, exercise.template)
        if any(len(b) > 4000 for b in blanks):
            raise AnswerError("a blank is longer than 4000 characters")
        try:
            filled = fill(exercise.template, blanks)
        except BlankError as e:
            raise AnswerError(str(e)) from None
        reference = fill_template(exercise.template, exercise.solution)
        mode = "expr" if exercise.is_expression else "exec"
        source = filled.strip() if mode == "expr" else filled
        _require_parse(source, "eval" if mode == "expr" else "exec")
        _require_fewer_uses(source, reference.strip() if mode == "expr" else reference, mode, exercise)
        return mode, source, reference.strip() if mode == "expr" else reference
    text = check_text(answer)
    _require_parse(text, "exec")
    _require_allowed(text, "exec", exercise)
    return "exec", text, exercise.solution


def _require_parse(source: str, mode: str) -> None:
    problem = syntax_error(source, mode)
    if problem:
        raise AnswerError(f"the answer does not parse: {problem}")


def _require_allowed(source: str, mode: str, exercise: Expr | Code) -> None:
    try:
        uses = _uses(source, mode, exercise)
    except (RecursionError, MemoryError):
        raise AnswerError("the answer is too deeply nested to check") from None
    if uses:
        raise Forbidden(uses)


def _require_fewer_uses(source: str, reference: str, mode: str, exercise: Fill) -> None:
    """In a fill, the template itself may use a forbidden name; the blanks may not add one."""
    ast_mode = "eval" if mode == "expr" else "exec"
    uses = _uses(source, ast_mode, exercise)
    template = Counter(u.name for u in _uses(reference, ast_mode, exercise))
    extra = [u for u in uses if sum(1 for v in uses if v.name == u.name) > template[u.name]]
    if extra:
        raise Forbidden(extra)


def _uses(source: str, mode: str, exercise: Expr | Fill | Code) -> list[forbid.Use]:
    """What the source uses that `forbid` names or `allow` does not give, in source order."""
    uses: list[forbid.Use] = forbid.find_uses(source, mode, exercise.forbid)
    if exercise.allow is not None:
        known = allow.bound_names(ast.parse(exercise.setup)) | set(exercise.params)
        uses += allow.find_outside(source, mode, exercise.allow, known)
    return sorted(uses, key=lambda u: (u.line, u.col))
