"""Observations -> the first difference, said so a learner can act on it.

Both lists come decoded from wire data, so a tensor here is always an exact `torch.Tensor`
built by the grader, and comparison runs on the CPU with the grader's own (unpatched) torch.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from grader.sandbox.wire import Opaque

Observation = tuple[str, Any]


def first_difference(
    expected: list[Observation], got: list[Observation], tol: float, rtol: float
) -> str | None:
    """None when the lists match name by name; otherwise what differs, for the learner."""
    for i, (name, want) in enumerate(expected):
        if i >= len(got):
            return f"{name!r} was never observed: the check stopped after {len(got)} observation(s)"
        got_name, value = got[i]
        if got_name != name:
            return f"expected an observation named {name!r} next, but got {got_name!r}"
        problem = differ(want, value, tol, rtol)
        if problem:
            return f"{name}: {problem}"
    if len(got) > len(expected):
        return f"unexpected extra observation {got[len(expected)][0]!r}"
    return None


def differ(want: Any, value: Any, tol: float, rtol: float, path: str = "") -> str | None:
    """How `value` differs from `want`, or None."""
    at = f" at {path}" if path else ""
    if isinstance(value, Opaque):
        return f"got a {value.type_name} object{at}; only plain values and torch.Tensor can be compared"
    if isinstance(want, torch.Tensor):
        if not isinstance(value, torch.Tensor):
            return f"expected a tensor{at}, got {describe(value)}"
        return tensor_difference(want, value, tol, rtol)
    if isinstance(value, torch.Tensor):
        return f"expected {describe(want)}{at}, got a tensor of shape {tuple(value.shape)}"
    if isinstance(want, float) and type(value) in (float, int):
        return None if _close(want, float(value), tol, rtol) else f"expected {want!r}{at}, got {value!r}"
    if type(want) is not type(value):
        return f"expected {describe(want)}{at}, got {describe(value)}"
    if isinstance(want, list | tuple):
        if len(want) != len(value):
            return f"expected {len(want)} items{at}, got {len(value)}"
        for i, (w, v) in enumerate(zip(want, value, strict=True)):
            problem = differ(w, v, tol, rtol, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if isinstance(want, dict):
        if list(want) != list(value):
            return f"expected keys {list(want)}{at}, got {list(value)}"
        for key in want:
            problem = differ(want[key], value[key], tol, rtol, f"{path}[{key!r}]")
            if problem:
                return problem
        return None
    return None if want == value else f"expected {want!r}{at}, got {value!r}"


def _close(a: float, b: float, tol: float, rtol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= tol + rtol * abs(a)


def describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, torch.Size):
        return f"torch.Size({list(value)})"[:120]
    return f"{type(value).__name__} {value!r}"[:120]


def tensor_difference(want: torch.Tensor, got: torch.Tensor, tol: float, rtol: float) -> str | None:
    if want.shape != got.shape:
        return f"shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    if want.dtype != got.dtype:
        return f"dtype {got.dtype}, expected {want.dtype}"
    if want.numel() == 0:
        return None
    if want.dtype == torch.bool or not (want.is_floating_point() or want.is_complex()):
        if torch.equal(want, got):
            return None
        return _worst(
            want.double() if not want.is_complex() else want, got.double() if not got.is_complex() else got
        )
    if torch.allclose(got, want, atol=tol, rtol=rtol, equal_nan=True):
        return None
    return _worst(want, got)


def _worst(want: torch.Tensor, got: torch.Tensor) -> str:
    diff = (
        got.to(torch.complex128 if got.is_complex() else torch.float64)
        - want.to(torch.complex128 if want.is_complex() else torch.float64)
    ).abs()
    nan_mismatch = torch.isnan(want) != torch.isnan(got)
    diff = torch.where(nan_mismatch, torch.full_like(diff, math.inf), torch.nan_to_num(diff, nan=0.0))
    flat = int(diff.argmax())
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), want.shape)) if want.dim() else ()
    where = f" at index {index}" if index else ""
    e, g = want.reshape(-1)[flat].item(), got.reshape(-1)[flat].item()
    return (
        f"values differ: largest difference {float(diff.reshape(-1)[flat]):.4g}{where} "
        f"(expected {_num(e)}, got {_num(g)})\n  expected: {excerpt(want)}\n  got:      {excerpt(got)}"
    )


def _num(x: Any) -> str:
    return f"{x:.6g}" if isinstance(x, float) else str(x)


def excerpt(t: torch.Tensor) -> str:
    with _printoptions():
        text = " ".join(repr(t).split())
    return text if len(text) <= 160 else text[:159] + "…"


class _printoptions:
    def __enter__(self) -> None:
        torch.set_printoptions(precision=4, threshold=8, edgeitems=2, linewidth=160)

    def __exit__(self, *exc: object) -> None:
        torch.set_printoptions(profile="default")


def values_equal(truth: Any, literal: Any, tol: float, rtol: float) -> str | None:
    """For `predict`: the learner's literal against the evaluated truth; None when equal."""
    if isinstance(truth, torch.Size):
        if not (isinstance(literal, list | tuple) and all(type(d) is int for d in literal)):
            return "a shape is a tuple of whole numbers, such as (2, 3)"
        return None if tuple(literal) == tuple(truth) else "not the shape"
    if isinstance(truth, torch.Tensor):
        try:
            as_tensor = torch.tensor(literal, dtype=torch.complex128 if truth.is_complex() else torch.float64)
        except (TypeError, ValueError, RuntimeError):
            return f"expected a tensor of shape {tuple(truth.shape)}; write it as a nested list such as [[1.0, 2.0]]"
        if as_tensor.shape != truth.shape:
            return f"shape {tuple(as_tensor.shape)}, expected {tuple(truth.shape)}"
        want = truth.to(as_tensor.dtype)
        if want.numel() and not torch.allclose(as_tensor, want, atol=tol, rtol=rtol or 0.0, equal_nan=True):
            return "some values differ"
        return None
    if isinstance(truth, torch.dtype | torch.device):
        text = str(truth)
        ok = isinstance(literal, str) and literal.strip() in (text, text.removeprefix("torch."))
        return None if ok else f"expected {text!r} (as a string)"
    if isinstance(truth, bool) or isinstance(literal, bool):
        return None if type(truth) is type(literal) and truth == literal else "not the value"
    if isinstance(truth, int | float) and isinstance(literal, int | float):
        return None if _close(float(truth), float(literal), tol, rtol or 0.0) else "not the value"
    if isinstance(truth, list | tuple) and isinstance(literal, list | tuple):
        if len(truth) != len(literal):
            return f"expected {len(truth)} items, got {len(literal)}"
        for t, v in zip(truth, literal, strict=True):
            problem = values_equal(t, v, tol, rtol)
            if problem:
                return problem
        return None
    return None if truth == literal and type(truth) is type(literal) else "not the value"
