"""YAML decks -> validated exercises, with every problem located as `file:line:col`.

Each exercise is validated on its own: a broken one is reported and left out, and the rest of its
deck still loads. A problem of the deck itself (YAML syntax, an unknown top-level field, a bad deck
name) skips that deck, and so does a deck none of whose exercises loads; the other decks still load.
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
from pydantic import TypeAdapter, ValidationError

from grader.deck.aliases import alias_problems
from grader.deck.kinds import KINDS
from grader.deck.model import (
    ID_PATTERN,
    AnyExercise,
    Card,
    Choice,
    Code,
    CodeSyntaxError,
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
EXERCISE = TypeAdapter(AnyExercise)


@dataclass(frozen=True)
class Entry:
    """One exercise as the rest of the program sees it: where it lives and its global id."""

    deck: str
    exercise: Any  # one of the model classes
    path: Path
    line: int
    # (line, col), 1-based, of each field's text ("setup", "solution", ...) and each example ("examples.0")
    marks: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, hash=False)

    @property
    def gid(self) -> str:
        return f"{self.deck}/{self.exercise.id}"

    def mark(self, name: str) -> tuple[int, int]:
        """Where `name` is in the file; the exercise's own line when it is not written there."""
        return self.marks.get(name, (self.line, 5))

    def place(self, name: str, line: int, col: int) -> tuple[int, int]:
        """Where line `line`, column `col` (1-based) of field `name`'s text is in the file."""
        if name not in self.marks:
            return self.line, 5
        first, start = self.marks[name]
        return first + line - 1, start + col - 1


@dataclass(frozen=True)
class LoadedDeck:
    name: str
    title: str
    path: Path
    entries: tuple[Entry, ...]
    aliases: tuple[str, ...] = ()  # former names: its cards follow a rename (grader/srs/renames.py)
    marks: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, hash=False)


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
    return Library(decks, problems + alias_problems(decks))


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
    marks = _Marks(where, text)
    items = marks.exercise_nodes(root)
    problems = marks.index(root, skip=items)
    if problems:
        return None, problems
    data = SafeLoader("").construct_document(root)  # from the nodes already read: YAML is parsed once
    raw = data.get("exercises")
    try:  # the deck's own fields; each exercise is validated on its own below
        model = Deck.model_validate({**data, "exercises": []} if isinstance(raw, list) else data)
    except ValidationError as e:
        return None, [marks.problem(err, root) for err in _without_echoes(e.errors())]
    exercises, problems = _exercises(raw if isinstance(raw, list) else [], items, root, marks)
    deck, more = _build(path, model, exercises, root, marks)
    problems += more
    if deck is not None and problems and not deck.entries:
        deck = None  # nothing in it loads: the problems say why, and there is nothing to study
    return deck, sorted(problems, key=lambda p: (p.line, p.col))


def _exercises(
    raw: list[Any], items: list[yaml.Node], root: yaml.Node, marks: _Marks
) -> tuple[list[tuple[int, Any]], list[Problem]]:
    """Each exercise validated on its own: those that validate, with their index, and the problems
    of those that do not (a duplicate key in one leaves that one out, as YAML would keep either)."""
    exercises: list[tuple[int, Any]] = []
    problems: list[Problem] = []
    for i, item in enumerate(raw):
        found = marks.index(items[i])
        if not found:
            try:
                exercises.append((i, EXERCISE.validate_python(item)))
            except ValidationError as e:
                errors = [{**err, "loc": ("exercises", i, *err["loc"])} for err in e.errors()]
                found = [marks.problem(err, root) for err in _without_echoes(errors)]
        problems += found
    return exercises, problems


def _build(
    path: Path, model: Deck, exercises: list[tuple[int, Any]], root: yaml.Node, marks: _Marks
) -> tuple[LoadedDeck | None, list[Problem]]:
    """The deck of the exercises that validated (with their index in the file), less any repeated id."""
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
    for i, ex in exercises:
        node = marks.node(root, ("exercises", i))
        if ex.id in ids:
            problems.append(
                _at(
                    where,
                    marks.node(root, ("exercises", i, "id")),
                    f"duplicate id {ex.id!r}: ids must be unique within the deck; the first one is loaded",
                )
            )
            continue
        ids.add(ex.id)
        tags = list(dict.fromkeys([*ex.tags, *model.tags]))
        entries.append(
            Entry(
                name,
                ex.model_copy(update={"tags": tags}),
                path,
                node.start_mark.line + 1,
                _field_marks(node, marks.lines),
            )
        )
    title = model.title or default_title(name)
    deck = LoadedDeck(
        name, title, path, tuple(entries), tuple(model.aliases), _field_marks(root, marks.lines)
    )
    return deck, problems


def _field_marks(node: yaml.Node, lines: list[str]) -> dict[str, tuple[int, int]]:
    """Where each field's text starts (a block scalar's on the line after its `|`, indented)."""
    marks: dict[str, tuple[int, int]] = {}
    if not isinstance(node, yaml.MappingNode):
        return marks
    for key, value in node.value:
        marks[key.value] = text_start(value, lines)
        if key.value == "examples" and isinstance(value, yaml.SequenceNode):
            for i, item in enumerate(value.value):
                marks[f"examples.{i}"] = (item.start_mark.line + 1, item.start_mark.column + 1)
    return marks


def text_start(value: yaml.Node, lines: list[str]) -> tuple[int, int]:
    """Line and column (1-based) in the file of the first character of a scalar's text. A block
    scalar's text starts on the line after its `|`, at the indentation of its first non-blank line."""
    line, col = value.start_mark.line, value.start_mark.column
    if isinstance(value, yaml.ScalarNode) and value.style in ("|", ">"):
        body = [row for row in lines[line + 1 : value.end_mark.line + 1] if row.strip()]
        indent = len(body[0]) - len(body[0].lstrip(" ")) if body else col
        return line + 2, indent + 1
    if isinstance(value, yaml.ScalarNode) and value.style in ("'", '"'):
        return line + 1, col + 2
    return line + 1, col + 1


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

    def __init__(self, where: str, text: str) -> None:
        self.where = where
        self.lines = text.splitlines()

    def exercise_nodes(self, root: yaml.Node) -> list[yaml.Node]:
        """The nodes of the `exercises:` list, in order; none when it is not a list."""
        node = next((v for k, v in root.value if k.value == "exercises"), None)
        return list(node.value) if isinstance(node, yaml.SequenceNode) else []

    def index(self, root: yaml.Node, skip: Sequence[yaml.Node] = ()) -> list[Problem]:
        """Problems that YAML itself lets through: duplicate keys. Nodes in `skip` are not entered."""
        problems: list[Problem] = []
        skipped = {id(n) for n in skip}
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in skipped:
                continue
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
        error = err.get("ctx", {}).get("error")
        if isinstance(error, CodeSyntaxError):
            return self._syntax_problem(error, node)
        return _at(self.where, node, self._message(err, loc))

    def _syntax_problem(self, error: CodeSyntaxError, node: yaml.Node) -> Problem:
        """At the file's line and column of the code that does not parse, not its place in the field."""
        if error.field and isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == error.field), node)
        message = f"{error.what} is not valid Python: {error.reason}"
        if not isinstance(node, yaml.ScalarNode):
            return _at(self.where, node, message)
        first, start = text_start(node, self.lines)
        return Problem(self.where, first + error.line - 1, start + error.col - 1, message)

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
