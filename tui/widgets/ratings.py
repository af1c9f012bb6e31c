"""The four rating buttons, each with the interval it would schedule. Posts `RatingBar.Chosen`."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button

from grader.srs.rating import RATINGS  # the order keys 1-4 follow


class RatingBar(Horizontal):
    @dataclass
    class Chosen(Message):
        """The learner picked a rating (a click, or Enter on a button)."""

        rating: str

    def compose(self) -> ComposeResult:
        for number, rating in enumerate(RATINGS, 1):
            yield Button(f"{number} {rating.title()}", id=f"rate-{rating}", classes=f"rating {rating}")

    def offer(self, intervals: dict[str, str], suggested: str, *, focus: bool = True) -> None:
        """Show each rating's next interval and mark the suggestion, the only button Tab reaches, so
        Enter on the bar always means the suggestion; the others are 1-4 or a click away.
        With `focus`, focus the suggestion now."""
        self.display = True
        for number, rating in enumerate(RATINGS, 1):
            button = self.query_one(f"#rate-{rating}", Button)
            interval = intervals.get(rating, "")
            mark = "  ⏎" if rating == suggested else ""
            button.label = f"{number} {rating.title()}" + (f"  {interval}" if interval else "") + mark
            button.set_class(rating == suggested, "suggested")
            button.can_focus = rating == suggested
        if focus:
            self.query_one(f"#rate-{suggested}", Button).focus()

    @on(Button.Pressed, ".rating")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Chosen(str(event.button.id).removeprefix("rate-")))
