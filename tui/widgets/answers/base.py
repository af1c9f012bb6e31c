"""What every answer widget offers the review screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import Vertical
from textual.message import Message

if TYPE_CHECKING:
    from grader.deck.model import Exercise


class AnswerWidget(Vertical):
    """Holds the learner's answer to one exercise; `value()` is what the grader receives."""

    class Submitted(Message):
        """The learner pressed Enter where Enter means "check my answer"."""

    def __init__(self, exercise: Exercise, initial: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.exercise = exercise
        self.initial = initial  # an answer to start from (kept across a reload), else the blank one

    def on_mount(self) -> None:
        self.call_after_refresh(self.focus_answer)

    def value(self) -> Any:
        raise NotImplementedError

    def blank(self) -> Any:
        """The value before the learner did anything."""
        return ""

    @property
    def pristine(self) -> bool:
        """Nothing typed or chosen yet: keys that mean something else may act without losing work."""
        return self.value() == self.blank()

    def focus_answer(self) -> None:
        for widget in self.query("*"):
            if widget.focusable:
                if hasattr(widget, "select_on_focus"):
                    widget.select_on_focus = False  # coming back to fix it must not wipe it
                widget.focus()
                return
        self.screen.set_focus(None)  # a card has nothing to type into: keys go to the screen

    def toggle(self, index: int) -> None:
        """Number keys: only choice uses them while answering."""
