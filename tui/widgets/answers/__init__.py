"""One answer widget per exercise kind, all with the same small surface (see base.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

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


def answer_widget_for(exercise: Exercise) -> AnswerWidget:
    return _BY_KIND[exercise.kind](exercise, classes=f"answer answer-{exercise.kind}")
