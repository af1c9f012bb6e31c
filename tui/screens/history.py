"""One exercise's history, opened from Browse: its prompt, its schedule now, and every review
(when, verdict, rating, the interval that followed, the answer given) and reset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Markdown, Static

from tui.widgets import cells
from tui.widgets.history import HistoryTable, details

if TYPE_CHECKING:
    from grader.deck.loader import Entry
    from grader.srs.review_log import Past
    from tui.app import TorchDrillApp


class HistoryScreen(Screen[None]):
    """Read-only: the arrows pick a review, whose answer is shown in full below the table."""

    app: TorchDrillApp  # for the type checker: the screens' shared services live on the app
    BINDINGS = [Binding("escape,h,q", "app.pop_screen", "Back")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    def __init__(self, entry: Entry) -> None:
        super().__init__()
        self.entry = entry
        self.history: list[Past] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="history-body"):
            yield Static(id="history-card")
            with VerticalScroll(id="history-prompt"):
                yield Markdown(self.entry.exercise.prompt)
            yield HistoryTable(id="history", cursor_type="row", zebra_stripes=True)
            yield Static(id="history-details", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        study, gid = self.app.study, self.entry.gid
        self.history = study.history(gid)
        self.sub_title = f"history of {gid}"
        self.query_one("#history-card", Static).update(self._card_line())
        table = self.query_one(HistoryTable)
        table.show(self.history, self.entry.exercise)
        if not self.history:
            self.query_one("#history-details", Static).update(
                Text("Not reviewed yet: its reviews will be listed here.", style="dim")
            )
        table.focus()

    def _card_line(self) -> Text:
        """gid and title, then what the schedule says now: state, due, interval, reviews, lapses."""
        ex, schedule = self.entry.exercise, self.app.study.schedules().get(self.entry.gid)
        line = Text.assemble((self.entry.gid, "bold"), "  ", ex.title, "\n", (ex.kind, "dim"))
        if schedule is None:
            return line
        facts = [cells.state(schedule)]
        if schedule.state != "new":
            facts.append(f"due {cells.due(schedule, self.app.now()).plain.strip('()')}")
        if schedule.interval is not None:
            facts.append(f"interval {cells.interval(schedule).plain}")
        reviews = sum(past.kind == "review" for past in self.history)
        facts += [cells.count(reviews, "review"), cells.count(schedule.lapses, "lapse")]
        if schedule.leech:
            facts.append("a leech")
        line.append(" · " + " · ".join(facts), style="dim")
        return line

    @on(DataTable.RowHighlighted, "#history")
    def _show_details(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is None or event.row_key.value is None:  # an empty table highlights nothing
            return
        past = self.history[int(event.row_key.value)]
        self.query_one("#history-details", Static).update(details(past, self.entry.exercise))
