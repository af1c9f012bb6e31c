"""Messages that carry work done off the event loop back to the screens."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class GraderStateChanged(Message):
    """The grader service changed state: starting, ready or failed."""

    def __init__(self, state: str, device: str | None = None, error: str | None = None) -> None:
        super().__init__()
        self.state = state
        self.device = device
        self.error = error


class Graded(Message):
    """A grading request finished; `verdict` is None when the grader itself failed."""

    def __init__(self, gid: str, verdict: Any, *, recorded: bool, error: str | None = None) -> None:
        super().__init__()
        self.gid = gid
        self.verdict = verdict
        self.recorded = recorded
        self.error = error


class DecksChanged(Message):
    """Decks were reloaded from disk (after an edit)."""
