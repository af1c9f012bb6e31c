"""Running the exercise's own code in the trusted grader: the truth of an evaluated kind, and
the observations of an executable kind's reference solution.

A failure here is the exercise's fault (or the grader's), never the learner's: it raises
ReferenceFailed, which the grader turns into a `broken` verdict.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.deck.model import Numeric, Predict
from grader.engine.program import Trial
from grader.sandbox import wire
from grader.sandbox.harness import Program, base_namespace, run_trial, seed_everything


class ReferenceFailed(Exception):
    """The exercise's own setup, solution or check failed: an authoring bug, not the learner's."""


def truth(exercise: Numeric | Predict, device: str = "cpu") -> Any:
    """Evaluate `setup` then `solution` in a fresh namespace with fixed seeds."""
    namespace = base_namespace(device)
    seed_everything(0, device)
    try:
        exec(compile(exercise.setup, "<setup>", "exec"), namespace)
        return eval(compile(exercise.solution.strip(), "<solution>", "eval"), namespace)
    except Exception as e:  # noqa: BLE001 - authored code; any failure is reported to the author
        raise ReferenceFailed(f"the exercise's solution failed: {type(e).__name__}: {e}") from e
    finally:
        restore_globals()


def run_reference(program: Program, trial: Trial) -> list[tuple[str, Any]]:
    """One trial of authored code, here in the trusted grader; raises ReferenceFailed if it fails."""
    result = run_trial(program, trial.params, trial.seed)
    restore_globals()
    if result.error or result.memory:
        detail = result.error["message"] if result.error else "it ran out of memory"
        raise ReferenceFailed(f"the exercise's reference failed in trial {trial.index + 1}: {detail}")
    try:
        return [(n, wire.decode(v)) for n, v in result.observations]
    except wire.WireError as e:
        raise ReferenceFailed(f"the exercise's reference observed something unreadable: {e}") from None


def restore_globals() -> None:
    """Authored code may change torch's global state; the next reference must not inherit it."""
    torch.set_default_dtype(torch.float32)
    torch.set_printoptions(profile="default")
    torch.set_grad_enabled(True)
