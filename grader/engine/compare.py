"""Observations -> the first difference, said so a learner can act on it.

Both lists come decoded from wire data, so a tensor here is always an exact `torch.Tensor`
built by the grader, and comparison runs on the CPU with the grader's own (unpatched) torch.
Every function here is total over decoded data: whatever a child sends, the answer is a
difference in words (the learner's result) or None, never an exception.

Tensors match when shapes agree, the kind of number agrees (bool, integer, floating, complex)
and values agree within tolerance; the exact dtype (float32 vs float64) only when the check
asked for it with `observe(..., exact_dtype=True)`, so a right answer computed in float64 is right.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from grader.engine.literals import DeviceName, DtypeName, Shape, TensorLiteral
from grader.sandbox.wire import Observed, Opaque

Observation = tuple[str, Any]
EXCERPT = 3  # values shown on each side of the worst one


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
        problem = observation_difference(want, value, tol, rtol)
        if problem:
            return f"{name}: {problem}"
    if len(got) > len(expected):
        return f"unexpected extra observation {got[len(expected)][0]!r}"
    return None


def observation_difference(want: Any, value: Any, tol: float, rtol: float) -> str | None:
    """One observation; the reference's flags (trusted) say what is compared besides the value."""
    if not isinstance(want, Observed):
        return differ(want, _unwrap(value), tol, rtol)
    got = value if isinstance(value, Observed) else Observed(value)
    if "requires_grad" in want.asked and got.requires_grad != want.requires_grad:
        return _grad_difference(want.requires_grad, got.requires_grad)
    if "device" in want.asked and got.device != want.device:
        return f"on device {got.device}, expected {want.device}"
    return differ(want.value, got.value, tol, rtol, exact_dtype=want.exact_dtype)


def _unwrap(value: Any) -> Any:
    return value.value if isinstance(value, Observed) else value


def _grad_difference(want: bool | None, got: bool | None) -> str:
    if want is False:
        return "requires_grad is True, expected a tensor that does not track gradients (detach it)"
    if want is True and got is False:
        return "requires_grad is False, expected a tensor that tracks gradients (was it detached, or made under no_grad?)"
    return "expected a tensor here" if got is None else f"requires_grad is {got}, expected {want}"


def differ(
    want: Any, value: Any, tol: float, rtol: float, path: str = "", *, exact_dtype: bool = False
) -> str | None:
    """How `value` differs from `want`, or None."""
    at = f" at {path}" if path else ""
    value = _unwrap(value)
    if isinstance(value, Opaque):
        return f"got a {value.type_name} object{at}; only plain values and torch.Tensor can be compared"
    # A one-number tensor and a Python number of the same kind are the same answer (`.item()` or not).
    if _scalar_pair(want, value):
        return differ(_as_number(want), _as_number(value), tol, rtol, path)
    if isinstance(want, torch.Tensor):
        if not isinstance(value, torch.Tensor):
            return f"expected a tensor{at}, got {describe(value)}"
        problem = tensor_difference(want, value, tol, rtol, exact_dtype=exact_dtype)
        return f"{problem}{at}" if problem and at and "\n" not in problem else problem
    if isinstance(value, torch.Tensor):
        return f"expected {describe(want)}{at}, got a tensor of shape {tuple(value.shape)}"
    if isinstance(want, float) and type(value) in (float, int):
        return None if _close(want, value, tol, rtol) else f"expected {want!r}{at}, got {_short(value)}"
    # A tuple, a list and a torch.Size of the same items are the same answer.
    sequences = isinstance(want, list | tuple) and isinstance(value, list | tuple)
    if type(want) is not type(value) and not sequences:
        return f"expected {describe(want)}{at}, got {describe(value)}"
    if isinstance(want, list | tuple):
        if len(want) != len(value):
            return f"expected {len(want)} items{at}, got {len(value)}"
        for i, (w, v) in enumerate(zip(want, value, strict=True)):
            problem = differ(w, v, tol, rtol, f"{path}[{i}]", exact_dtype=exact_dtype)
            if problem:
                return problem
        return None
    if isinstance(want, dict):
        if list(want) != list(value):
            return f"expected keys {list(want)}{at}, got {list(value)}"
        for key in want:
            problem = differ(want[key], value[key], tol, rtol, f"{path}[{key!r}]", exact_dtype=exact_dtype)
            if problem:
                return problem
        return None
    return None if want == value else f"expected {_short(want)}{at}, got {_short(value)}"


