"""Browse as a learner drives it: each exercise's schedule in columns (due, interval, lapses, last
verdict), the prompt's preview, a card's history, reset and suspend from the list.

The history is made through Study at fixed moments before the app's fixed clock (support.NOW), so
every due date, interval and time of day below is known; the store is the real SQLite file.
"""

from __future__ import annotations

import time
from datetime import timedelta
from itertools import accumulate
from pathlib import Path

import pytest
from support import NOW, FakeGrader, clock, copy_sample, sync
from textual.widgets import DataTable, Input, Markdown, Static

from grader.deck.loader import load_library
from grader.engine.verdict import Verdict
from grader.study import Attempt, Study
from tui.app import TorchDrillApp
from tui.screens.browse import BrowseScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.history import HistoryScreen
from tui.widgets import cells

T0 = NOW - timedelta(days=3)  # 2027-01-01 12:00 UTC
PASSED, FAILED = Verdict("passed", 1.0), Verdict("failed", 0.0, "not the expected value")
WRONG_MSE = "def mse(a, b):\n    return (a - b).abs().mean()\n"
MSE = "def mse(a, b):\n    d = a - b\n    return (d ** 2).mean()\n"


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch):
    """Times are shown in the learner's local time: here UTC, whatever the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _after(days: int = 0, minutes: int = 0):
    return T0 + timedelta(days=days, minutes=minutes)


CARD = Attempt(None, seconds=4.0)
# Three days of study before NOW: (exercise, attempt, rating, when).
REVIEWS = [
    ("sample/stack-card", CARD, "good", _after()),
    ("sample/stack-card", CARD, "good", _after(minutes=10)),  # a review card now
    ("sample/stack-card", CARD, "again", _after(days=2, minutes=10)),  # a lapse
    ("sample/stack-card", CARD, "good", _after(days=2, minutes=20)),  # a review card again, for a day
    ("sample/mean-of-range", Attempt(FAILED, answer="2.5", seconds=12.0), "again", _after()),
    ("sample/mean-of-range", Attempt(PASSED, answer="2.0", seconds=8.4), "good", _after(minutes=5)),
    ("sample/mse-by-hand", Attempt(FAILED, gave_up=True, answer=WRONG_MSE, seconds=140.0), "again", _after(days=1)),
    ("sample/mse-by-hand", Attempt(PASSED, submits=2, failed_submits=1, hints_used=1, answer=MSE, seconds=95.0),
     "hard", _after(days=1, minutes=2)),
    ("sample/mse-by-hand", Attempt(PASSED, answer=MSE, seconds=30.0), "good", _after(days=1, minutes=20)),
    ("sample/nll-input", Attempt(PASSED, answer="1", seconds=6.0), "good", NOW - timedelta(hours=1)),
]  # fmt: skip


def _reviewed(tmp_path: Path) -> TorchDrillApp:
    """The sample deck after REVIEWS and one suspended exercise, then the app at NOW on it."""
    quizzes = copy_sample(tmp_path / "quizzes")
    with Study(load_library([quizzes]), tmp_path / "td.db", T0) as study:
        for gid, attempt, rating, moment in REVIEWS:
            study.record(gid, attempt, rating, moment)
        study.suspend("sample/view-shape", T0)
    return TorchDrillApp(quizzes, tmp_path / "td.db", FakeGrader(), clock=clock)


def _study(tmp_path: Path) -> Study:
    return Study(load_library([tmp_path / "quizzes"]), tmp_path / "td.db")


async def _browse(app: TorchDrillApp, pilot, gid: str | None = None) -> DataTable:
    """Open Browse from the deck list, go to the results, and put the cursor on `gid`."""
    await pilot.pause()
    await pilot.press("b")
    await pilot.pause()
    assert isinstance(app.screen, BrowseScreen)
    await pilot.press("enter")  # from the search box to the list
    table = app.screen.query_one("#results", DataTable)
    if gid is not None:
        table.move_cursor(row=table.get_row_index(gid))
    await pilot.pause()
    return table


def _rows(table: DataTable) -> dict[str, list[str]]:
    return {str(key.value): [str(cell) for cell in table.get_row(key)] for key in table.rows}


def _columns(table: DataTable) -> list[str]:
    return [str(column.label) for column in table.columns.values()]


@sync
async def test_browse_lists_due_interval_lapses_and_last_verdict_first(tmp_path: Path) -> None:
    app = _reviewed(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _browse(app, pilot)
        assert _columns(table)[:6] == ["Exercise", "Due", "Ivl", "Lapses", "Last", "State"]
        rows = {gid: row[:6] for gid, row in _rows(table).items()}
    # Due is relative to NOW; the interval runs from the last review to the due date it set.
    assert rows == {
        # Two goods made it a review card, a lapse sent it back, a good set one day from T0+2d20m.
        "sample/stack-card": ["sample/stack-card", "in 20m", "1d", "1", "good", "review"],
        "sample/nll-input": ["sample/nll-input", "now", "10m", "0", "✔ passed", "learning"],
        "sample/mean-of-range": ["sample/mean-of-range", "3d late", "10m", "0", "✔ passed", "learning"],
        "sample/view-shape": ["sample/view-shape", "(new)", "", "0", "", "suspended"],
        "sample/last-forward": ["sample/last-forward", "new", "", "0", "", "new"],
        "sample/einsum-trace": ["sample/einsum-trace", "new", "", "0", "", "new"],
        "sample/mse-by-hand": ["sample/mse-by-hand", "2d late", "10m", "0", "✔ passed", "learning"],
    }


@sync
async def test_the_preview_shows_the_selected_prompt(tmp_path: Path) -> None:
    app = _reviewed(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _browse(app, pilot, "sample/view-shape")
        preview = app.screen.query_one("#preview")
        assert preview.display and preview.region.height >= 2  # the title, then the prompt
        assert "Shape after view" in str(app.screen.query_one("#preview-title", Static).render())
        assert "x.view(3, -1).shape" in app.screen.query_one("#preview-prompt", Markdown).source
        await pilot.press("up")
        await pilot.pause()
        assert "Mean of a range" in str(app.screen.query_one("#preview-title", Static).render())


LONG = "deck: autograd-pitfalls\nexercises:\n  - id: which-inplace-breaks-backward\n    kind: card\n    title: t\n"


@sync
async def test_at_80x24_the_schedule_is_in_view_even_beside_a_long_exercise_id(tmp_path: Path) -> None:
    app = _reviewed(tmp_path)
    (tmp_path / "quizzes" / "long.yaml").write_text(LONG + "    prompt: p\n    back: b\n")
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _browse(app, pilot, "autograd-pitfalls/which-inplace-breaks-backward")
        assert not app.screen.query_one("#preview").display  # the list needs every line
        assert (
            table.get_row("autograd-pitfalls/which-inplace-breaks-backward")[0]
            == "aut…/which-inplace-breaks-backward"
        )
        assert _in_view(table)[:5] == ["Exercise", "Due", "Ivl", "Lapses", "Last"]


def _in_view(table: DataTable) -> list[str]:
    """The columns that fit in the table's width without scrolling sideways."""
    columns = list(table.columns.values())
    ends = accumulate(column.get_render_width(table) for column in columns)
    width = table.scrollable_content_region.width
    return [str(column.label) for column, end in zip(columns, ends, strict=True) if end <= width]


