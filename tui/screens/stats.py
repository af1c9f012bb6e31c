"""Reviews per day, retention, the due forecast and the weakest tags."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from tui.widgets.charts import ColumnChart, HorizontalBars

if TYPE_CHECKING:
    from textual.widget import Widget

    from grader.srs.stats import Stats
    from tui.app import TorchDrillApp


class StatsScreen(Screen[None]):
    app: TorchDrillApp  # for the type checker: the screens' shared services live on the app
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back"), Binding("r", "refresh_stats", "Refresh")]

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
        days = [d for d, _ in stats.reviews_per_day]
        ahead = [d for d, _ in stats.forecast]
        tags = [(t.tag, t.failure_rate, f"{t.fails}/{t.reviews} failed") for t in stats.weakest_tags]
        return [
            Horizontal(*self._tiles(stats), id="stat-tiles"),
            ColumnChart(
                "Reviews per day, last 30 days",
                [d[5:] for d in days],
                [n for _, n in stats.reviews_per_day],
                classes="chart reviews",
            ),
            ColumnChart(
                "Due in the next 30 days",
                [d[5:] for d in ahead],
                [n for _, n in stats.forecast],
                classes="chart forecast",
            ),
            Static(Text("Weakest tags", style="bold"), classes="section-title"),
            HorizontalBars(tags, classes="chart tags"),
        ]

    def _tiles(self, stats: Stats) -> list[Static]:
        retention = "—" if stats.true_retention is None else f"{stats.true_retention:.0%}"
        cards = stats.cards
        tiles = [("reviews", str(stats.total_reviews)), ("retention", retention)]
        tiles += [(name, str(cards.get(name, 0))) for name in ("new", "learning", "review", "suspended")]
        return [
            Static(Text.assemble((value, "bold"), "\n", (name, "dim")), classes="tile")
            for name, value in tiles
        ]
