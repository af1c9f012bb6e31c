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
MIN_BLANK = 18


class FillAnswer(AnswerWidget):
    def compose(self) -> ComposeResult:
        number = 0
        kept = list(self.initial or [])
        for line in self.exercise.template.rstrip("\n").split("\n"):
            with Horizontal(classes="fill-line"):
                pieces = line.split(BLANK)
                for i, piece in enumerate(pieces):
                    if piece:
                        yield Static(_python(piece), classes="fill-text")
                    if i < len(pieces) - 1:
                        number += 1
                        text = kept[number - 1] if number <= len(kept) else ""
                        blank = Input(
                            text,
                            placeholder=f"blank {number}",
                            classes="fill-blank code-input",
                            id=f"blank-{number}",
                        )
                        yield blank
                if not line:
                    yield Static(" ", classes="fill-text")

    @property
    def blanks(self) -> list[Input]:
        return list(self.query(".fill-blank").results(Input))

    def on_mount(self) -> None:
        super().on_mount()
        for blank in self.blanks:
            _fit(blank)

    @on(Input.Changed, ".fill-blank")
    def _grow(self, event: Input.Changed) -> None:
        """A blank grows with its text, so `lambda g: g.clamp(-c, c)` is read whole."""
        _fit(event.input)

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

    def blank(self) -> list[str]:
        return [""] * len(self.blanks)


def _fit(blank: Input) -> None:
    """Room for the text and the cursor inside the input's border and padding; at least a word's."""
    blank.styles.width = max(MIN_BLANK, len(blank.value) + 1 + blank.styles.gutter.width)


def _python(code: str) -> Text:
    text = Text(code)
    PythonHighlighter().highlight(text)
    return text
