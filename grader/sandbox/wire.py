"""Observations as data only: JSON with tagged tensors, decoded without running code.

The child encodes; the trusted grader decodes with `decode`, which builds plain Python values
and exact `torch.Tensor`s from bytes, never calling anything the child defined. Anything that
is not a known shape of data is an error, and every size is capped.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import json
import math
from dataclasses import dataclass
from typing import Any

import torch

MAX_MESSAGE_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 32
MAX_ITEMS = 100_000

# Captured at import, before any learner code can rebind them.
_Tensor = torch.Tensor
_Size = torch.Size
_dtype = torch.dtype
_device = torch.device
_DTYPES: dict[str, torch.dtype] = {
    str(dt).removeprefix("torch."): dt
    for dt in (
        torch.float16,
        torch.bfloat16,
        torch.float32,
        torch.float64,
        torch.complex64,
        torch.complex128,
        torch.uint8,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.bool,
    )
}


class WireError(ValueError):
    """The child sent something that is not an observation we can read."""


def encode(value: Any, depth: int = 0) -> Any:
    """A JSON-able description of `value`. Exact types only: a subclass is an opaque object."""
    if depth > MAX_DEPTH:
        return {"$object": "nested too deeply"}
    kind = type(value)
    if kind is _Tensor:
        return _encode_tensor(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind is _Size:
        return {"$size": [int(d) for d in value]}
    if kind is _dtype:
        return {"$dtype": str(value).removeprefix("torch.")}
    if kind is _device:
        return {"$device": str(value)}
    if kind in (list, tuple):
        return {"$" + kind.__name__: [encode(v, depth + 1) for v in value]}
    if kind is dict and all(type(k) is str for k in value):
        return {"$dict": [[k, encode(v, depth + 1)] for k, v in value.items()]}
    return {"$object": f"{kind.__module__}.{kind.__qualname__}"}


def encode_observed(
    value: Any, exact_dtype: bool = False, requires_grad: bool = False, device: bool = False
) -> Any:
    """`encode(value)`, wrapped with what the check asked to compare besides the value itself."""
    data = encode(value)
    if not (exact_dtype or requires_grad or device):
        return data
    tensor = type(value) is _Tensor
    meta: dict[str, Any] = {"value": data, "exact_dtype": bool(exact_dtype)}
    if requires_grad:
        meta["requires_grad"] = bool(_Tensor.requires_grad.__get__(value)) if tensor else None
    if device:
        meta["device"] = str(_Tensor.device.__get__(value)) if tensor else None
    return {"$observed": meta}


def _encode_tensor(t: torch.Tensor) -> dict[str, Any]:
    dtype = str(t.dtype).removeprefix("torch.")
    if dtype not in _DTYPES:
        return {"$object": f"tensor of dtype {dtype}"}
    cpu = _Tensor.cpu(_Tensor.detach(t))
    if cpu.is_conj():
        cpu = cpu.resolve_conj()
    raw = tensor_bytes(cpu)
    return {
        "$tensor": {"dtype": dtype, "shape": list(cpu.shape), "data": base64.b64encode(raw).decode("ascii")}
    }


def tensor_bytes(t: torch.Tensor) -> bytes:
    """A CPU tensor's elements as bytes, read from memory in one go. No numpy (torch runs without it,
    and a plain `pip install` does not bring it), and not bytes(storage), which costs a Python call
    per byte (0.9 s for 100,000 floats)."""
    own = _Tensor.contiguous(t)  # a contiguous tensor's pointer and size cover exactly its elements
    size = _Tensor.numel(own) * _Tensor.element_size(own)
    return ctypes.string_at(_Tensor.data_ptr(own), size) if size else b""


def decode(data: Any, depth: int = 0) -> Any:
    """Rebuild a value from its description; raises WireError on anything unexpected."""
    if depth > MAX_DEPTH + 1:
        raise WireError("observation nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is not dict or len(data) != 1:
        raise WireError("malformed observation")
    ((tag, body),) = data.items()
    if tag == "$tensor":
        return _decode_tensor(body)
    if tag == "$float" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "$size" and _int_list(body):
        return torch.Size(body)
    if tag == "$dtype" and type(body) is str and body in _DTYPES:
        return _DTYPES[body]
    if tag == "$device" and type(body) is str and len(body) < 64:
        try:
            return torch.device(body)  # a device need not exist on the grader to be named
        except (RuntimeError, ValueError):
            raise WireError("malformed device") from None
    if tag in ("$list", "$tuple") and type(body) is list and len(body) <= MAX_ITEMS:
        items = [decode(v, depth + 1) for v in body]
        return items if tag == "$list" else tuple(items)
    if tag == "$dict" and type(body) is list and len(body) <= MAX_ITEMS:
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                raise WireError("malformed dict observation")
            out[pair[0]] = decode(pair[1], depth + 1)
        return out
    if tag == "$object" and type(body) is str:
        return Opaque(body[:200])
    if tag == "$observed" and type(body) is dict and "value" in body and set(body) <= _OBSERVED_KEYS:
        return _decode_observed(body, depth)
    raise WireError(f"unknown observation tag {str(tag)[:40]!r}")


def _int_list(body: Any) -> bool:
    return type(body) is list and len(body) <= 64 and all(type(d) is int and 0 <= d < 2**40 for d in body)


def _decode_tensor(body: Any) -> torch.Tensor:
    if type(body) is not dict or set(body) != {"dtype", "shape", "data"}:
        raise WireError("malformed tensor")
    dtype = _DTYPES.get(body["dtype"]) if type(body["dtype"]) is str else None
    if dtype is None or not _int_list(body["shape"]) or type(body["data"]) is not str:
        raise WireError("malformed tensor")
    try:
        raw = base64.b64decode(body["data"], validate=True)
    except (binascii.Error, ValueError):
        raise WireError("tensor data is not base64") from None
    numel = math.prod(body["shape"])
    if len(raw) != numel * dtype.itemsize:
        raise WireError("tensor data does not match its shape and dtype")
    if numel == 0:
        if sum(body["shape"]) > MAX_ITEMS:
            raise WireError("an empty tensor with absurd dimensions")
        return torch.empty(body["shape"], dtype=dtype)
    storage_dtype = torch.int16 if dtype == torch.bfloat16 else dtype
    flat = torch.frombuffer(bytearray(raw), dtype=storage_dtype)
    if dtype == torch.bfloat16:
        flat = flat.view(torch.bfloat16)
    return flat.reshape(body["shape"]).clone()


_OBSERVED_KEYS = {"value", "exact_dtype", "requires_grad", "device"}


@dataclass(frozen=True)
class Observed:
    """A value observed with flags the check asked to compare too (None: not a tensor)."""

    value: Any
    exact_dtype: bool = False
    requires_grad: bool | None = None
    device: str | None = None
    asked: frozenset[str] = frozenset()  # which of requires_grad / device the check asked for


def _decode_observed(body: dict[str, Any], depth: int) -> Observed:
    exact, grad, device = body.get("exact_dtype", False), body.get("requires_grad"), body.get("device")
    if (
        type(exact) is not bool
        or grad not in (None, True, False)
        or not (device is None or type(device) is str)
    ):
        raise WireError("malformed observation flags")
    asked = frozenset(k for k in ("requires_grad", "device") if k in body)
    return Observed(decode(body["value"], depth + 1), exact, grad, device[:64] if device else None, asked)


class Opaque:
    """An observed value of a type the wire does not carry; equal to nothing, not even itself."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


def unframe(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as e:
        raise WireError(f"unreadable result: {e}") from None
    if type(data) is not dict:
        raise WireError("a result must be a JSON object")
    return data
