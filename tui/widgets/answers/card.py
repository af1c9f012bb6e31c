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
        # A card's back is written line by line: each line break is kept, as the author typed it.
        back = Markdown(hard_breaks(self.exercise.back), id="card-back")
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


def hard_breaks(markdown: str) -> str:
    """Markdown with every line break outside code fences made a hard one (two trailing spaces)."""
    lines, fenced = markdown.split("\n"), False
    for i, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and line.strip() and i + 1 < len(lines) and lines[i + 1].strip():
            lines[i] = line.rstrip() + "  "
    return "\n".join(lines)
