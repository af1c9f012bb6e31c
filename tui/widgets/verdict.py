"""What came back from the grader: the verdict line, feedback, stdout and the explanation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown, Static

if TYPE_CHECKING:
    from grader.engine.verdict import Verdict

ICONS = {
    "passed": "✔",
    "failed": "✘",
    "error": "✘",
    "invalid": "?",
    "forbidden": "⊘",
    "timeout": "⏱",
    "memory": "⚠",
}
SAYS = {
    "passed": "Correct",
    "failed": "Not quite",
    "error": "Your code raised an error",
    "invalid": "That answer could not be read",
    "forbidden": "That answer uses something forbidden",
    "timeout": "Too slow: the time limit ran out",
    "memory": "Over the memory limit",
}


class VerdictView(Vertical):
    """Empty until an answer is graded, revealed, or given up on."""

    def compose(self) -> ComposeResult:
        yield Static(id="verdict-line")
        yield Static(id="feedback", markup=False)
        yield Static(id="stdout", markup=False)
        yield Markdown(id="solution")
        yield Markdown(id="explanation")

    def on_mount(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.display = False
        for child in self.children:
            child.display = False

    def _put(self, selector: str, content: Any) -> None:
        widget = self.query_one(selector)
        widget.display = bool(content)
        if content:
            widget.update(content)  # type: ignore[attr-defined]
        self.display = True

    def waiting(self, text: str) -> None:
        self.clear()
        self._put("#verdict-line", Text(text, style="italic"))

    def failure(self, text: str) -> None:
        self.clear()
        self.set_class(True, "-grader-failed")
        self._put("#verdict-line", Text(text, style="bold"))

    def show_verdict(self, verdict: Verdict, *, trial: bool) -> None:
        self.clear()
        self.set_classes(f"status-{verdict.status}")
        line = Text.assemble(
            (f" {ICONS.get(verdict.status, '•')} {SAYS.get(verdict.status, verdict.status)} ", "bold")
        )
        if verdict.trials:
            line.append(f"  {verdict.passed_trials}/{verdict.trials} trials")
        line.append(f"  ·  {verdict.duration_ms:.0f} ms")
        if trial:
            line.append("  ·  trial run, not recorded", style="italic")
        self._put("#verdict-line", line)
        self._put("#feedback", verdict.feedback.rstrip())
        if verdict.stdout.strip():
            self._put("#stdout", Text.assemble(("stdout\n", "bold"), verdict.stdout.rstrip()))

    def show_solution(self, markdown: str) -> None:
        self._put("#solution", markdown)

    def show_explanation(self, markdown: str | None) -> None:
        if markdown:
            self._put("#explanation", f"**Why.** {markdown}")
