"""Filling a `fill` template so that each blank stays in its place.

A blank is a hole in the template's syntax tree: an expression, a statement, a subscript, a
name after a dot, or text inside a string. The filled program must have the template's tree
with each hole filled by exactly the learner's text, so a blank can neither close the string it
sits in nor add code around its position (`x", A, B) if 0 else A.__matmul__(B) #` is refused).
Where the template cannot even be read with a name in a blank's place (an operator position),
the blank must be one token. Torch-free.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

from grader.deck.model import BLANK

HOLE = "__torchdrill_blank_{}__"
HOLE_PATTERN = re.compile(r"__torchdrill_blank_(\d+)__")


class BlankError(ValueError):
    """A blank reaches outside its place; the message names the blank."""


@dataclass(frozen=True)
class Span:
    """Where a blank's text sits in the filled program: 1-based lines, 0-based character columns."""

    line: int
    col: int
    end_line: int
    end_col: int


def fill(template: str, blanks: list[str]) -> str:
    """The program with every blank filled, or BlankError naming the first blank that reaches
    outside its place."""
    placeholders = [HOLE.format(i) for i in range(len(blanks))]
    try:
        shape = ast.parse(_substitute(template, placeholders)[0])
    except SyntaxError:
        _require_single_tokens(blanks)
        return _substitute(template, blanks)[0]
    runs = _statement_runs(shape, blanks)
    # One blank at a time, the others left as holes: the first that does not fit is named.
    for index, text in enumerate(blanks):
        one = [*placeholders[:index], text, *placeholders[index + 1 :]]
        _require_fits(template, shape, one, {index: runs[index]} if index in runs else {}, index)
    _require_fits(template, shape, blanks, runs, None)
    return _substitute(template, blanks)[0]


def _statement_runs(shape: ast.AST, blanks: list[str]) -> dict[int, int]:
    """Blanks that stand for a whole line of statements: how many statements each one holds.

    A line is the learner's own (`handle.remove(); del handle` is one line), so it may hold
    several simple statements; a newline would let it reach into the template's next lines.
    """
    runs = {}
    for node in ast.walk(shape):
        index = _hole(node.value) if isinstance(node, ast.Expr) else None
        if index is None:
            continue
        text = blanks[index]
        if "\n" in text.strip("\n") or "\r" in text:
            raise BlankError(f"blank {index + 1} ({_short(text)}) must fit on its one line")
        try:
            runs[index] = len(ast.parse(text.strip()).body)
        except SyntaxError as e:
            raise BlankError(f"blank {index + 1} ({_short(text)}) does not parse: {e.msg}") from None
        if runs[index] == 0:
            raise BlankError(f"blank {index + 1} is empty: write a statement")
    return runs


def _require_fits(
    template: str, shape: ast.AST, blanks: list[str], runs: dict[int, int], index: int | None
) -> None:
    filled, spans = _substitute(template, blanks)
    where = f"blank {index + 1} ({_short(blanks[index])})" if index is not None else "the blanks together"
    in_string = index is not None and _in_string(shape, index)
    advice = (
        ": it sits inside a string and cannot close it"
        if in_string
        else ("; if you mean it as one expression, put it in parentheses")
    )
    try:
        tree = ast.parse(filled)
    except SyntaxError as e:
        raise BlankError(f"with {where}, the template does not parse: {e.msg}") from None
    holes: dict[int, list[ast.AST | str]] = {}
    if not _match(shape, tree, _Fill(blanks, runs), holes):
        raise BlankError(f"{where} reaches outside its place in the template{advice}")
    lines = filled.splitlines()
    for hole, found in holes.items():
        nodes = [n for n in found if isinstance(n, ast.AST)]
        pieces = [nodes] if hole in runs else [[n] for n in nodes]  # a line of statements is one piece
        if any(not _covers(piece, spans[hole], lines) for piece in pieces):
            raise BlankError(f"{where} does not fit in its place as one piece{advice}")


@dataclass(frozen=True)
class _Fill:
    blanks: list[str]
    runs: dict[int, int]  # statement blanks being filled: how many statements each holds


def _substitute(template: str, blanks: list[str]) -> tuple[str, list[Span]]:
    parts = template.split(BLANK)
    out, spans = [parts[0]], []
    for blank, rest in zip(blanks, parts[1:], strict=True):
        before = "".join(out)
        line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1)
        after = before + blank
        spans.append(Span(line, col, after.count("\n") + 1, len(after) - (after.rfind("\n") + 1)))
        out += [blank, rest]
    return "".join(out), spans


