"""What the UI needs of a grader, said once: the torch-free GraderClient (the app's), the
in-process Grader and the tests' fake all satisfy it, and the app is typed against it.

Imported under TYPE_CHECKING by the UI, so it costs nothing at start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol, runtime_checkable

from grader.engine.verdict import Verdict

GraderState = Literal["stopped", "starting", "ready", "failed"]


@runtime_checkable
class GraderHandle(Protocol):
    """A grader the app can start in the background, wait for, grade with, reload and close."""

    state: str  # one of GraderState
    device: str | None
    error: str | None
    on_state: Callable[[str], Any] | None  # called, from any thread, when `state` changes

    def start(self) -> None:
        """Start warming up; returns at once (a no-op when already running)."""

    def wait_ready(self, timeout: float) -> bool:
        """Block until ready or failed, at most `timeout` seconds; True when ready."""

    def grade(self, gid: str, answer: Any, variant: int | None = None) -> Verdict:
        """The verdict on one answer (to `variant` of an exercise with `{param}` placeholders; the
        first draw when None); raises GraderUnavailable when the grader itself cannot."""

    def reload(self) -> None:
        """Re-read the decks after an author saved one."""

    def close(self) -> None:
        """Stop; anyone in `wait_ready` returns at once."""
