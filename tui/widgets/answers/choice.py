"""Multiple choice: number keys (or space on the highlighted option) toggle options."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import SelectionList

from tui.widgets.answers.base import AnswerWidget


def option_text(number: int, markdown: str) -> Text:
    """An option's Markdown, one line: `code` spans styled as code instead of showing backticks."""
    text = Text(f"{number}. ")
    for i, part in enumerate(markdown.strip().split("`")):
        text.append(part, style="bold cyan" if i % 2 else "")
    return text


class ChoiceAnswer(AnswerWidget):
    def compose(self) -> ComposeResult:
        chosen = set(self.initial or [])
        options = [(option_text(i + 1, text), i, i in chosen) for i, text in enumerate(self.exercise.options)]
        yield SelectionList[int](*options, id="choice-options")

    @property
    def options(self) -> SelectionList[int]:
        return self.query_one("#choice-options", SelectionList)

    def toggle(self, index: int) -> None:
        if 0 <= index < len(self.exercise.options):
            self.options.toggle(index)

    def value(self) -> list[int]:
        return sorted(self.options.selected)

    def blank(self) -> list[int]:
        return []