def _in_string(shape: ast.AST, index: int) -> bool:
    hole = HOLE.format(index)
    return any(
        isinstance(n, ast.Constant) and isinstance(n.value, str) and hole in n.value for n in ast.walk(shape)
    )


def _hole(node: ast.AST) -> int | None:
    if isinstance(node, ast.Name):
        found = HOLE_PATTERN.fullmatch(node.id)
        return int(found.group(1)) if found else None
    return None


def _match(shape: ast.AST, tree: ast.AST, fill: _Fill, holes: dict[int, list[ast.AST | str]]) -> bool:
    """Whether `tree` is `shape` with each hole filled by one node (or one name, or string text)."""
    if _hole(shape) is not None:
        holes.setdefault(_hole(shape), []).append(tree)  # type: ignore[arg-type]
        return isinstance(tree, ast.expr)
    if type(shape) is not type(tree):
        return False
    for name, want in ast.iter_fields(shape):
        if not _match_field(want, getattr(tree, name, None), fill, holes):
            return False
    return True


def _match_field(want: object, got: object, fill: _Fill, holes: dict[int, list[ast.AST | str]]) -> bool:
    if isinstance(want, list):
        return isinstance(got, list) and _match_list(want, got, fill, holes)
    if isinstance(want, ast.AST):
        return isinstance(got, ast.AST) and _match(want, got, fill, holes)
    if isinstance(want, str) and HOLE_PATTERN.search(want):
        whole = HOLE_PATTERN.fullmatch(want)
        if whole and isinstance(got, str) and got.isidentifier():  # a name after a dot, a keyword's name
            holes.setdefault(int(whole.group(1)), []).append(got)
        # text in a string: the string must read exactly as the template's, the blank's text in place
        return got == HOLE_PATTERN.sub(lambda m: fill.blanks[int(m.group(1))], want)
    return want == got


def _match_list(want: list, got: list, fill: _Fill, holes: dict[int, list[ast.AST | str]]) -> bool:
    """Item by item; a statement blank being filled takes as many statements as its line holds."""
    at = 0
    for item in want:
        index = _hole(item.value) if isinstance(item, ast.Expr) else None
        if index is not None and index in fill.runs:
            taken = got[at : at + fill.runs[index]]
            if len(taken) != fill.runs[index] or not all(isinstance(t, ast.stmt) for t in taken):
                return False
            holes.setdefault(index, []).extend(taken)
            at += len(taken)
            continue
        if at >= len(got) or not _match_field(item, got[at], fill, holes):
            return False
        at += 1
    return at == len(got)


def _covers(nodes: list[ast.AST], span: Span, lines: list[str]) -> bool:
    """The nodes are the blank's whole text, give or take parentheses (and `;` between statements)."""
    bounds = [_bounds(node, lines) for node in nodes]
    start, end = bounds[0][0], bounds[-1][1]
    if start < (span.line, span.col) or end > (span.end_line, span.end_col):
        return False
    between = "".join(_text(lines, a[1], b[0]) for a, b in zip(bounds, bounds[1:], strict=False))
    outside = _text(lines, (span.line, span.col), start) + _text(lines, end, (span.end_line, span.end_col))
    # A comment is harmless here: had it hidden any of the template, the trees would not have matched.
    outside, between = (re.sub(r"#[^\n]*", "", t) for t in (outside, between))
    return set(outside) <= set("() \t\n;") and set(between) <= set(" \t;")


def _bounds(node: ast.AST, lines: list[str]) -> tuple[tuple[int, int], tuple[int, int]]:
    start = (node.lineno, _chars(lines, node.lineno, node.col_offset))  # type: ignore[attr-defined]
    end = (node.end_lineno, _chars(lines, node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]
    return start, end


def _chars(lines: list[str], line: int, byte_col: int) -> int:
    """AST columns count UTF-8 bytes; ours count characters."""
    return len(lines[line - 1].encode()[:byte_col].decode(errors="ignore"))


def _text(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    if start >= end:
        return ""
    if start[0] == end[0]:
        return lines[start[0] - 1][start[1] : end[1]]
    middle = lines[start[0] : end[0] - 1]
    return "\n".join([lines[start[0] - 1][start[1] :], *middle, lines[end[0] - 1][: end[1]]])


def _require_single_tokens(blanks: list[str]) -> None:
    for index, text in enumerate(blanks):
        try:
            tokens = [
                t
                for t in tokenize.generate_tokens(io.StringIO(text).readline)
                if t.type
                not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT)
            ]
        except (tokenize.TokenError, SyntaxError):
            tokens = []
        if len(tokens) != 1:
            raise BlankError(f"blank {index + 1} ({_short(text)}) must be a single token in its place")


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:39] + "…")