def _scalar_pair(want: Any, value: Any) -> bool:
    """A 0-d tensor against a Python number (either way round), both of the same kind of number."""
    tensor, number = (want, value) if isinstance(want, torch.Tensor) else (value, want)
    if not (isinstance(tensor, torch.Tensor) and tensor.dim() == 0) or isinstance(number, torch.Tensor):
        return False
    if type(number) is bool:
        return tensor.dtype == torch.bool
    if type(number) is int:
        return kind_of(tensor.dtype) == "ints"
    return type(number) is float and tensor.is_floating_point()


def _as_number(value: Any) -> Any:
    return value.item() if isinstance(value, torch.Tensor) else value


def _close(a: float, b: float | int, tol: float, rtol: float) -> bool:
    try:
        b = float(b)
    except OverflowError:  # an int of thousands of digits is not close to any float
        return False
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= tol + rtol * abs(a)


def _short(value: Any) -> str:
    if type(value) is int and abs(value) >= 10**30:
        return f"an integer of {len(str(abs(value))) if value.bit_length() < 60_000 else 'many'} digits"
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, torch.Size):
        return f"torch.Size({list(value)})"[:120]
    if type(value) is bool:
        return f"the boolean {value}"
    return f"{type(value).__name__} {_short(value)}"[:120]


# -- tensors ------------------------------------------------------------------------------------------
def kind_of(dtype: torch.dtype) -> str:
    """The kind of number a dtype holds, as a learner would say it."""
    if dtype == torch.bool:
        return "bools"
    if dtype.is_complex:
        return "complex numbers"
    if dtype.is_floating_point:
        return "floats"
    return "ints"


def tensor_difference(
    want: torch.Tensor, got: torch.Tensor, tol: float, rtol: float, *, exact_dtype: bool = False
) -> str | None:
    if want.shape != got.shape:
        return f"shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    if kind_of(want.dtype) != kind_of(got.dtype):
        return f"expected {kind_of(want.dtype)} ({want.dtype}), got {kind_of(got.dtype)} ({got.dtype})"
    if exact_dtype and want.dtype != got.dtype:
        return f"dtype {got.dtype}, expected {want.dtype}"
    if want.numel() == 0:
        return None
    if not (want.is_floating_point() or want.is_complex()):
        return None if torch.equal(want, got.to(want.dtype)) else _worst(want, got)
    wide = torch.complex128 if want.is_complex() else torch.float64
    if torch.allclose(got.to(wide), want.to(wide), atol=tol, rtol=rtol, equal_nan=True):
        return None
    return _worst(want, got)


def _worst(want: torch.Tensor, got: torch.Tensor) -> str:
    """Where the largest difference is, with the values around it side by side."""
    wide = torch.complex128 if want.is_complex() or got.is_complex() else torch.float64
    w, g = want.to(wide), got.to(wide)
    diff = (g - w).abs()
    nan_mismatch = torch.isnan(w) != torch.isnan(g)
    diff = torch.where(nan_mismatch, torch.full_like(diff, math.inf), torch.nan_to_num(diff, nan=0.0))
    flat = int(diff.argmax())
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), want.shape)) if want.dim() else ()
    where = f" at index {index}" if index else ""
    e, v = _item(want.reshape(-1)[flat]), _item(got.reshape(-1)[flat])
    size = "" if want.dtype == torch.bool else f": largest difference {float(diff.reshape(-1)[flat]):.4g}"
    head = f"values differ{size}{where} (expected {e}, got {v})"
    if want.dim() == 0 or want.numel() == 1:
        return head
    label, w_row, g_row = _around(want, got, index)
    return f"{head}\n  {label}\n    expected: {w_row}\n    got:      {g_row}"


