"""One answer widget per exercise kind, all with the same small surface (see base.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.widgets.answers.base import AnswerWidget
from tui.widgets.answers.card import CardAnswer
from tui.widgets.answers.choice import ChoiceAnswer
from tui.widgets.answers.code import CodeAnswer
from tui.widgets.answers.fill import FillAnswer
from tui.widgets.answers.line import LineAnswer

if TYPE_CHECKING:
    from grader.deck.model import Exercise

__all__ = ["AnswerWidget", "answer_widget_for"]

_BY_KIND: dict[str, type[AnswerWidget]] = {
    "card": CardAnswer,
    "choice": ChoiceAnswer,
    "numeric": LineAnswer,
    "predict": LineAnswer,
    "expr": LineAnswer,
    "fill": FillAnswer,
    "code": CodeAnswer,
}


def answer_widget_for(exercise: Exercise, initial: Any = None) -> AnswerWidget:
    """The widget for `exercise`, holding `initial` (an answer kept across a reload) if given."""
    return _BY_KIND[exercise.kind](exercise, initial, classes=f"answer answer-{exercise.kind}")
