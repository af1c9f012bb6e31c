"""The stats screen's pictures: the weekly and daily charts plotted by plotext (through
textual-plotext); the review calendar and the weakest tags drawn in Rich cells, because plotext has
no calendar heatmap and its horizontal bars straddle rows when there are few.

Only the stats screen imports this module, and it is imported when the screen opens: the app pays
for plotext when the learner asks for stats, not at start.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from rich.text import Text
from textual.color import Color
from textual.widget import Widget
from textual_plotext import PlotextPlot

from grader.srs.stats import CalendarWeek, TagStat

DAY_LABELS = ("Mon", "", "Wed", "", "Fri", "", "")
LABEL_WIDTH = 4
SHADES = 4  # levels above "no reviews", as GitHub and Anki's Review Heatmap shade a year
MAX_TAG_WIDTH = 20  # longer tag names are cut, so the bars keep their room


def shade_limits(counts: Sequence[int | None], shades: int = SHADES) -> list[int]:
    """The smallest count of each shade above the first: quantiles of the days with reviews, so that
    one marathon day does not leave every other day pale."""
    found = sorted(n for n in counts if n)
    if not found:
        return []
    return [found[len(found) * level // shades] for level in range(1, shades)]


def shade(count: int, limits: Sequence[int]) -> int:
    """0 for a day without reviews, else 1..SHADES."""
    return 0 if count <= 0 else 1 + sum(1 for limit in limits if count >= limit)


def month_labels(mondays: Sequence[date], cell: int) -> str:
    """Month names above the weeks in which a month begins, where they fit without overlapping."""
    row = ""
    for i, monday in enumerate(mondays):
        column = i * cell
        if monday.day <= 7 and column >= len(row) + (1 if row else 0):
            row = row.ljust(column) + monday.strftime("%b")
    return row


class ReviewCalendar(Widget):
    """A year of reviews: weeks as columns, weekdays as rows, each day shaded by how many it had;
    a title row with the legend, and the months above the weeks.

    Two cells a week where the width allows, one otherwise; the newest weeks that fit when even
    that is too wide."""

    def __init__(self, title: str, weeks: Sequence[CalendarWeek], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.title = title
        self.weeks = list(weeks)

    def render(self) -> Text:
        width = self.size.width - LABEL_WIDTH
        cell = 2 if 2 * len(self.weeks) <= width else 1
        weeks = self.weeks[-max(1, width // cell) :]
        colors = self._colors()
        limits = shade_limits([n for week in self.weeks for n in week.counts])
        text = self._title_row(colors)
        months = month_labels([date.fromisoformat(week.start) for week in weeks], cell)
        text.append(" " * LABEL_WIDTH + months, style="dim")
        for day, label in enumerate(DAY_LABELS):
            text.append(f"\n{label:<{LABEL_WIDTH}}", style="dim")
            for week in weeks:
                count = week.counts[day]
                if count is None:  # a day still to come
                    text.append(" " * cell)
                else:
                    text.append("■".ljust(cell), style=colors[shade(count, limits)])
        text.no_wrap = True  # a narrow terminal crops the legend rather than pushing the days down
        return text

    def _title_row(self, colors: list[str]) -> Text:
        legend = Text.assemble(("less ", "dim"), *[("■ ", color) for color in colors], ("more", "dim"))
        gap = max(2, self.size.width - len(self.title) - len(legend))
        return Text.assemble((self.title, "bold"), " " * gap, legend, "\n")

    def _colors(self) -> list[str]:
        """From the theme: a faint square for a day off, then the success color, stronger and stronger."""
        variables = self.app.theme_variables
        surface, success = Color.parse(variables["surface"]), Color.parse(variables["success"])
        empty = surface.blend(Color.parse(variables["foreground"]), 0.15)
        steps = [surface.blend(success, 0.35 + 0.65 * level / (SHADES - 1)) for level in range(SHADES)]
        return [c.hex for c in [empty, *steps]]


class Plot(PlotextPlot):
    """A plotext plot over one value a day or a week: x labels at a few positions, colors from the theme."""

    def __init__(
        self,
        title: str,
        values: Sequence[float | None],
        ticks: dict[int, str],
        *,
        color: str,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.chart_title = title
        self.values = list(values)
        self.ticks = ticks
        self.color = color

    def on_mount(self) -> None:
        self.draw([(x, y) for x, y in enumerate(self.values) if y is not None])
        self.plt.title(self.chart_title)
        self.plt.xlim(-0.5, len(self.values) - 0.5)
        self.plt.xticks(list(self.ticks), list(self.ticks.values()))  # after drawing: bar() sets its own

    def draw(self, points: list[tuple[int, float]]) -> None:
        raise NotImplementedError

    def rgb(self, variable: str) -> tuple[int, int, int]:
        return Color.parse(self.app.theme_variables[variable]).rgb


class BarPlot(Plot):
    """A bar a value, from 0; the y axis labelled at 0, the middle and the top."""

    def __init__(self, *args: object, unit: str = "", whole: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.unit = unit
        self.whole = whole  # counts: whole numbers on the y axis

    def draw(self, points: list[tuple[int, float]]) -> None:
        plt = self.plt
        plt.bar(
            [x for x, _ in points], [y for _, y in points], width=0.5, marker="hd", color=self.rgb(self.color)
        )
        top = max((y for _, y in points), default=0) or 1
        ticks = sorted({0, round(top / 2), top}) if self.whole else [0, top / 2, top]
        plt.ylim(0, top)
        plt.yticks(ticks, [f"{axis_number(t)}{self.unit}" for t in ticks])


class LinePlot(Plot):
    """Points joined week to week, broken where a week has no value, and a line at the target."""

    def __init__(
        self, *args: object, floor: float, top: float, target: float, unit: str = "", **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.floor = floor  # the axis starts here, or lower when a value is
        self.top = top
        self.target = target
        self.unit = unit

    def draw(self, points: list[tuple[int, float]]) -> None:
        plt, rgb = self.plt, self.rgb(self.color)
        plt.hline(self.target, color=self.rgb("warning"))
        for run in runs(points):
            if len(run) == 1:
                plt.scatter([run[0][0]], [run[0][1]], marker="hd", color=rgb)
            else:
                plt.plot([x for x, _ in run], [y for _, y in run], marker="hd", color=rgb)
        low = min([self.floor, *(y for _, y in points)])
        ticks = sorted({low, self.target, self.top})
        plt.ylim(low, self.top)
        plt.yticks(ticks, [f"{axis_number(t)}{self.unit}" for t in ticks])


def runs(points: list[tuple[int, float]]) -> list[list[tuple[int, float]]]:
    """Points split where x skips: a line never bridges a week without a value."""
    found: list[list[tuple[int, float]]] = []
    for x, y in points:
        if found and found[-1][-1][0] == x - 1:
            found[-1].append((x, y))
        else:
            found.append([(x, y)])
    return found


def axis_number(value: float) -> str:
    return f"{value:.0f}" if value >= 5 or value == int(value) else f"{value:.1f}"


class TagBars(Widget):
    """The weakest tags, weakest first: name, a bar of the share of reviews failed, the counts."""

    def __init__(self, title: str, tags: Sequence[TagStat], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.title = title
        self.tags = list(tags)

    def render(self) -> Text:
        name_width = min(MAX_TAG_WIDTH, max(len(t.tag) for t in self.tags))
        labels = [f" {t.failure_rate:.0%} of {t.reviews}" for t in self.tags]
        bar_width = max(4, self.size.width - name_width - 1 - max(len(label) for label in labels))
        color = self.app.theme_variables["error"]
        text = Text.assemble((self.title, "bold"), "\n")
        for tag, label in zip(self.tags, labels, strict=True):
            full = round(max(0.0, min(1.0, tag.failure_rate)) * bar_width)
            name = tag.tag if len(tag.tag) <= name_width else tag.tag[: name_width - 1] + "…"
            text.append(f"\n{name:>{name_width}} ")
            text.append("█" * full, style=color)
            text.append("░" * (bar_width - full), style="dim")
            text.append(label, style="dim")
        return text
