"""The learner's history drawn: the last 30 days in figures, a year of reviews as a calendar, true
retention and answer time week by week, the due forecast and the weakest tags.

The numbers all come from grader.srs.stats; this screen only lays them out. Two charts a row where
the terminal is wide, one under the other (scrolling) where it is narrow.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from tui.widgets.charts import BarPlot, LinePlot, ReviewCalendar, TagBars

if TYPE_CHECKING:
    from textual.widget import Widget

    from grader.srs.stats import Stats, Week
    from tui.app import TorchDrillApp

WEEK_TICKS = (0, 4, 8)
FORECAST_TICKS = (7, 14, 21, 28)
RETENTION_FLOOR = 70  # the retention axis starts here, or lower when a week was worse


class StatsScreen(Screen[None]):
    app: TorchDrillApp  # for the type checker: the screens' shared services live on the app
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back"), Binding("r", "refresh_stats", "Refresh")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="stats-body")
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh_stats()

    def action_refresh_stats(self) -> None:
        stats = self.app.study.stats(self.app.now())
        body = self.query_one("#stats-body")
        body.remove_children()
        body.mount_all(self._widgets(stats))

    def _widgets(self, stats: Stats) -> list[Widget]:
        year = sum(n or 0 for week in stats.calendar for n in week.counts)
        return [
            Horizontal(*self._tiles(stats), id="stat-tiles"),
            ReviewCalendar(
                f"Reviews in the past year: {year:,} ({stats.total_reviews:,} in all)",
                stats.calendar,
                id="calendar",
            ),
            Static(self._cards(stats), id="card-counts"),
            Grid(*self._charts(stats), id="stats-charts"),
        ]

    def _tiles(self, stats: Stats) -> list[Static]:
        habit = stats.habit
        retention = "—" if stats.true_retention is None else f"{stats.true_retention:.0%}"
        seconds = "—" if stats.answer_seconds is None else seconds_label(stats.answer_seconds)
        tiles = [
            (f"{habit.days_studied}/{habit.days}", "days studied"),
            (f"{habit.reviews_per_day:.1f}", "reviews a day"),
            (retention, "true retention"),
            (seconds, "median answer"),
        ]
        return [self._tile(value, name, f"{habit.days} days") for value, name in tiles]

    @staticmethod
    def _tile(value: str, name: str, window: str) -> Static:
        tile = Static(Text.assemble((value, "bold"), "\n", (name, "dim")), classes="tile")
        tile.border_subtitle = window
        return tile

    @staticmethod
    def _cards(stats: Stats) -> Text:
        c = stats.cards
        return Text(
            f"Cards: {c.get('new', 0)} new · {c.get('learning', 0)} learning · {c.get('review', 0)} in review"
            f" · {c.get('suspended', 0)} suspended · {c.get('leech', 0)} leeches",
            style="dim",
        )

    def _charts(self, stats: Stats) -> list[Widget]:
        target = self.app.study.settings().desired_retention * 100
        retention = [None if w.value is None else w.value * 100 for w in stats.retention_by_week]
        seconds = [w.value for w in stats.answer_seconds_by_week]
        due = [n for _, n in stats.forecast]
        return [
            LinePlot(
                f"True retention by week (target {target:.0f}%)",
                retention,
                week_ticks(stats.retention_by_week),
                color="success",
                floor=RETENTION_FLOOR,
                top=100,
                target=target,
                unit="%",
                classes="chart",
            )
            if any(v is not None for v in retention)
            else note("True retention by week", "No reviews of cards in review yet."),
            BarPlot(
                "Median answer time by week",
                seconds,
                week_ticks(stats.answer_seconds_by_week),
                color="primary",
                unit="s",
                classes="chart",
            )
            if any(v is not None for v in seconds)
            else note(
                "Median answer time by week",
                "No timed reviews in the last 12 weeks (a review from the command line has no clock).",
            ),
            BarPlot(
                f"Due in the next 30 days ({sum(due):,})",
                due,
                day_ticks([d for d, _ in stats.forecast]),
                color="accent",
                whole=True,
                classes="chart",
            )
            if any(due)
            else note("Due in the next 30 days", "Nothing is due: new cards wait in the deck list."),
            TagBars("Weakest tags: share of reviews failed", stats.weakest_tags, classes="chart")
            if stats.weakest_tags
            else note("Weakest tags", "Not enough reviews yet (a tag needs 3, one of them failed)."),
        ]


def note(title: str, text: str) -> Static:
    """What stands in for a chart that has nothing to plot yet, saying why."""
    return Static(Text.assemble((title, "bold"), "\n\n", (text, "dim")), classes="chart note")


def seconds_label(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"


def week_ticks(weeks: Sequence[Week]) -> dict[int, str]:
    ticks = {i: date.fromisoformat(weeks[i].start).strftime("%b %d") for i in WEEK_TICKS if i < len(weeks)}
    return {**ticks, len(weeks) - 1: "this week"}


def day_ticks(days: Sequence[str]) -> dict[int, str]:
    ticks = {i: date.fromisoformat(days[i]).strftime("%b %d") for i in FORECAST_TICKS if i < len(days)}
    return {0: "today", **ticks}
