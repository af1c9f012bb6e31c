"""Write code: an editor pre-filled with the starter, Python-highlighted where Textual can."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import TextArea

from tui.widgets.answers.base import AnswerWidget


def _language() -> str | None:
    # Highlighting needs textual's optional tree-sitter extra; without it the editor still works.
    try:
        import tree_sitter_python  # noqa: F401
    except ImportError:
        return None
    return "python"


class CodeAnswer(AnswerWidget):
    def compose(self) -> ComposeResult:
        yield TextArea.code_editor(
            self.exercise.starter if self.initial is None else self.initial,
            language=_language(),
            id="code-editor",
            tab_behavior="indent",
            soft_wrap=False,
        )

    def value(self) -> str:
        return self.query_one("#code-editor", TextArea).text

    def blank(self) -> str:
        return self.exercise.starter
