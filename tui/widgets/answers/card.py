"""A flashcard: nothing to type; space turns it over."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Markdown, Static

from tui.widgets.answers.base import AnswerWidget


class CardAnswer(AnswerWidget):
    def compose(self) -> ComposeResult:
        yield Static(
            "Recall the answer, then press [b]space[/] to turn the card over.",
            classes="muted",
            id="card-hint",
        )
        back = Markdown(self.exercise.back, id="card-back")
        back.display = False
        yield back

    def reveal(self) -> None:
        self.query_one("#card-hint").display = False
        self.query_one("#card-back").display = True

    @property
    def revealed(self) -> bool:
        return bool(self.query_one("#card-back").display)

    def value(self) -> str:
        return ""
