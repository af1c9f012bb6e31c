"""What a learner types for a `predict` answer: Python literals and the forms torch prints.

`(4, 8, 1, 1)`, `[[5.0, 7.0]]`, `True`, `'cpu'`, and what a REPL shows: `torch.Size([27, 1])`,
`tensor([1., 2., 3.])`, `tensor([[1, 2]], dtype=torch.int32)`, `tensor(True)`, `torch.int64`,
`int64`, `device(type='cpu')`. Read from the syntax tree only: nothing is ever evaluated, only
these constructors are known, and their arguments must be literals. Torch-free.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

MAX_CHARS = 64_000
MAX_NODES = 200_000

# Names torch prints for its dtypes, with the aliases a learner may type (torch.float is float32).
DTYPE_NAMES = {
    "float16": "float16", "half": "float16", "bfloat16": "bfloat16", "float32": "float32", "float": "float32",
    "float64": "float64", "double": "float64", "complex64": "complex64", "cfloat": "complex64",
    "complex128": "complex128", "cdouble": "complex128", "uint8": "uint8", "int8": "int8", "int16": "int16",
    "short": "int16", "int32": "int32", "int": "int32", "int64": "int64", "long": "int64", "bool": "bool",
}  # fmt: skip
_NUMBERS = {"nan": float("nan"), "inf": float("inf")}
# A printed tensor ends with what cannot be typed back: `grad_fn=<AddBackward0>`; drop it.
_GRAD_FN = re.compile(r",\s*grad_fn=<[A-Za-z0-9_]+>")


class LiteralError(ValueError):
    """The text is not a literal or a printed torch value; the message says what to type instead."""


@dataclass(frozen=True)
class Shape:
    """`torch.Size([2, 3])` as typed."""

    dims: tuple[int, ...]


@dataclass(frozen=True)
class TensorLiteral:
    """`tensor(...)` as typed: nested data and the dtype it names (None: left to the values)."""

    data: Any
    dtype: str | None = None


@dataclass(frozen=True)
class DtypeName:
    """`torch.int64`, `int64` or `'torch.int64'`: the canonical name, such as "int64"."""

    name: str


@dataclass(frozen=True)
class DeviceName:
    """`device(type='cuda', index=0)` as typed: "cuda:0"."""

    name: str


def parse_printed(text: str) -> Any:
    """The value the learner typed, as plain data and the four classes above."""
    source = _GRAD_FN.sub("", text.strip())
    if len(source) > MAX_CHARS:
        raise LiteralError(f"the answer is {len(source)} characters long; the limit is {MAX_CHARS}")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        raise LiteralError(f"the answer does not parse: {e.msg} at column {e.offset}") from None
    except (MemoryError, RecursionError):
        raise LiteralError("the answer is too deeply nested to read") from None
    except ValueError as e:  # a number of thousands of digits, a null byte
        raise LiteralError(f"the answer cannot be read: {e}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise LiteralError("the answer is too large to read")
    try:
        return _value(tree.body)
    except RecursionError:
        raise LiteralError("the answer is too deeply nested to read") from None
    except TypeError:  # an unhashable dict key, such as {[1]: 2}
        raise LiteralError("the answer is not a value this exercise can compare") from None


def _value(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and not isinstance(node.value, bytes):
        if node.value is Ellipsis:
            raise LiteralError("`...` stands for values torch did not print: type every value")
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _value(node.operand)
        if isinstance(operand, bool) or not isinstance(operand, int | float | complex):
            raise _not_literal(node)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub) and _is_complex(node):
        left, right = _value(node.left), _value(node.right)
        return left + right if isinstance(node.op, ast.Add) else left - right
    if isinstance(node, ast.Tuple):
        return tuple(_value(e) for e in node.elts)
    if isinstance(node, ast.List):
        return [_value(e) for e in node.elts]
    if isinstance(node, ast.Dict) and all(k is not None for k in node.keys):
        return {_value(k): _value(v) for k, v in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.Name | ast.Attribute):
        return _name(node)
    if isinstance(node, ast.Call):
        return _call(node)
    raise _not_literal(node)


def _is_complex(node: ast.BinOp) -> bool:
    """`1+2j`, the one arithmetic a literal may hold (as Python's own literal_eval allows)."""
    right = node.right
    return isinstance(right, ast.Constant) and isinstance(right.value, complex)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _name(node: ast.Name | ast.Attribute) -> Any:
    dotted = _dotted(node) or ""
    bare = dotted.removeprefix("torch.")
    if bare in DTYPE_NAMES and (dotted != bare or bare not in ("float", "int", "bool")):
        return DtypeName(DTYPE_NAMES[bare])  # plain `float`/`int`/`bool` are Python's, not dtypes
    if dotted in _NUMBERS:
        return _NUMBERS[dotted]
    raise LiteralError(
        f"{dotted or 'this'!r} is a name, not a value: type the value itself, such as (2, 3), "
        "[[1.0, 2.0]], tensor([1., 2.]), torch.Size([2, 3]) or torch.int64"
    )


def _call(node: ast.Call) -> Any:
    func = (_dotted(node.func) or "").removeprefix("torch.")
    args = [_value(a) for a in node.args]
    kwargs = {k.arg: _value(k.value) for k in node.keywords if k.arg is not None}
    if len(kwargs) != len(node.keywords):
        raise _not_literal(node)
    if func == "Size" and len(args) == 1 and not kwargs and isinstance(args[0], list | tuple):
        if not all(type(d) is int for d in args[0]):
            raise LiteralError("torch.Size holds whole numbers, such as torch.Size([2, 3])")
        return Shape(tuple(args[0]))
    if func == "tensor" and len(args) == 1:
        return TensorLiteral(args[0], _tensor_dtype(kwargs))
    if func == "device" and not args and isinstance(kwargs.get("type"), str):
        index = kwargs.get("index")
        return DeviceName(kwargs["type"] + (f":{index}" if type(index) is int else ""))
    raise LiteralError(
        f"{func or 'this call'}(...) is not something this answer can hold: type a literal, or a value "
        "as torch prints it (tensor(...), torch.Size([...]), torch.int64)"
    )


def _tensor_dtype(kwargs: dict[str, Any]) -> str | None:
    """The dtype a printed tensor names; `requires_grad=` and `device=` are part of the print, not the value."""
    unknown = set(kwargs) - {"dtype", "requires_grad", "device"}
    if unknown:
        raise LiteralError(f"tensor(...) as torch prints it has no {sorted(unknown)[0]}=")
    dtype = kwargs.get("dtype")
    if dtype is None:
        return None
    if isinstance(dtype, str):
        dtype = DtypeName(DTYPE_NAMES.get(dtype.removeprefix("torch."), dtype))
    if not isinstance(dtype, DtypeName):
        raise LiteralError("dtype= takes a torch dtype, such as dtype=torch.int32")
    return dtype.name


def _not_literal(node: ast.AST) -> LiteralError:
    text = ast.unparse(node)
    return LiteralError(
        f"{text[:40]!r} is not a literal: type the value itself, such as (2, 3) or [[1.0, 2.0]], "
        "not an expression that computes it"
    )
