"""Messages that carry work done off the event loop back to the screens: plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from grader.engine.verdict import Verdict


@dataclass
class GraderStateChanged(Message):
    """The grader service changed state: starting, ready, failed or stopped."""

    state: str
    device: str | None = None
    error: str | None = None


@dataclass
class Graded(Message):
    """A grading request finished; `verdict` is None when the grader itself failed (`error` says why)."""

    gid: str
    verdict: Verdict | None
    recorded: bool
    error: str | None = None


@dataclass
class DecksChanged(Message):
    """Decks were reloaded from disk (after an edit)."""