def _around(want: torch.Tensor, got: torch.Tensor, index: tuple[int, ...]) -> tuple[str, str, str]:
    """The stretch of the last dimension around `index`, in both tensors."""
    *lead, last = index
    start, stop = max(last - EXCERPT, 0), min(last + EXCERPT + 1, want.shape[-1])
    pick = (*lead, slice(start, stop))
    where = ", ".join([*map(str, lead), f"{start}:{stop}"])
    before, after = ("… " if start > 0 else ""), (" …" if stop < want.shape[-1] else "")

    def row(t: torch.Tensor) -> str:
        return "[" + before + ", ".join(_item(x) for x in t[pick].reshape(-1)) + after + "]"

    return f"around it, [{where}]:", row(want), row(got)


def _item(x: torch.Tensor) -> str:
    value = x.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, complex):
        return f"{value:.4g}"
    return str(value)


# -- predict: what the learner typed against the evaluated truth --------------------------------------
def values_equal(truth: Any, typed: Any, tol: float, rtol: float, path: str = "") -> str | None:
    """None when `typed` (from literals.parse_printed) is the truth; otherwise what is off.

    At the top level the message never states the truth (the learner may try again); inside a
    container it names the element that differs and what it should be.
    """
    if isinstance(truth, list | tuple) and not isinstance(truth, torch.Size):
        return _sequence_equal(truth, typed, tol, rtol, path)
    problem = _value_problem(truth, typed, tol, rtol)
    if problem is None or not path:
        return problem
    return f"element {path}: expected {show(truth)}, got {show_typed(typed)}"


def _sequence_equal(truth: list | tuple, typed: Any, tol: float, rtol: float, path: str) -> str | None:
    if isinstance(typed, Shape):  # `tuple(x.shape)` typed as torch prints the shape
        typed = typed.dims
    if isinstance(typed, TensorLiteral) and typed.dtype is None:  # `t.tolist()` typed as torch prints `t`
        typed = typed.data
    if not isinstance(typed, list | tuple):
        return f"{_at(path)}expected {len(truth)} values in a tuple or list, got {show_typed(typed)}"
    if len(truth) != len(typed):
        return f"{_at(path)}expected {len(truth)} items, got {len(typed)}"
    for i, (t, v) in enumerate(zip(truth, typed, strict=True)):
        problem = values_equal(t, v, tol, rtol, f"{path}[{i}]")
        if problem:
            return problem
    return None


def _at(path: str) -> str:
    return f"element {path}: " if path else ""


def _value_problem(truth: Any, typed: Any, tol: float, rtol: float) -> str | None:
    if isinstance(truth, torch.Size):
        return _shape_problem(truth, typed)
    if isinstance(truth, torch.Tensor):
        return _tensor_problem(truth, typed, tol, rtol)
    if isinstance(truth, torch.dtype):
        name = str(truth).removeprefix("torch.")
        got = (
            typed.name
            if isinstance(typed, DtypeName)
            else typed.removeprefix("torch.")
            if isinstance(typed, str)
            else None
        )
        return None if got == name else "not the dtype (type it as torch prints it, such as torch.int64)"
    if isinstance(truth, torch.device):
        got = typed.name if isinstance(typed, DeviceName) else typed if isinstance(typed, str) else None
        return (
            None
            if got is not None and torch.device(got) == truth
            else "not the device (type it such as 'cpu')"
        )
    if isinstance(typed, TensorLiteral) and _depth(typed.data) == 0:
        typed = typed.data  # tensor(True) or tensor(3.) for a plain bool or number
    if isinstance(truth, bool) or isinstance(typed, bool):
        if type(truth) is type(typed):
            return None if truth == typed else "not the value"
        return f"expected {_kind(truth)}, got {_kind(typed)}"
    if isinstance(truth, int | float) and isinstance(typed, int | float):
        return None if _close(float(truth), typed, tol, rtol or 0.0) else "not the value"
    if type(truth) is not type(typed):
        return f"expected {_kind(truth)}, got {_kind(typed)}"
    return None if truth == typed else "not the value"


