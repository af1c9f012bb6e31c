"""An exercise as a flashcard: the HTML of its front and back, for a tool that shows cards and
cannot run code (Anki).

The kinds that fit: a card as it is; a choice with its options numbered from 1 (as the app numbers
them) and the right ones on the back; a numeric or predict with the value its trusted reference
computes on the back; an expr or fill as "what would you write?", the reference on the back. A code
exercise needs the grader: there is no card to make of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grader.deck.loader import Entry
from grader.deck.model import Card, Choice, Expr, Fill, Numeric, Predict, fill_template
from grader.export.html import code, escape, inline, markdown

EXPORTED_KINDS = ("card", "choice", "numeric", "predict", "expr", "fill")
COMPUTED_KINDS = ("numeric", "predict")  # their back holds a value only the reference can compute


@dataclass(frozen=True)
class Flashcard:
    """One exercise's two faces, as HTML, and what a flashcard tool files it under."""

    gid: str
    deck: str
    kind: str
    front: str
    back: str
    hints: str  # HTML, empty when the exercise has none
    tags: tuple[str, ...]


def value_of(exercise: Numeric | Predict) -> str:
    """The right answer as a learner would type it, computed by the exercise's trusted reference.

    On the CPU: a card shows the value, it grades nothing, and the CPU needs no CUDA start-up; the
    grader's tolerance covers the last digits where a GPU would differ. Raises ReferenceFailed when
    the exercise's own code fails. Imports torch."""
    from grader.engine.by_value import as_number
    from grader.engine.compare import show
    from grader.engine.reference import truth

    value = truth(exercise, "cpu")
    return f"{as_number(value):.6g}" if isinstance(exercise, Numeric) else show(value)


def flashcard(entry: Entry, value: str | None = None) -> Flashcard:
    """The flashcard of an exercise of one of EXPORTED_KINDS; `value`: a numeric's or predict's `value_of`."""
    ex = entry.exercise
    if ex.kind in COMPUTED_KINDS and value is None:
        raise ValueError(f"{entry.gid}: a {ex.kind} card needs its computed value")
    asked, answered = FACES[ex.kind](ex, value)
    front = [_div("title", escape(ex.title)), _div("prompt", markdown(ex.prompt)), *asked]
    back = [*answered, *_teaching(ex)]
    return Flashcard(
        gid=entry.gid,
        deck=entry.deck,
        kind=ex.kind,
        front="\n".join(front),
        back="\n".join(back),
        hints=_hints(ex.hints),
        tags=tuple(_tag(t) for t in [*ex.tags, f"torchdrill::{ex.kind}"]),
    )


def _card(ex: Card, value: None) -> tuple[list[str], list[str]]:
    return [], [_div("back", markdown(ex.back))]


def _choice(ex: Choice, value: None) -> tuple[list[str], list[str]]:
    asked = [_div("options", "\n".join(_option(i, text) for i, text in enumerate(ex.options)))]
    label = "the right option" if len(ex.answer) == 1 else "the right options"
    answered = [
        _label(label),
        _div("answer", "\n".join(_option(i, ex.options[i]) for i in sorted(ex.answer))),
    ]
    return asked, answered


def _evaluated(ex: Numeric | Predict, value: str | None) -> tuple[list[str], list[str]]:
    shown = escape(str(value)) if isinstance(ex, Numeric) else code(str(value))
    answered = [_label("answer"), _div("answer value", shown + _within(ex)), _label("computed by")]
    return _setup(ex.setup), [*answered, code(ex.solution)]


def _expr(ex: Expr, value: None) -> tuple[list[str], list[str]]:
    asked = [*_setup(ex.setup), *_params(ex.params), _div("ask", "What expression would you write?")]
    return asked, [_label("the reference"), code(ex.solution)]


def _fill(ex: Fill, value: None) -> tuple[list[str], list[str]]:
    asked = [*_setup(ex.setup), *_params(ex.params), _label("template"), code(ex.template)]
    asked.append(_div("ask", "What would you write in each ___?"))
    blanks = "".join(f"<li><code>{escape(b)}</code></li>" for b in ex.solution)
    answered = [_label("the blanks"), f'<ol class="blanks">{blanks}</ol>', _label("filled in")]
    return asked, [*answered, code(fill_template(ex.template, ex.solution))]


FACES: dict[str, Callable[[Any, str | None], tuple[list[str], list[str]]]] = {
    "card": _card,
    "choice": _choice,
    "numeric": _evaluated,
    "predict": _evaluated,
    "expr": _expr,
    "fill": _fill,
}


def _teaching(ex: Any) -> list[str]:
    parts = [_label("why"), _div("explanation", markdown(ex.explanation))] if ex.explanation else []
    if ex.source:
        parts.append(_div("source", f"Source: {inline(ex.source)}"))
    return parts


def _setup(setup: str) -> list[str]:
    return [_label("setup"), code(setup)] if setup.strip() else []


def _params(params: dict[str, list[Any]]) -> list[str]:
    """An expr's or fill's params: the answer must work for each value, so the front names them."""
    if not params:
        return []
    lines = [
        f"<code>{escape(n)}</code> is one of {escape(', '.join(map(repr, vs)))}" for n, vs in params.items()
    ]
    return [_div("params", "<br>".join(lines))]


def _within(ex: Numeric | Predict) -> str:
    if not isinstance(ex, Numeric):
        return ""
    relative = f" (or {ex.rtol:g} of it)" if ex.rtol else ""
    return f' <span class="within">within {ex.tolerance:g}{relative}</span>'


def _option(index: int, text: str) -> str:
    """Numbered from 1, as the app shows options (the YAML counts from 0)."""
    return f'<div class="option"><span class="number">{index + 1}.</span> {inline(text)}</div>'


def _hints(hints: list[str]) -> str:
    return "".join(_div("hint", markdown(h)) for h in hints)


def _label(text: str) -> str:
    return _div("label", escape(text))


def _div(css: str, html: str) -> str:
    return f'<div class="{css}">{html}</div>'


def _tag(tag: str) -> str:
    """Anki splits tags on spaces."""
    return "_".join(tag.split())
