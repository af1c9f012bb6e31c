"""A card's history as a table: one row per review (or reset), oldest first, the latest selected.

DataTable's own RowHighlighted says which review is selected; `details` gives it in full."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import DataTable

from grader.srs.scheduler import label
from tui.widgets import cells

if TYPE_CHECKING:
    from grader.srs.review_log import Past

COLUMNS = (("when", "When"), ("verdict", "Verdict"), ("rating", "Rating"), ("interval", "Interval"),
           ("time", "Time"), ("answer", "Answer"))  # fmt: skip


def row(past: Past, exercise: Any) -> tuple[Any, ...]:
    if past.kind == "reset":
        return (cells.when(past.at), cells.verdict(past), "", Text("new again", style="dim"), "", "")
    interval = label(past.interval) if past.interval is not None else ""
    return (cells.when(past.at), cells.verdict(past), cells.rating(past.rating), Text(interval, justify="right"),
            Text(cells.duration(past.seconds), justify="right"),
            cells.one_line(cells.answer(past.answer, exercise)))  # fmt: skip


def details(past: Past, exercise: Any) -> Text:
    """Everything about one review, the answer in full: what the shortened cell leaves out."""
    if past.kind == "reset":
        return Text(f"{cells.when(past.at)}  reset: the schedule was forgotten and the card was new again.")
    took = f"rated {past.rating}, took {cells.duration(past.seconds)}"
    if exercise.kind != "card":
        hints = f", {cells.count(past.hints_used, 'hint')}" if past.hints_used else ""
        took = f"{cells.count(past.submits, 'submit')}{hints}{', gave up' if past.gave_up else ''}, {took}"
    text = Text.assemble((cells.when(past.at), "bold"), "  ", took)
    given = cells.answer(past.answer, exercise).rstrip()
    if exercise.kind != "card":
        text.append("\n\n")
        text.append(given or "(nothing typed)", style="" if given else "dim")
    return text


class HistoryTable(DataTable[Any]):
    """One row per review or reset of one exercise."""

    def show(self, history: list[Past], exercise: Any) -> None:
        self.clear()
        if not self.columns:
            for key, title in COLUMNS:
                self.add_column(title, key=key)
        for n, past in enumerate(history):
            self.add_row(*row(past, exercise), key=str(n))
        if history:
            self.move_cursor(row=len(history) - 1)
