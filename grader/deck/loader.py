"""YAML decks -> validated exercises, with every problem located as `file:line:col`.

A deck with any problem is skipped whole and reported; the other decks still load.
PyYAML's C loader composes the node tree (about 8x faster than the pure-Python one),
and the nodes' marks give the line and column of whatever pydantic complains about.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from grader.deck.kinds import KINDS
from grader.deck.model import (
    ID_PATTERN,
    Card,
    Choice,
    Code,
    Deck,
    Expr,
    Fill,
    Numeric,
    Predict,
    default_title,
)
from grader.errors import Problem

try:  # the C loader ships in PyYAML's wheels; fall back where it was built without libyaml
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader  # type: ignore[assignment]

MODELS = {
    cls.model_fields["kind"].annotation.__args__[0]: cls
    for cls in (Card, Choice, Numeric, Predict, Expr, Fill, Code)
}
Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Entry:
    """One exercise as the rest of the program sees it: where it lives and its global id."""

    deck: str
    exercise: Any  # one of the model classes
    path: Path
    line: int
    # (line, col), 1-based, of each field's value ("setup", "solution", ...) and each example ("examples.0")
    marks: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, hash=False)

    @property
    def gid(self) -> str:
        return f"{self.deck}/{self.exercise.id}"

    def mark(self, name: str) -> tuple[int, int]:
        """Where `name` is in the file; the exercise's own line when it is not written there."""
        return self.marks.get(name, (self.line, 5))


@dataclass(frozen=True)
class LoadedDeck:
    name: str
    title: str
    path: Path
    entries: tuple[Entry, ...]


