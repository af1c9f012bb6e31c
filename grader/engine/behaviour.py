"""What a wrong answer did, as a short fingerprint: answers with the same fingerprint behaved alike.

A batch groups a class's wrong answers by it (grader/batch/groups.py), so that a teacher writes one
comment per misconception instead of one per learner. For the executable kinds it is one hash per
visible trial of what the learner's run observed (or the error it raised); for the kinds graded by
value, one hash of the parsed value. Hidden trials are left out: their inputs are fresh each time.

Numbers are rounded before hashing, to the exercise's tolerance but never finer than four
significant digits, so that two ways of computing the same thing (`x.sum() / n` and `x.mean()`)
almost always land on the same value; steps are powers of ten, so a rounded value has one exact
representation. The kinds of number compare as compare.py compares them: float32 and float64
alike unless the check asked for the exact dtype, a one-number tensor like the Python number.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import torch

from grader.deck.model import Choice, Numeric, Predict
from grader.engine.answers import AnswerError, check_text, parse_choice, parse_literal, parse_number
from grader.engine.judge import observations_of
from grader.engine.literals import DeviceName, DtypeName, Shape, TensorLiteral
from grader.sandbox.client import RunOutcome
from grader.sandbox.wire import Observed, Opaque, tensor_bytes

SIGNIFICANT = 4  # digits kept at most: float32 noise between equivalent computations is far below
MAX_TEXT = 500  # characters of an error message or a string observation that count


def of_run(outcome: RunOutcome, visible: int, tol: float, rtol: float) -> list[str | None]:
    """One fingerprint per visible trial: of its observations, or of the error it ended in; None for
    a trial that never reported (the run timed out or crashed before it)."""
    observed = observations_of(outcome)
    prints: list[str | None] = []
    for index in range(visible):
        if index >= len(observed):
            prints.append(None)
        elif observed[index] is None:
            prints.append(_digest(["error", *_error_of(outcome.messages[index])]))
        else:
            prints.append(_of_observations(observed[index], tol, rtol))
    return prints


def _of_observations(observations: list[tuple[str, Any]], tol: float, rtol: float) -> str:
    try:
        return _digest([[name, canonical(v, tol, rtol)] for name, v in observations])
    except (RuntimeError, ValueError, TypeError, OverflowError, RecursionError, MemoryError):
        # what a child sent is untrusted: a value no fingerprint can read must not cost the verdict
        return _digest(["unreadable"])


def of_value(exercise: Choice | Numeric | Predict, answer: Any) -> list[str] | None:
    """The fingerprint of a typed answer's value (None when it does not parse), as a one-item list
    so that every kind's fingerprint has the same shape."""
    tol = getattr(exercise, "tolerance", 0.0)
    rtol = getattr(exercise, "rtol", None) or 0.0
    try:
        if isinstance(exercise, Choice):
            value: Any = sorted(parse_choice(answer, len(exercise.options)))
        elif isinstance(exercise, Numeric):
            value = parse_number(answer if isinstance(answer, str) else str(answer))
        else:
            value = parse_literal(check_text(answer))
    except AnswerError:
        return None
    return [_digest(canonical(value, tol, rtol))]


def _error_of(message: Any) -> list[str]:
    """A trial's error as (type, message): untrusted, so only strings, cut short."""
    if not isinstance(message, dict):
        return ["unreadable"]
    if message.get("memory") is True:
        return ["memory"]
    error = message.get("error")
    if not isinstance(error, dict):
        return ["unreadable"]
    return [str(error.get("type", ""))[:100], str(error.get("message", ""))[:MAX_TEXT]]


def _digest(data: Any) -> str:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()[:16]


def canonical(value: Any, tol: float, rtol: float, exact_dtype: bool = False) -> Any:
    """JSON data equal for two values that compare.py would call alike (rounded as above)."""
    if isinstance(value, Observed):
        extra = {k: getattr(value, k) for k in sorted(value.asked)}
        return ["observed", extra, canonical(value.value, tol, rtol, value.exact_dtype)]
    if isinstance(value, torch.Tensor):
        return _tensor(value, tol, rtol, exact_dtype)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return ["int", str(value) if value.bit_length() < 4000 else f"{value.bit_length()} bits"]
    if isinstance(value, float):
        return ["float", _rounded(value, tol, rtol)]
    if isinstance(value, list | tuple):  # a torch.Size is a tuple
        return [canonical(v, tol, rtol, exact_dtype) for v in value]
    if isinstance(value, dict):
        return {"dict": [[str(k), canonical(v, tol, rtol, exact_dtype)] for k, v in value.items()]}
    return _named(value, tol, rtol)


