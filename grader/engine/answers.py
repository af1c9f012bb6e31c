"""Learner answers as typed text or JSON, parsed without ever executing them. Torch-free."""

from __future__ import annotations

import ast
import math
import operator
from typing import Any

from grader.deck.model import blank_count
from grader.engine.literals import LiteralError, parse_printed

MAX_ANSWER_CHARS = 64_000
MAX_NUMBER_CHARS = 200


class AnswerError(ValueError):
    """The answer cannot be read; the message says what did not parse and where."""


_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_FUNCS = {
    "ln": math.log,
    "log": math.log,
    "exp": math.exp,
    "sqrt": math.sqrt,
    "log2": math.log2,
    "log10": math.log10,
    "tanh": math.tanh,
    "sigmoid": lambda x: 1 / (1 + math.exp(-x)),
}
_CONSTS = {"e": math.e, "pi": math.pi, "inf": math.inf}


def parse_number(text: str) -> float:
    """A decimal, scientific notation, or small arithmetic (`3/4`, `-ln(0.9)`, `2**-3`)."""
    cleaned = text.strip().replace("−", "-").replace("^", "**")
    if not cleaned:
        raise AnswerError("the answer is empty: type a number such as 0.25 or 1e-3")
    if len(cleaned) > MAX_NUMBER_CHARS:
        raise AnswerError(f"a number is at most {MAX_NUMBER_CHARS} characters long")
    try:
        return float(cleaned)
    except ValueError:
        pass
    try:
        tree = ast.parse(cleaned, mode="eval")
        value = _arith(tree.body)
    except (SyntaxError, AnswerError, ArithmeticError, ValueError, TypeError, RecursionError, MemoryError):
        raise AnswerError(
            f"could not read {text.strip()[:40]!r} as a number: type a decimal such as "
            "0.25, scientific notation such as 1e-3, or arithmetic such as 3/4 or -ln(0.9)"
        ) from None
    if not isinstance(value, float):
        raise AnswerError(f"{text.strip()[:40]!r} is not a real number")
    return value


def _arith(node: ast.AST) -> float:
    """Floats only: every step overflows (an error) instead of growing a huge integer."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        value = _BINARY[type(node.op)](_arith(node.left), _arith(node.right))
        if not isinstance(value, float):
            raise AnswerError("not a real number")
        return value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_arith(node.operand))
    if isinstance(node, ast.Name) and node.id in _CONSTS:
        return _CONSTS[node.id]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCS
        and len(node.args) == 1
        and not node.keywords
    ):
        return _FUNCS[node.func.id](_arith(node.args[0]))
    raise AnswerError("not a number")


def parse_literal(text: str) -> Any:
    """A `predict` answer: a Python literal or a value as torch prints it (see literals.py)."""
    if not text.strip():
        raise AnswerError(
            "the answer is empty: type a value such as (2, 3), [1.0, 2.0], True, 'cpu', "
            "torch.Size([2, 3]) or tensor([1., 2.])"
        )
    try:
        return parse_printed(text)
    except LiteralError as e:
        raise AnswerError(str(e)) from None


def parse_choice(value: Any, n_options: int) -> frozenset[int]:
    """A list of 0-based option indices (JSON list, or text such as `[0, 2]` or `0 2`)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = (
                ast.literal_eval(text)
                if text.startswith(("[", "("))
                else [int(t) for t in text.replace(",", " ").split()]
            )
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise AnswerError("a choice answer is a list of option numbers, such as [1] or [0, 2]") from None
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        raise AnswerError("a choice answer is a list of option numbers, such as [1] or [0, 2]")
    bad = [i for i in value if not 0 <= i < n_options]
    if bad:
        raise AnswerError(f"option {bad[0]} does not exist: options are numbered 0 to {n_options - 1}")
    return frozenset(value)


def parse_blanks(value: Any, template: str) -> list[str]:
    """One string per `___` of the template; text that looks like a JSON list is read as one."""
    if isinstance(value, str):
        import json

        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except (json.JSONDecodeError, RecursionError):
                raise AnswerError(
                    'the blanks look like a JSON list but do not parse; write them as ["first", "second"]'
                ) from None
        else:
            value = [value]
    expected = blank_count(template)
    if not isinstance(value, list) or not all(isinstance(b, str) for b in value):
        raise AnswerError(f"a fill answer is a list of {expected} string(s), one per blank")
    if len(value) != expected:
        raise AnswerError(f"the template has {expected} blank(s) but the answer fills {len(value)}")
    return value


def check_text(value: Any, what: str = "the answer") -> str:
    """Answers to numeric, predict, expr and code are text of bounded size."""
    if not isinstance(value, str):
        raise AnswerError(f"{what} must be a string, got {type(value).__name__}")
    if len(value) > MAX_ANSWER_CHARS:
        raise AnswerError(f"{what} is {len(value)} characters long; the limit is {MAX_ANSWER_CHARS}")
    return value


def syntax_error(source: str, mode: str) -> str | None:
    """None when `source` parses, else where and why it does not, in the learner's own lines."""
    try:
        ast.parse(source, mode=mode)
    except SyntaxError as e:
        line = (e.text or "").rstrip("\n")
        pointer = f"\n    {line}\n    {' ' * max((e.offset or 1) - 1, 0)}^" if line else ""
        return f"line {e.lineno}, column {e.offset}: {e.msg}{pointer}"
    except (ValueError, MemoryError, RecursionError) as e:
        return str(e) or type(e).__name__
    return None
