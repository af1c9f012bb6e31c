"""The stats screen over a year of studying: the review calendar, retention and answer time week by
week, the forecast and the weakest tags, plotted with plotext; usable at 80×24 (it scrolls) and all
in view at 120×40. The history is simulated on a real database with a fixed clock: every day the
due cards are reviewed, some days are skipped, and a review's duration is sometimes unknown.

Update the pictures with `pytest tests/test_tui_stats.py --snapshot-update` after a deliberate change.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from support import NOW, FakeGrader, clock, sync
from test_srs_queue import write_deck
from textual.widgets import Static
from textual_plotext import PlotextPlot

from grader.deck.loader import load_library
from grader.engine.verdict import Verdict
from grader.study import Attempt, Study
from tui.app import TorchDrillApp
from tui.screens.stats import StatsScreen
from tui.widgets.charts import (
    BarPlot,
    LinePlot,
    ReviewCalendar,
    TagBars,
    month_labels,
    runs,
    shade,
    shade_limits,
)

ROOT = Path(__file__).resolve().parent.parent
DAYS = 365
FAILURE_RATES = {"tensors": 0.05, "autograd": 0.1, "shapes": 0.08, "einsum": 0.22, "hooks": 0.14}


def simulate(study: Study, rng: random.Random) -> None:
    """A year of sessions: the due cards (two new a day), fewer days off on weekdays, a tenth of the
    reviews untimed; answers get quicker as the year goes on."""
    study.update_settings(new_per_day=2)
    for back in range(DAYS, -1, -1):
        now = NOW - timedelta(days=back, hours=3)
        if back and rng.random() < (0.45 if now.weekday() >= 5 else 0.1):
            continue
        for item in study.queue(now):
            passed = rng.random() > FAILURE_RATES[item.gid.split("/")[0]]
            seconds = None if rng.random() < 0.1 else round(rng.lognormvariate(2.2 + back / 500, 0.4), 1)
            verdict = Verdict("passed" if passed else "failed", float(passed))
            study.record(item.gid, Attempt(verdict, seconds=seconds), "good" if passed else "again", now)
            now += timedelta(seconds=seconds or 20)


@pytest.fixture(scope="module", autouse=True)
def _utc() -> Iterator[None]:
    """Study days are local days: pin the zone, so the pictures are the same on every machine."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture(scope="module")
def year(_utc: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("year")
    for name in FAILURE_RATES:
        write_deck(root / "quizzes", n=24, name=name)
    with Study(load_library([root / "quizzes"]), root / "td.db", NOW - timedelta(days=DAYS + 1)) as study:
        study.store.conn.execute("PRAGMA synchronous = OFF")  # a fixture for pictures: speed over durability
        simulate(study, random.Random(15))
    return root


def _app(root: Path, tmp_path: Path) -> TorchDrillApp:
    shutil.copytree(root, tmp_path / "copy")
    return TorchDrillApp(
        tmp_path / "copy" / "quizzes", tmp_path / "copy" / "td.db", FakeGrader(), clock=clock
    )


async def _open_stats(pilot) -> None:
    await pilot.pause()
    await pilot.press("s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, StatsScreen)


def test_stats_at_80x24(snap_compare, year: Path, tmp_path: Path) -> None:
    assert snap_compare(_app(year, tmp_path), terminal_size=(80, 24), run_before=_open_stats)


def test_stats_at_80x24_scrolled_to_the_charts(snap_compare, year: Path, tmp_path: Path) -> None:
    async def scroll_down(pilot) -> None:
        await _open_stats(pilot)
        screen = pilot.app.screen
        screen.query_one("#stats-body").scroll_to_widget(
            screen.query(".chart").first(), animate=False, top=True
        )
        await pilot.pause()

    assert snap_compare(_app(year, tmp_path), terminal_size=(80, 24), run_before=scroll_down)


def test_stats_at_120x40(snap_compare, year: Path, tmp_path: Path) -> None:
    assert snap_compare(_app(year, tmp_path), terminal_size=(120, 40), run_before=_open_stats)


@sync
async def test_the_year_the_weeks_and_the_forecast_are_drawn_by_plotext(year: Path, tmp_path: Path) -> None:
    app = _app(year, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_stats(pilot)
        screen = app.screen
        calendar = screen.query_one(ReviewCalendar)
        assert len(calendar.weeks) == 53 and calendar.weeks[-1].start == "2027-01-04"
        drawn = str(calendar.render())
        title, months, monday = drawn.splitlines()[:3]
        assert title.startswith("Reviews in the past year") and title.endswith("more")
        assert months.split()[:2] == ["Jan", "Feb"] and monday.startswith("Mon ")
        retention, answer_time, forecast = screen.query_one(LinePlot), *screen.query(BarPlot)
        assert all(isinstance(p, PlotextPlot) for p in (retention, answer_time, forecast))
        assert len(retention.values) == len(answer_time.values) == 12 and len(forecast.values) == 30
        assert screen.query_one(TagBars).tags[0].tag == "einsum"
        tiles = " ".join(str(t.render()) for t in screen.query(".tile").results(Static))
        assert "days studied" in tiles and "reviews a day" in tiles and "median answer" in tiles
        assert "streak" not in tiles


@sync
async def test_all_of_it_is_in_view_at_120x40_and_scrolls_at_80x24(year: Path, tmp_path: Path) -> None:
    app = _app(year, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_stats(pilot)
        body = app.screen.query_one("#stats-body")
        assert body.max_scroll_y == 0
        charts = list(app.screen.query(".chart"))
        assert len({c.region.x for c in charts}) == 2  # two a row
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert body.max_scroll_y > 0
        assert len({c.region.x for c in app.screen.query(".chart")}) == 1  # one under the other
        body.scroll_end(animate=False)
        await pilot.pause()
        last = app.screen.query(".chart").last()
        assert last.region.bottom <= body.region.bottom  # the last chart can be scrolled into view


@sync
async def test_a_fresh_database_says_what_each_chart_waits_for(tmp_path: Path) -> None:
    quizzes = write_deck(tmp_path / "quizzes", n=3)
    app = TorchDrillApp(quizzes, tmp_path / "td.db", FakeGrader(), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_stats(pilot)
        notes = " ".join(str(n.render()) for n in app.screen.query(".note").results(Static))
        assert "No reviews of cards in review yet" in notes
        assert "No timed reviews" in notes and "Nothing is due" in notes
        assert not app.screen.query(PlotextPlot)


def test_the_app_imports_plotext_only_when_stats_open() -> None:
    code = (
        "import sys, tui.app, tui.screens.decks, tui.screens.review\n"
        "print('plotext' in sys.modules, 'textual_plotext' in sys.modules)\n"
        "import tui.screens.stats\n"
        "print('plotext' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True", "False"]


def test_one_marathon_day_does_not_leave_every_other_day_pale() -> None:
    counts = [None, 0, 1, 2, 3, 4, 5, 6, 7, 8, 200]
    limits = shade_limits(counts)
    assert [shade(n, limits) for n in (0, 1, 4, 8, 200)] == [0, 1, 2, 4, 4]


def test_month_names_sit_over_the_week_a_month_begins_and_never_overlap() -> None:
    mondays = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(10)]
    assert month_labels(mondays, cell=2) == "Jan     Feb     Mar"
    assert month_labels(mondays, cell=1) == "Jan Feb Mar"


def test_a_line_never_bridges_a_week_without_a_value() -> None:
    assert runs([(1, 80.0), (2, 90.0), (5, 85.0)]) == [[(1, 80.0), (2, 90.0)], [(5, 85.0)]]
