"""One input line: numeric (a number), predict (a Python literal), expr (an expression)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input

from tui.widgets.answers.base import AnswerWidget
from tui.widgets.python_highlighter import PythonHighlighter

PLACEHOLDERS = {
    "numeric": "a number, e.g. 0.25",
    "predict": "a Python literal, e.g. (3, 4), [[1.0, 2.0]], True or 'cpu'",
    "expr": "a Python expression over the names in the prompt",
}


class LineAnswer(AnswerWidget):
    def compose(self) -> ComposeResult:
        python = self.exercise.kind in ("expr", "predict")
        yield Input(
            self.initial or "",
            placeholder=PLACEHOLDERS[self.exercise.kind],
            highlighter=PythonHighlighter() if python else None,
            id="line-input",
            classes=f"code-input {self.exercise.kind}",
        )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted())

    def value(self) -> str:
        return self.query_one("#line-input", Input).value
