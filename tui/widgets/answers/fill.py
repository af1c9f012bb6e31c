"""Fill in the blanks: the template as written, with an input in place of each `___`."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

from tui.widgets.answers.base import AnswerWidget
from tui.widgets.python_highlighter import PythonHighlighter

BLANK = "___"  # grader.deck.model.BLANK; repeated so this widget loads without pydantic


class FillAnswer(AnswerWidget):
    def compose(self) -> ComposeResult:
        number = 0
        for line in self.exercise.template.rstrip("\n").split("\n"):
            with Horizontal(classes="fill-line"):
                pieces = line.split(BLANK)
                for i, piece in enumerate(pieces):
                    if piece:
                        yield Static(_python(piece), classes="fill-text")
                    if i < len(pieces) - 1:
                        number += 1
                        yield Input(
                            placeholder=f"blank {number}",
                            classes="fill-blank code-input",
                            id=f"blank-{number}",
                        )
                if not line:
                    yield Static(" ", classes="fill-text")

    @property
    def blanks(self) -> list[Input]:
        return list(self.query(".fill-blank").results(Input))

    @on(Input.Submitted)
    def _next_or_submit(self, event: Input.Submitted) -> None:
        """Enter moves to the next blank; on the last one it checks the answer."""
        event.stop()
        blanks = self.blanks
        index = blanks.index(event.input)
        if index + 1 < len(blanks):
            blanks[index + 1].focus()
        else:
            self.post_message(self.Submitted())

    def value(self) -> list[str]:
        return [blank.value for blank in self.blanks]


def _python(code: str) -> Text:
    text = Text(code)
    PythonHighlighter().highlight(text)
    return text
