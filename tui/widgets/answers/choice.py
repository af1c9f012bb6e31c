"""Multiple choice: number keys (or space on the highlighted option) toggle options."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import SelectionList

from tui.widgets.answers.base import AnswerWidget


class ChoiceAnswer(AnswerWidget):
    def compose(self) -> ComposeResult:
        options = [(Text(f"{i + 1}. {text}"), i) for i, text in enumerate(self.exercise.options)]
        yield SelectionList[int](*options, id="choice-options")

    @property
    def options(self) -> SelectionList[int]:
        return self.query_one("#choice-options", SelectionList)

    def toggle(self, index: int) -> None:
        if 0 <= index < len(self.exercise.options):
            self.options.toggle(index)

    def value(self) -> list[int]:
        return sorted(self.options.selected)