@sync
async def test_history_lists_each_review_with_its_verdict_rating_interval_and_answer(tmp_path: Path) -> None:
    app = _reviewed(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _browse(app, pilot, "sample/mse-by-hand")
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        history = app.screen.query_one("#history", DataTable)
        assert _columns(history) == ["When", "Verdict", "Rating", "Interval", "Time", "Answer"]
        assert [[str(c) for c in history.get_row_at(i)] for i in range(history.row_count)] == [
            [
                "2027-01-02 12:00",
                "✘ failed",
                "again",
                "1m",
                "2.3m",
                "def mse(a, b): ↵ return (a - b).abs().mean()",
            ],
            [
                "2027-01-02 12:02",
                "✔ passed",
                "hard",
                "6m",
                "1.6m",
                "def mse(a, b): ↵ d = a - b ↵ return (d ** 2).me…",
            ],
            [
                "2027-01-02 12:20",
                "✔ passed",
                "good",
                "10m",
                "30s",
                "def mse(a, b): ↵ d = a - b ↵ return (d ** 2).me…",
            ],
        ]
        card = str(app.screen.query_one("#history-card", Static).render())
        assert "learning · due 2d late · interval 10m · 3 reviews · 0 lapses" in card
        # The latest review is selected; its answer is shown in full below, as typed.
        details = str(app.screen.query_one("#history-details", Static).render())
        assert "1 submit, rated good, took 30s" in details and "    return (d ** 2).mean()" in details
        await pilot.press("up")
        await pilot.pause()
        details = str(app.screen.query_one("#history-details", Static).render())
        assert "2 submits, 1 hint, rated hard, took 1.6m" in details
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)


