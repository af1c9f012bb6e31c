"""Charts drawn with block characters, so the stats screen needs no plotting package."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

BLOCKS = " ▁▂▃▄▅▆▇█"


def column_chart(values: Sequence[int], height: int = 6, width_each: int = 2) -> list[str]:
    """Rows of a column chart, top row first; each column is `width_each` cells wide."""
    top = max(values, default=0) or 1
    eighths = [round(v / top * height * 8) for v in values]
    rows = []
    for level in range(height, 0, -1):
        floor = (level - 1) * 8
        cells = [BLOCKS[max(0, min(8, e - floor))] * (width_each - 1) + " " for e in eighths]
        rows.append("".join(cells))
    return rows


class ColumnChart(Static):
    """A column per value, the largest value on the y axis, first and last label underneath."""

    def __init__(
        self, title: str, labels: Sequence[str], values: Sequence[int], *, height: int = 6, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.title = title
        self.labels = list(labels)
        self.values = list(values)
        self.chart_height = height

    def on_mount(self) -> None:
        self.update(self.render_chart())

    def render_chart(self) -> Text:
        top = max(self.values, default=0)
        text = Text.assemble((self.title, "bold"), f"   total {sum(self.values)}, max {top}/day\n")
        axis = len(str(top))
        for i, row in enumerate(column_chart(self.values, self.chart_height, width_each=3)):
            label = str(top) if i == 0 else ("0" if i == self.chart_height - 1 else "")
            text.append(f"{label:>{axis}} │", style="dim")
            text.append(row + "\n", style="bold")
        span = 3 * len(self.values)
        if self.labels:
            first, last = self.labels[0], self.labels[-1]
            text.append(
                " " * (axis + 2) + first + " " * max(1, span - len(first) - len(last)) + last, style="dim"
            )
        return text


class HorizontalBars(Static):
    """Label, bar, value: for the weakest tags."""

    def __init__(self, rows: Sequence[tuple[str, float, str]], width: int = 30, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.rows = list(rows)
        self.bar_width = width

    def on_mount(self) -> None:
        self.update(self.render_bars())

    def render_bars(self) -> Text:
        if not self.rows:
            return Text("Not enough reviews yet (a tag needs 3).", style="dim")
        name_width = max(len(name) for name, _, _ in self.rows)
        text = Text()
        for name, fraction, label in self.rows:
            full = round(max(0.0, min(1.0, fraction)) * self.bar_width)
            text.append(f"{name:<{name_width}} ")
            text.append("█" * full, style="bold red")
            text.append("░" * (self.bar_width - full), style="dim")
            text.append(f" {label}\n")
        return text