@dataclass
class Library:
    """Every deck that loaded, in a stable order, and every problem met on the way."""

    decks: list[LoadedDeck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_gid = {e.gid: e for d in self.decks for e in d.entries}

    @property
    def entries(self) -> list[Entry]:
        return [e for d in self.decks for e in d.entries]

    def get(self, gid: str) -> Entry | None:
        return self._by_gid.get(gid)

    def deck(self, name: str) -> LoadedDeck | None:
        return next((d for d in self.decks if d.name == name), None)


def deck_files(paths: Iterable[Path]) -> list[Path]:
    """The YAML files under each path (a file stands for itself), sorted, without repeats."""
    found: dict[Path, None] = {}
    for p in paths:
        files = [p] if p.is_file() else sorted(p.rglob("*.yaml"))
        for f in files:
            found.setdefault(f, None)
    return list(found)


def deck_signature(paths: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    """What changes when a deck file is saved, added or removed: cheap enough to poll."""
    signature = []
    for path in deck_files(p for p in paths if p.exists()):
        try:
            st = path.stat()
        except OSError:
            continue
        signature.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(signature)


def load_library(paths: Sequence[Path]) -> Library:
    """Load every deck under `paths`. Missing paths are problems too, never exceptions."""
    decks: list[LoadedDeck] = []
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    for p in paths:
        if not p.exists():
            problems.append(Problem(str(p), 1, 1, "no such file or directory"))
    for path in deck_files(p for p in paths if p.exists()):
        deck, found = load_deck(path)
        problems += found
        if deck is None:
            continue
        if deck.name in seen:
            problems.append(
                Problem(
                    str(path),
                    1,
                    1,
                    f"deck name {deck.name!r} is already used by {seen[deck.name]}; "
                    "set a different `deck:` in one of them",
                )
            )
            continue
        seen[deck.name] = path
        decks.append(deck)
    return Library(decks, problems)


def load_deck(path: Path) -> tuple[LoadedDeck | None, list[Problem]]:
    """Parse one deck file. Returns the deck, or None and the problems that sank it."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return None, [Problem(where, 1, 1, f"cannot read the file: {e}")]
    try:
        root = yaml.compose(text, Loader=SafeLoader)
    except yaml.YAMLError as e:
        return None, [_yaml_problem(where, text, e)]
    if root is None:
        return None, [
            Problem(where, 1, 1, "empty deck file: expected a mapping with `title:` and `exercises:`")
        ]
    if not isinstance(root, yaml.MappingNode):
        found = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        return None, [
            _at(
                where, root, f"a deck must be a mapping (deck:, title:, exercises:), but this file is {found}"
            )
        ]
    marks = _Marks(where)
    problems = marks.index(root)
    if problems:
        return None, problems
    data = yaml.load(text, Loader=SafeLoader)
    try:
        model = Deck.model_validate(data)
    except ValidationError as e:
        return None, [marks.problem(err, root) for err in _without_echoes(e.errors())]
    return _build(path, model, root, marks)


def _build(
    path: Path, model: Deck, root: yaml.Node, marks: _Marks
) -> tuple[LoadedDeck | None, list[Problem]]:
    where = str(path)
    name = model.deck or path.stem
    if model.deck is None and not _valid_name(name):
        return None, [
            Problem(
                where,
                1,
                1,
                f"the file name {path.stem!r} is not a valid deck name; "
                "add `deck: some-name` (lowercase letters, digits and dashes)",
            )
        ]
    problems: list[Problem] = []
    entries: list[Entry] = []
    ids: set[str] = set()
    for i, ex in enumerate(model.exercises):
        node = marks.node(root, ("exercises", i))
        if ex.id in ids:
            problems.append(
                _at(
                    where,
                    marks.node(root, ("exercises", i, "id")),
                    f"duplicate id {ex.id!r}: ids must be unique within the deck",
                )
            )
            continue
        ids.add(ex.id)
        tags = list(dict.fromkeys([*ex.tags, *model.tags]))
        entries.append(
            Entry(
                name, ex.model_copy(update={"tags": tags}), path, node.start_mark.line + 1, _field_marks(node)
            )
        )
    if problems:
        return None, problems
    return LoadedDeck(name, model.title or default_title(name), path, tuple(entries)), []


def _field_marks(node: yaml.Node) -> dict[str, tuple[int, int]]:
    """Where each field's value starts (a block scalar's text starts on the line after its `|`)."""
    marks: dict[str, tuple[int, int]] = {}
    if not isinstance(node, yaml.MappingNode):
        return marks
    for key, value in node.value:
        marks[key.value] = _start(value)
        if key.value == "examples" and isinstance(value, yaml.SequenceNode):
            for i, item in enumerate(value.value):
                marks[f"examples.{i}"] = (item.start_mark.line + 1, item.start_mark.column + 1)
    return marks


def _start(value: yaml.Node) -> tuple[int, int]:
    if isinstance(value, yaml.ScalarNode) and value.style in ("|", ">"):
        return value.start_mark.line + 2, 1
    return value.start_mark.line + 1, value.start_mark.column + 1


def _without_echoes(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A typo (`soluton:`) also makes `solution` missing; report the typo once, not twice."""
    typos = {(tuple(e["loc"][:-1]), str(e["loc"][-1])) for e in errors if e["type"] == "extra_forbidden"}

    def echo(e: dict[str, Any]) -> bool:
        where, name = tuple(e["loc"][:-1]), str(e["loc"][-1])
        return e["type"] == "missing" and any(
            w == where and difflib.get_close_matches(name, [t]) for w, t in typos
        )

    return [e for e in errors if not echo(e)]


def _valid_name(name: str) -> bool:
    return re.match(ID_PATTERN, name) is not None


def _at(where: str, node: yaml.Node, message: str) -> Problem:
    return Problem(where, node.start_mark.line + 1, node.start_mark.column + 1, message)


def _yaml_problem(where: str, text: str, e: yaml.YAMLError) -> Problem:
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.splitlines()
    row = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in row[: max(col, 1)] or "\t" in row[: len(row) - len(row.lstrip())]:
        return Problem(
            where, line, row.find("\t") + 1, "tab character in indentation: YAML indents with spaces only"
        )
    what = getattr(e, "problem", None) or str(e).splitlines()[0]
    context = getattr(e, "context", None)
    message = f"YAML syntax error: {what}" + (f" ({context})" if context else "")
    return Problem(where, line, col, message + "; check the indentation of this line and the one above")


class _Marks:
    """Finds the YAML node behind a pydantic error location."""

    def __init__(self, where: str) -> None:
        self.where = where

    def index(self, root: yaml.Node) -> list[Problem]:
        """Problems that YAML itself lets through: duplicate keys, non-string keys."""
        problems: list[Problem] = []
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                seen: set[str] = set()
                for key, value in node.value:
                    if key.value in seen:
                        problems.append(_at(self.where, key, f"duplicate key {key.value!r} in this mapping"))
                    seen.add(key.value)
                    stack.append(value)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
        return sorted(problems, key=lambda p: (p.line, p.col))

    def node(self, root: yaml.Node, loc: Path_, *, key: bool = False) -> yaml.Node:
        """The deepest node along `loc`; with `key`, the key node of the last step when there is one."""
        node = root
        for step in loc:
            if isinstance(node, yaml.MappingNode) and isinstance(step, str):
                pair = next(((k, v) for k, v in node.value if k.value == step), None)
                if pair is None:
                    continue  # a union tag or validator name in pydantic's loc: not a YAML step
                node = pair[0] if key and step == loc[-1] else pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
        return node

    def problem(self, err: dict[str, Any], root: yaml.Node) -> Problem:
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            node = self.node(root, loc, key=True)
            return _at(self.where, node, self._unknown_field(loc, root))
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "kind")
        node = self.node(root, loc)
        return _at(self.where, node, self._message(err, loc))

    def _fields_at(self, loc: Path_, root: yaml.Node) -> list[str]:
        if len(loc) >= 3 and loc[0] == "exercises":
            model = MODELS.get(str(loc[2]))
            return list(model.model_fields) if model else []
        return list(Deck.model_fields)

    def _unknown_field(self, loc: Path_, root: yaml.Node) -> str:
        name = str(loc[-1])
        fields = self._fields_at(loc, root)
        close = difflib.get_close_matches(name, fields, n=1)
        hint = (
            f"; did you mean {close[0]!r}?"
            if close
            else (f"; allowed here: {', '.join(fields)}" if fields else "")
        )
        return f"unknown field {name!r}{hint}"

    def _message(self, err: dict[str, Any], loc: Path_) -> str:
        kind = err["type"]
        field_name = next(
            (str(s) for s in reversed(loc) if isinstance(s, str) and s not in MODELS and s != "kind"), ""
        )
        if kind == "missing":
            return f"missing required field {field_name!r}"
        if kind == "union_tag_invalid":
            got = err.get("ctx", {}).get("tag", "?")
            return f"unknown kind {got!r}: expected one of {', '.join(KINDS)}"
        if kind == "union_tag_not_found":
            return f"missing field 'kind': one of {', '.join(KINDS)}"
        if kind == "string_pattern_mismatch":
            return f"{field_name} {err.get('input')!r} must be lowercase letters, digits and dashes, such as bce-by-hand"
        msg = err["msg"].removeprefix("Value error, ")
        return f"{field_name}: {msg}" if field_name else msg
