"""Content hashes of an exercise: one over everything, one over what can change the verdict.

A change to wording, hints, explanation or examples changes only the first: the schedule stays.
A change to what an answer is judged by changes the second: the card goes back into learning.
docs/store.md has the table of which field counts for which kind.

The verdict hash reads the fields of the exercise's kind less those in NOT_VERDICT, so that a
field added to a kind later counts unless it is declared here. Code is compared by its syntax
tree, so comments, blank lines and spacing do not count; text (a card's back, a choice's options)
counts as written. A field at its default is left out, so a release that adds a field with a
default changes no exercise's hash.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import textwrap
from typing import Any

# Shown to the learner, never used to judge an answer (`examples` test the grader, not the learner).
PRESENTATION = frozenset({"title", "prompt", "tags", "hints", "explanation", "source", "examples", "starter"})
# Besides: who the exercise is (a rename is followed by aliases, not reset), and `timeout`, a limit
# against runaway code, not what is learnt: a right answer runs in milliseconds, and authors raise it
# for a slow machine, which should not send every learner's card back to learning.
NOT_VERDICT = PRESENTATION | {"id", "aliases", "timeout"}
CODE_FIELDS = frozenset({"setup", "solution", "check", "template"})
UNORDERED_FIELDS = frozenset({"forbid", "allow"})  # sets of names: their order is not graded
VERDICT_PREFIX = "v2:"  # what the stored value starts with; a value without it is a legacy hash
LEGACY_FIELDS = ("kind", "solution", "setup", "check", "template", "answer", "options")


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def content_hash(exercise: Any) -> str:
    """Changes with any edit to the exercise (fields at their default are left out)."""
    return _digest(exercise.model_dump(mode="json", exclude_defaults=True))


def verdict_fields(model: Any) -> list[str]:
    """The fields of an exercise class (or instance) that its verdict depends on, in model order."""
    cls = model if isinstance(model, type) else type(model)
    return [name for name in cls.model_fields if name not in NOT_VERDICT]


def graded_hash(exercise: Any) -> str:
    """Changes only when what an answer is judged by changes (docs/store.md, "What changes the verdict")."""
    defaults = _defaults(type(exercise))
    data: dict[str, Any] = {}
    for name in verdict_fields(exercise):
        value = getattr(exercise, name)
        if name in defaults and value == defaults[name]:
            continue
        data[name] = _normal(name, value)
    if exercise.kind == "choice":  # the set of (option, right or not): reordering the options is no change
        data["options"] = sorted([text, i in exercise.answer] for i, text in enumerate(exercise.options))
        data.pop("answer", None)
    return VERDICT_PREFIX + _digest(data)


@functools.cache
def _defaults(cls: type) -> dict[str, Any]:
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in cls.model_fields.items()
        if not info.is_required()
    }


def _normal(name: str, value: Any) -> Any:
    if name in CODE_FIELDS:
        return [code_shape(v) for v in value] if isinstance(value, list) else code_shape(value)
    if name in UNORDERED_FIELDS and isinstance(value, list):
        return sorted(value)
    return value


def code_shape(source: str | None) -> str | None:
    """The syntax tree of `source` as text, without positions, comments or layout; the source itself
    when it does not parse (a template's blank may sit where no expression can).

    Not `ast.dump`: 3.12 adds empty fields (`type_params=[]`) and 3.13 leaves empty lists out, so
    its text differs between Python versions and an upgrade of Python would reset every card.
    Fields that are None or empty are left out here on every version."""
    if source is None:
        return None
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return source
    return _text(tree)


def _text(node: Any) -> str:
    if isinstance(node, ast.AST):
        fields = []
        for name in node._fields:
            value = getattr(node, name, None)
            if value is None or (type(value) is list and not value):
                continue
            fields.append(f"{name}={_text(value)}")
        return f"{type(node).__name__}({', '.join(fields)})"
    if type(node) is list:
        return f"[{', '.join(map(_text, node))}]"
    return repr(node)  # a constant: 1, 1.0, '1' and True stay apart


def is_legacy(stored: str) -> bool:
    """Whether a stored verdict hash was written before the verdict hash (schema 4 and earlier)."""
    return not stored.startswith(VERDICT_PREFIX)


def legacy_graded_hash(exercise: Any) -> str:
    """The hash earlier releases stored: the raw text of seven fields. Read only to migrate."""
    return _digest({name: getattr(exercise, name, None) for name in LEGACY_FIELDS})


def verdict_changed(stored: str, current: str, exercise: Any) -> bool:
    """Whether the verdict hash stored for a card no longer matches the exercise. A legacy hash
    matches when the fields it covered are unchanged: a database from an earlier release keeps
    its schedules on first open (and the caller stores the current hash from then on)."""
    if stored == current:
        return False
    return not (is_legacy(stored) and stored == legacy_graded_hash(exercise))
