"""Running the exercise's own code in the trusted grader: the truth of an evaluated kind, and
the observations of an executable kind's reference solution.

A failure here is the exercise's fault (or the grader's), never the learner's: it raises
ReferenceFailed, which the grader turns into a `broken` verdict. The exception says where the
authored code raised, so that `torchdrill validate` can point at the file's line.
"""

from __future__ import annotations

import contextlib
import io
import traceback
from dataclasses import dataclass
from typing import Any

import torch

from grader.deck.model import Code, Expr, Fill, Numeric, Predict, fill_template
from grader.deck.positions import before_strip, in_template
from grader.engine.program import Trial, trials_of
from grader.sandbox import wire
from grader.sandbox.harness import Program, base_namespace, run_trial, seed_everything

BLOCKS = ("setup", "solution", "check")  # the authored code a reference runs, in order


@dataclass(frozen=True)
class Failure:
    """Where authored code raised: the exercise's field, and the line and column (1-based) in its text."""

    field: str  # "setup", "solution", "check", or a fill's "template"
    line: int
    col: int


class ReferenceFailed(Exception):
    """The exercise's own setup, solution or check failed: an authoring bug, not the learner's."""

    def __init__(self, message: str, where: Failure | None = None, error: str = "") -> None:
        super().__init__(message)
        self.where = where
        self.error = error or message  # what was raised, as "IndexError: ..."


def truth(exercise: Numeric | Predict, device: str = "cpu") -> Any:
    """Evaluate `setup` then `solution` in a fresh namespace with fixed seeds."""
    namespace = base_namespace(device)
    seed_everything(0, device)
    try:
        exec(compile(exercise.setup, "<setup>", "exec"), namespace)
        return eval(compile(exercise.solution.strip(), "<solution>", "eval"), namespace)
    except Exception as e:  # noqa: BLE001 - authored code; any failure is reported to the author
        where = _innermost(e)
        if where is not None and where.field == "solution":
            where = Failure("solution", *before_strip(exercise.solution, where.line, where.col))
        error = f"{type(e).__name__}: {e}"
        raise ReferenceFailed(f"the exercise's solution failed: {error}{_said(where)}", where, error) from e
    finally:
        restore_globals()


def run_reference(program: Program, trial: Trial) -> list[tuple[str, Any]]:
    """One trial of authored code, here in the trusted grader; raises ReferenceFailed if it fails."""
    result = run_trial(program, trial.params, trial.seed)
    restore_globals()
    if result.error or result.memory:
        detail = result.error["message"] if result.error else "it ran out of memory"
        where = replay(program, trial) if result.error else None
        raise ReferenceFailed(
            f"the exercise's reference failed in trial {trial.index + 1}: {detail}{_said(where)}",
            where,
            detail,
        )
    try:
        return [(n, wire.decode(v)) for n, v in result.observations]
    except wire.WireError as e:
        raise ReferenceFailed(f"the exercise's reference observed something unreadable: {e}") from None


def failure_of(
    gid: str, exercise: Numeric | Predict | Expr | Fill | Code, device: str
) -> ReferenceFailed | None:
    """Why the exercise's own code fails, with the place in the exercise's fields; None if it runs."""
    try:
        if isinstance(exercise, Numeric | Predict):
            truth(exercise, device)
        else:
            program = reference_program(exercise, device)
            for trial in trials_of(gid, exercise):
                run_reference(program, trial)
    except ReferenceFailed as e:
        if isinstance(exercise, Fill) and e.where is not None and e.where.field == "solution":
            e.where = _in_template(exercise, e.where)
        return e
    return None


def reference_program(exercise: Expr | Fill | Code, device: str) -> Program:
    """The program a trial runs for the reference, as engine.program builds it."""
    if isinstance(exercise, Expr):
        return Program(exercise.setup, exercise.solution, exercise.check_code, "expr", device)
    if isinstance(exercise, Fill):
        filled = fill_template(exercise.template, exercise.solution)
        mode = "expr" if exercise.is_expression else "exec"
        return Program(
            exercise.setup, filled.strip() if mode == "expr" else filled, exercise.check_code, mode, device
        )
    return Program(exercise.setup, exercise.solution, exercise.check_code, "exec", device)


def replay(program: Program, trial: Trial) -> Failure | None:
    """Run a reference that failed again, here, as the harness runs it, to learn which authored line
    raised (the harness keeps only the learner's lines). None when it does not fail again."""
    namespace = base_namespace(program.device) | dict(trial.params)
    namespace["observe"] = lambda *args, **flags: None
    answer = program.answer.strip() if program.mode == "expr" else program.answer
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            seed_everything(trial.seed, program.device)
            exec(compile(program.setup, "<setup>", "exec"), namespace)
            if program.mode == "expr":
                namespace["answer"] = eval(compile(answer, "<solution>", "eval"), namespace)
            else:
                exec(compile(answer, "<solution>", "exec"), namespace)
            seed_everything(trial.seed, program.device)
            exec(compile(program.check, "<check>", "exec"), namespace)
    except Exception as e:  # noqa: BLE001 - authored code; any failure is located for the author
        where = _innermost(e)
        if where is not None and where.field == "solution" and program.mode == "expr":
            where = Failure("solution", *before_strip(program.answer, where.line, where.col))
        return where
    finally:
        restore_globals()
    return None


def _innermost(e: BaseException) -> Failure | None:
    """The deepest frame in authored code: a solution's function that check calls is where it broke."""
    for frame in reversed(traceback.extract_tb(e.__traceback__)):
        name = frame.filename.strip("<>")
        if name in BLOCKS and frame.lineno:
            return Failure(name, frame.lineno, (frame.colno or 0) + 1)
    return None


def _in_template(exercise: Fill, where: Failure) -> Failure:
    """A place in the filled template (stripped, for an expression) -> the same place as written."""
    filled = fill_template(exercise.template, exercise.solution)
    line, col = where.line, where.col
    if exercise.is_expression:
        line, col = before_strip(filled, line, col)
    return Failure("template", *in_template(exercise.template, exercise.solution, line, col))


def _said(where: Failure | None) -> str:
    return f" (in its {where.field}, line {where.line})" if where else ""


def restore_globals() -> None:
    """Authored code may change torch's global state; the next reference must not inherit it."""
    torch.set_default_dtype(torch.float32)
    torch.set_printoptions(profile="default")
    torch.set_grad_enabled(True)
