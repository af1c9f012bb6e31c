"""Rules that catch a weak executable exercise: one whose checks could not tell right from wrong.

Each rule takes the reference's observations, run in the trusted grader, and says what is weak.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import replace
from typing import Any

import torch

from grader.deck.model import Code, Expr, Fill
from grader.engine.allow import bound_names, normal
from grader.engine.compare import first_difference
from grader.engine.forbid import resolve
from grader.engine.program import plan
from grader.engine.reference import run_reference
from grader.sandbox.wire import Observed

Observations = list[tuple[str, Any]]


def reference_runs(gid: str, ex: Expr | Fill | Code, device: str) -> list[tuple[Observations, Observations]]:
    """Each seeded trial's reference observations, run twice."""
    p = plan(gid, ex, ex.solution, device, hidden=False)
    return [(run_reference(p.reference, t), run_reference(p.reference, t)) for t in p.trials]


def weaknesses(gid: str, ex: Expr | Fill | Code, device: str) -> list[str]:
    runs = reference_runs(gid, ex, device)
    first = [a for a, _ in runs]
    problems = []
    if not any(first):
        return ["the check observes nothing: call observe(name, value) with what the answer computes"]
    for index, (a, b) in enumerate(runs):
        if first_difference(a, b, 0.0, 0.0) is not None:
            problems.append(
                f"trial {index + 1} is not deterministic: the reference run twice observed "
                f"different values ({first_difference(a, b, 0.0, 0.0)}); seed or remove the randomness"
            )
            break
    problems += _cannot_fail(first, ex.tolerance, ex.rtol)
    if len(first) > 1 and all(first_difference(first[0], other, 0.0, 0.0) is None for other in first[1:]):
        problems.append(
            f"all {len(first)} trials observe identical values, so a hard-coded answer passes: "
            "add params or seeded random inputs that differ per trial"
        )
    return problems


def _cannot_fail(trials: list[Observations], tol: float, rtol: float) -> list[str]:
    values = [_bare(v) for obs in trials for _, v in obs]
    if not any(_carries_values(v) for v in values):
        return [
            "the check observes only shapes, dtypes or other metadata, never values: observe the result itself"
        ]
    problems = []
    for label, change in (("perturbed by 1%", _perturb), ("replaced by zeros of the same shape", _zeros)):
        if all(
            first_difference(obs, [(n, _inside(change, v)) for n, v in obs], tol, rtol) is None
            for obs in trials
        ):
            problems.append(
                f"a reference whose observed values are {label} still passes: "
                "the check cannot fail (observe values, or tighten the tolerance)"
            )
    return problems


def _bare(v: Any) -> Any:
    """The value of an observation made with flags (`observe(..., exact_dtype=True)`)."""
    return v.value if isinstance(v, Observed) else v


def _inside(change: Any, v: Any) -> Any:
    """`change` applied to the value, the flags kept."""
    return replace(v, value=change(v.value)) if isinstance(v, Observed) else change(v)


def _carries_values(v: Any) -> bool:
    if isinstance(v, torch.Size | torch.dtype):
        return False
    if isinstance(v, torch.Tensor):
        return True
    if isinstance(v, float):
        return True
    if isinstance(v, list | tuple):
        return any(_carries_values(x) for x in v)
    if isinstance(v, dict):
        return any(_carries_values(x) for x in v.values())
    return isinstance(v, int | bool | str) and not isinstance(v, torch.Size)


def _perturb(v: Any) -> Any:
    if isinstance(v, torch.Tensor):
        if v.dtype == torch.bool:
            return ~v
        if v.is_floating_point() or v.is_complex():
            return v + 0.01 * (v.abs() + 1)
        return v + 1
    if isinstance(v, float):
        return v + 0.01 * (abs(v) + 1)
    if isinstance(v, bool):
        return not v
    if isinstance(v, int) and not isinstance(v, torch.Size):
        return v + 1
    if isinstance(v, list | tuple) and not isinstance(v, torch.Size):
        return type(v)(_perturb(x) for x in v)
    if isinstance(v, dict):
        return {k: _perturb(x) for k, x in v.items()}
    return v


def _zeros(v: Any) -> Any:
    if isinstance(v, torch.Tensor):
        return torch.zeros_like(v)
    if isinstance(v, bool):
        return False
    if isinstance(v, float | int) and not isinstance(v, torch.Size):
        return type(v)(0)
    if isinstance(v, str):
        return ""
    if isinstance(v, list | tuple) and not isinstance(v, torch.Size):
        return type(v)(_zeros(x) for x in v)
    if isinstance(v, dict):
        return {k: _zeros(x) for k, x in v.items()}
    return v


def unresolved_forbids(ex: Expr | Fill | Code) -> list[str]:
    """Dotted names in forbid and allow must name something; plain ones must be assigned by setup
    (or, in allow, be a builtin such as `len`)."""
    assigned = _assigned_names(ex.setup)
    bad = []
    for name in ex.forbid:
        if "." in name:
            if resolve(name) is None:
                bad.append(f"forbid entry {name!r} does not resolve to anything: check the spelling")
        elif name not in assigned and resolve(name) is None:
            bad.append(f"forbid entry {name!r} is neither a module nor a name that setup assigns")
    for name in ex.allow or []:
        if resolve(normal(name)) is None and not hasattr(builtins, name) and name not in assigned:
            bad.append(f"allow entry {name!r} does not resolve to anything: check the spelling")
    return bad


def _assigned_names(source: str) -> set[str]:
    return bound_names(ast.parse(source))


def missing_teaching(ex: Any) -> list[str]:
    """Warnings, not errors: what a learner misses when it is absent."""
    out = []
    if not ex.hints:
        out.append("no hints: a learner who is stuck gets no help before giving up")
    if not ex.explanation:
        out.append("no explanation: the learner sees the verdict but not why")
    if not ex.tags:
        out.append("no tags: it will not show up in stats by topic")
    return out