def _shape_problem(truth: torch.Size, typed: Any) -> str | None:
    dims = typed.dims if isinstance(typed, Shape) else typed
    if not isinstance(dims, list | tuple) or not all(type(d) is int for d in dims):
        return "a shape is a tuple of whole numbers, such as (2, 3) or torch.Size([2, 3])"
    if len(dims) != len(truth):
        return f"the shape has {len(truth)} dimensions, not {len(dims)}"
    wrong = [i for i, (a, b) in enumerate(zip(truth, dims, strict=True)) if a != b]
    return None if not wrong else f"not the shape: dimension {wrong[0]} is off"


def _tensor_problem(truth: torch.Tensor, typed: Any, tol: float, rtol: float) -> str | None:
    literal = isinstance(typed, TensorLiteral)
    data = typed.data if literal else typed
    if not isinstance(data, list | tuple | int | float | bool | complex):
        return (
            f"expected a tensor of shape {tuple(truth.shape)}; write it as tensor([[1., 2.]]) or [[1.0, 2.0]]"
        )
    try:
        given = torch.tensor(data)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        return (
            "the values do not form a tensor: every row must have the same length, such as [[1, 2], [3, 4]]"
        )
    if tuple(given.shape) != tuple(truth.shape):
        return f"shape {tuple(given.shape)}, expected a tensor of {truth.dim()} dimension(s)" + (
            "" if given.dim() != truth.dim() else ": the sizes are off"
        )
    dtype_named = literal and typed.dtype is not None
    if dtype_named and typed.dtype != str(truth.dtype).removeprefix("torch."):
        return f"dtype torch.{typed.dtype} is not the tensor's dtype"
    # Bools against numbers always matter; ints against floats when the learner wrote tensor(...),
    # since torch prints a float tensor with a dot (tensor([1., 2.])) and an int one without.
    typed_kind = kind_of(given.dtype) if given.numel() else kind_of(truth.dtype)
    strict = literal and not dtype_named
    if typed_kind != kind_of(truth.dtype) and ("bools" in (typed_kind, kind_of(truth.dtype)) or strict):
        return f"expected {kind_of(truth.dtype)}, got {typed_kind}"
    if truth.numel() == 0:
        return None
    wide = torch.complex128 if truth.is_complex() or given.is_complex() else torch.float64
    if torch.allclose(given.to(wide), truth.to(wide), atol=tol, rtol=rtol or 0.0, equal_nan=True):
        return None
    return "some values differ" if truth.numel() > 1 else "not the value"


def _depth(data: Any) -> int:
    return (
        1 + _depth(data[0])
        if isinstance(data, list | tuple) and data
        else int(isinstance(data, list | tuple))
    )


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean (True or False)"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, TensorLiteral):
        return "a tensor"
    if isinstance(value, Shape):
        return "a torch.Size"
    if isinstance(value, DtypeName):
        return "a dtype"
    return f"a {type(value).__name__}"


def show(value: Any) -> str:
    """A truth as the learner would type it."""
    if isinstance(value, torch.Size):
        return str(tuple(value))
    if isinstance(value, torch.Tensor):
        if value.numel() > 64:
            return f"a tensor of shape {tuple(value.shape)}"
        return repr(value.tolist()) if value.dim() else repr(value.item())
    if isinstance(value, torch.dtype):
        return str(value)
    if isinstance(value, torch.device):
        return repr(str(value))
    return _short(value)


def show_typed(typed: Any) -> str:
    if isinstance(typed, Shape):
        return str(typed.dims)
    if isinstance(typed, TensorLiteral):
        return f"tensor({typed.data!r})"[:80]
    if isinstance(typed, DtypeName):
        return f"torch.{typed.name}"
    if isinstance(typed, DeviceName):
        return repr(typed.name)
    return _short(typed)