@sync
async def test_history_shows_a_choice_by_the_numbers_the_learner_saw(tmp_path: Path) -> None:
    app = _reviewed(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _browse(app, pilot, "sample/nll-input")
        await pilot.press("h")
        await pilot.pause()
        history = app.screen.query_one("#history", DataTable)
        assert [str(c) for c in history.get_row_at(0)] == [
            "2027-01-04 11:00", "✔ passed", "good", "10m", "6s", "2. log-probabilities"
        ]  # fmt: skip


@sync
async def test_history_of_an_exercise_never_reviewed_says_so(tmp_path: Path) -> None:
    app = _reviewed(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _browse(app, pilot, "sample/einsum-trace")
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        assert app.screen.query_one("#history", DataTable).row_count == 0
        assert "Not reviewed yet" in str(app.screen.query_one("#history-details", Static).render())


@sync
async def test_reset_from_browse_asks_first_then_makes_the_card_new_and_keeps_its_history(
    tmp_path: Path,
) -> None:
    app = _reviewed(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _browse(app, pilot, "sample/stack-card")
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # Cancel has the focus: Enter by habit changes nothing
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        assert app.study.card_info("sample/stack-card")["state"] == "review"
        await pilot.press("R", "y")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        assert _rows(table)["sample/stack-card"][:6] == ["sample/stack-card", "new", "", "0", "good", "new"]
        await pilot.press("h")
        await pilot.pause()
        history = app.screen.query_one("#history", DataTable)
        assert [str(history.get_row_at(i)[2]) for i in range(history.row_count)] == [
            "good", "good", "again", "good", ""
        ]  # fmt: skip
        assert [str(c) for c in history.get_row_at(4)][:2] == ["2027-01-04 12:00", "reset"]
    with _study(tmp_path) as study:
        info = study.card_info("sample/stack-card")
        assert (info["state"], info["reps"], info["lapses"], info["last_review"]) == ("new", 0, 0, None)
        assert [past.kind for past in study.history("sample/stack-card")] == ["review"] * 4 + ["reset"]
        assert "sample/stack-card" in [item.gid for item in study.queue(NOW) if item.state == "new"]


@sync
async def test_r_typed_in_the_search_box_is_a_letter_not_a_reset(tmp_path: Path) -> None:
    app = _reviewed(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("R", "h")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        assert app.screen.query_one("#search", Input).value == "Rh"
        assert app.study.card_info("sample/stack-card")["state"] == "review"


@sync
async def test_suspend_and_unsuspend_from_browse(tmp_path: Path) -> None:
    app = _reviewed(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _browse(app, pilot, "sample/stack-card")
        await pilot.press("f4")
        await pilot.pause()
        assert _rows(table)["sample/stack-card"][1:6] == ["(in 20m)", "1d", "1", "good", "suspended"]
        assert app.study.card_info("sample/stack-card")["suspended"]
        await pilot.press("f4")
        await pilot.pause()
        assert _rows(table)["sample/stack-card"][5] == "review"
        assert not app.study.card_info("sample/stack-card")["suspended"]


@sync
async def test_browse_shows_what_changed_when_it_comes_back_from_practice(tmp_path: Path) -> None:
    app = _reviewed(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _browse(app, pilot, "sample/einsum-trace")
        # Practised and rated meanwhile, as Review records it.
        app.study.record("sample/einsum-trace", Attempt(PASSED, answer="ii->"), "good", NOW)
        await pilot.press("h", "escape")
        await pilot.pause()
        assert _rows(table)["sample/einsum-trace"][1:6] == ["in 10m", "10m", "0", "✔ passed", "learning"]


def test_history_keeps_the_order_things_were_done_in_and_forgets_what_was_undone(tmp_path: Path) -> None:
    quizzes = copy_sample(tmp_path / "quizzes")
    with Study(load_library([quizzes]), tmp_path / "td.db", NOW) as study:
        study.record("sample/stack-card", CARD, "good", NOW)
        study.reset("sample/stack-card", NOW)  # the same instant, as under a fixed clock
        study.record("sample/stack-card", CARD, "again", NOW)
        history = study.history("sample/stack-card")
        assert [(past.kind, past.rating) for past in history] == [
            ("review", "good"),
            ("reset", None),
            ("review", "again"),
        ]
        study.undo(NOW)
        study.undo(NOW)
        assert [(past.kind, past.rating) for past in study.history("sample/stack-card")] == [
            ("review", "good")
        ]


def test_a_long_exercise_id_gives_way_in_its_deck_name_only() -> None:
    assert cells.exercise("sample/stack-card", 34) == "sample/stack-card"
    assert (
        cells.exercise("autograd-pitfalls/which-inplace-breaks-backward", 34)
        == "aut…/which-inplace-breaks-backward"
    )
    assert cells.exercise("autograd-pitfalls/retain-graph", 34) == "autograd-pitfalls/retain-graph"
    assert cells.exercise("autograd-pitfalls/retain-graph", 20) == "autogr…/retain-graph"


def test_an_answer_is_shown_on_one_line_and_cut_with_an_ellipsis() -> None:
    assert cells.one_line("def f():\n\n    return 1\n") == "def f(): ↵ return 1"
    assert cells.one_line("x" * 60, width=10) == "x" * 9 + "…"


# --- how it looks ------------------------------------------------------------------------------


def _to(gid: str, *keys: str):
    async def run_before(pilot) -> None:
        await _browse(pilot.app, pilot, gid)
        await pilot.press(*keys)
        await pilot.pause()

    return run_before


def test_browse_at_80x24(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(_reviewed(tmp_path), terminal_size=(80, 24), run_before=_to("sample/mse-by-hand"))


def test_browse_at_120x40(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(_reviewed(tmp_path), terminal_size=(120, 40), run_before=_to("sample/mse-by-hand"))


def test_history_at_80x24(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(
        _reviewed(tmp_path), terminal_size=(80, 24), run_before=_to("sample/mse-by-hand", "h")
    )


def test_history_at_120x40(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(
        _reviewed(tmp_path), terminal_size=(120, 40), run_before=_to("sample/mse-by-hand", "h")
    )