def _named(value: Any, tol: float, rtol: float) -> Any:
    """Values that stand for a name or a literal a learner typed: as the name they stand for."""
    if isinstance(value, Shape):
        return [["int", str(d)] for d in value.dims]
    if isinstance(value, TensorLiteral):
        return canonical(value.data, tol, rtol)
    if isinstance(value, DtypeName | DeviceName):
        return ["name", value.name]
    if isinstance(value, torch.dtype | torch.device):
        return ["name", str(value).removeprefix("torch.")]
    if isinstance(value, str):
        return ["name", value.removeprefix("torch.")[:MAX_TEXT]]
    if isinstance(value, Opaque):
        return ["object", value.type_name]
    return ["object", type(value).__name__]


def _tensor(t: torch.Tensor, tol: float, rtol: float, exact_dtype: bool) -> Any:
    """A one-number tensor as the number; otherwise its kind, shape and a hash of its rounded values."""
    kind = _kind(t.dtype)
    if t.dim() == 0 and kind != "complex":
        return canonical(t.item(), tol, rtol)
    if kind == "complex":
        t = torch.view_as_real(t.resolve_conj())
    if kind in ("float", "complex"):
        data = _rounded_bytes(t, tol, rtol)
    else:
        data = tensor_bytes(t.to(torch.int64))
    dtype = str(t.dtype).removeprefix("torch.") if exact_dtype else kind
    return ["tensor", dtype, list(t.shape), hashlib.sha256(data).hexdigest()[:16]]


def _kind(dtype: torch.dtype) -> str:
    if dtype == torch.bool:
        return "bool"
    if dtype.is_complex:
        return "complex"
    return "float" if dtype.is_floating_point else "int"


def _step_exponent(magnitude: float, tol: float, rtol: float) -> int:
    """The power of ten a number of this size is rounded to."""
    finest = math.floor(math.log10(magnitude)) - SIGNIFICANT + 1 if magnitude > 0 else -400
    by_tol = math.ceil(math.log10(tol)) if tol > 0 else -400
    by_rtol = math.ceil(math.log10(rtol * magnitude)) if rtol > 0 and magnitude > 0 else -400
    return max(finest, by_tol, by_rtol)


def _rounded(x: float, tol: float, rtol: float) -> str:
    if not math.isfinite(x):
        return repr(x)
    k = _step_exponent(abs(x), tol, rtol)
    n = round(x / 10.0**k) if k > -300 else 0
    if n == 0:
        return "0"
    while n % 10 == 0:  # 10000e-3 and 1000e-2 are the same 10
        n, k = n // 10, k + 1
    return f"{n}e{k}"  # n * 10**k as text: exact, and the same whoever computed it


def _rounded_bytes(t: torch.Tensor, tol: float, rtol: float) -> bytes:
    """Every element rounded as `_rounded` does, as bytes: integers n and exponents k of n * 10**k."""
    x = t.detach().to("cpu", torch.float64).flatten()
    finite = torch.isfinite(x)
    magnitude = torch.where(finite, x.abs(), torch.zeros_like(x))
    k = torch.where(
        magnitude > 0, torch.floor(torch.log10(magnitude)) - SIGNIFICANT + 1, torch.full_like(x, -400)
    )
    if tol > 0:
        k = k.clamp(min=math.ceil(math.log10(tol)))
    if rtol > 0:
        k = torch.maximum(k, torch.ceil(torch.log10(rtol * magnitude.clamp(min=1e-300))))
    k = k.clamp(min=-300)
    n = torch.where(finite, torch.round(x / torch.pow(10.0, k)), torch.zeros_like(x)).to(torch.int64)
    k = k.to(torch.int64)
    for _ in range(SIGNIFICANT + 1):  # n has at most SIGNIFICANT + 1 digits: strip its trailing zeros
        tens = (n % 10 == 0) & (n != 0)
        n, k = torch.where(tens, n // 10, n), torch.where(tens, k + 1, k)
    k = torch.where(n == 0, torch.zeros_like(k), k)  # zero is zero, at any step
    special = torch.where(torch.isnan(x), 1, torch.where(x == math.inf, 2, torch.where(x == -math.inf, 3, 0)))
    return b"".join(tensor_bytes(part) for part in (n, k, special.to(torch.int64)))
