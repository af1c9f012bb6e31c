"""The app as a learner drives it: deck list, every kind answered right and wrong, rate, undo.

The grader is a fake (see support.py); the store is the real SQLite file through Study.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest
from support import SIZE, FakeGrader, clock, copy_sample, sync
from support import practise as _practise
from support import settle as _settle
from support import type_text as _type
from textual.widgets import DataTable, Input, TextArea

from grader.deck.loader import load_library
from grader.study import Study
from tui.app import TorchDrillApp
from tui.screens.decks import DecksScreen
from tui.screens.review import ReviewScreen
from tui.widgets.verdict import VerdictView


def _app(tmp_path: Path, grader: FakeGrader | None = None):
    quizzes = copy_sample(tmp_path / "quizzes")
    return TorchDrillApp(quizzes, tmp_path / "td.db", grader or FakeGrader(), clock=clock)


def _study(tmp_path: Path) -> Study:
    return Study(load_library([tmp_path / "quizzes"]), tmp_path / "td.db")


async def _open_deck(app, pilot) -> ReviewScreen:
    await pilot.pause()
    assert isinstance(app.screen, DecksScreen)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, ReviewScreen)
    return app.screen


@sync
async def test_deck_list_shows_counts_total_and_broken_decks(tmp_path: Path) -> None:
    app = _app(tmp_path)
    (tmp_path / "quizzes" / "broken.yaml").write_text("exercises:\n  - id: x\n    kind: card\n    title: t\n")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#decks", DataTable)
        assert table.row_count == 1
        assert [str(c) for c in table.get_row_at(0)[2:]] == ["7", "0", "0"]
        assert "7 new" in str(app.screen.query_one("#today").render())
        problems = str(app.screen.query_one("#problems").render())
        assert "broken.yaml:" in problems
        assert app.sub_title == "grader: ready (cpu)"


@sync
async def test_deck_list_says_where_each_deck_comes_from_when_there_are_several_folders(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    quizzes = copy_sample(tmp_path / "course")
    own = tmp_path / "mine"
    own.mkdir()
    (own / "extra.yaml").write_text(
        "deck: extra\nexercises:\n  - id: x\n    kind: card\n    title: t\n    prompt: p\n    back: b\n"
    )
    app = TorchDrillApp([quizzes, own], tmp_path / "td.db", FakeGrader(), clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#decks", DataTable)
        rows = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[-1]) for i in range(table.row_count)}
        assert rows == {"sample": "~/course", "extra": "~/mine"}
    single = _app(tmp_path / "one")
    async with single.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert len(single.screen.query_one("#decks", DataTable).columns) == 5  # one folder: no column for it


@sync
async def test_card_space_reveals_then_enter_accepts_the_suggestion(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        review = await _open_deck(app, pilot)
        assert review.entry.gid == "sample/stack-card"
        await pilot.press("space")
        await pilot.pause()
        assert review.phase == "rate"
        assert app.focused.id == "rate-good"
        assert "m" in str(app.focused.label) or "d" in str(app.focused.label)  # an interval is shown
        await pilot.press("enter")
        await pilot.pause()
        assert review.entry.gid == "sample/nll-input"
    with _study(tmp_path) as study:
        info = study.card_info("sample/stack-card")
        assert info["reps"] == 1 and info["state"] != "new"


@sync
async def test_every_kind_answered_wrong_then_right_is_recorded(tmp_path: Path) -> None:
    grader = FakeGrader()
    app = _app(tmp_path, grader)
    async with app.run_test(size=SIZE) as pilot:
        review = await _open_deck(app, pilot)
        await pilot.press("space", "3")  # card: good
        await pilot.pause()

        # choice: wrong (option 1), then fixed (toggle 1 off, 2 on) and checked again
        assert review.kind == "choice"
        await pilot.press("1", "ctrl+s")
        await _settle(app, pilot)
        # not passed: the answer keeps the focus, so digits fix it instead of rating
        assert review.verdict.status == "failed" and app.focused.id == "choice-options"
        assert review.query_one("#rate-again").has_class("suggested")
        await pilot.press("1", "2", "ctrl+s")
        await _settle(app, pilot)
        assert review.verdict.passed and review.failed_submits == 1
        assert app.focused.id == "rate-hard"  # passed after a failed try
        await pilot.press("enter")
        await pilot.pause()

        for kind, wrong, right in [
            ("numeric", "3", "2.0"),
            ("predict", "(4, 3)", "(3, 4)"),
            ("expr", "output[:, 0, :H]", "output[:, -1, :H]"),
        ]:
            assert review.kind == kind
            await _type(pilot, wrong)
            await pilot.press("enter")
            await _settle(app, pilot)
            assert review.verdict.status == "failed", kind
            review.query_one(Input).value = right
            review.query_one(Input).focus()
            await pilot.press("enter")
            await _settle(app, pilot)
            assert review.verdict.passed, kind
            await pilot.press("3")
            await pilot.pause()

        assert review.kind == "fill"
        await _type(pilot, "ij->")
        await pilot.press("enter")
        await _settle(app, pilot)
        assert review.verdict.status == "failed"
        blank = review.query_one(".fill-blank", Input)
        blank.value = "ii->"
        blank.focus()
        await pilot.press("enter")
        await _settle(app, pilot)
        assert review.verdict.passed
        await pilot.press("4")
        await pilot.pause()

        assert review.kind == "code"
        editor = review.query_one(TextArea)
        assert editor.text.startswith("def mse(a, b):")
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert review.verdict.status == "failed"
        assert "observation 'loss' differs" in str(review.query_one("#feedback").render())
        editor.text = "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert review.verdict.passed
        await pilot.press("2")
        await pilot.pause()
        assert review.entry is None or review.entry.gid != "sample/mse-by-hand" or review.phase == "answer"

    assert [gid for gid, _ in grader.calls].count("sample/mse-by-hand") == 2
    assert ("sample/einsum-trace", ["ii->"]) in grader.calls
    with _study(tmp_path) as study:
        for entry in study.library.entries:
            assert study.card_info(entry.gid)["reps"] == 1, entry.gid
        assert study.stats(clock()).total_reviews == 7


@sync
async def test_run_tries_code_without_recording(tmp_path: Path) -> None:
    grader = FakeGrader()
    app = _app(tmp_path, grader)
    async with app.run_test(size=SIZE) as pilot:
        review = await _practise(app, pilot, "sample/mse-by-hand")
        await pilot.press("ctrl+r")
        await _settle(app, pilot)
        assert review.submits == 0 and review.phase == "answer"
        assert "trial run" in str(review.query_one("#verdict-line").render())


@sync
async def test_undo_brings_the_card_back_and_restores_the_store(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        review = await _open_deck(app, pilot)
        await pilot.press("space", "3")
        await pilot.pause()
        assert review.entry.gid == "sample/nll-input"
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert review.entry.gid == "sample/stack-card" and review.phase == "answer"
    with _study(tmp_path) as study:
        assert study.card_info("sample/stack-card")["reps"] == 0


@sync
async def test_hints_one_at_a_time_and_giving_up_suggests_again(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        review = await _practise(app, pilot, "sample/mse-by-hand")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert len(review.query(".hint")) == 1
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.pause()
        assert len(review.query(".hint")) == 2 and review.hints_used == 2
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert review.gave_up and app.focused.id == "rate-again"
        assert "return ((a - b) ** 2).mean()" in review.query_one("#solution")._markdown


@sync
async def test_bury_and_suspend_take_the_card_out_of_today(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        review = await _open_deck(app, pilot)
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert review.entry.gid == "sample/nll-input"
        await pilot.press("f4")
        await pilot.pause()
        assert review.entry.gid == "sample/mean-of-range"
        await pilot.press("escape")
        await pilot.pause()
        assert [str(c) for c in app.screen.query_one(DataTable).get_row_at(0)[2:]] == ["5", "0", "0"]
    with _study(tmp_path) as study:
        assert study.card_info("sample/nll-input")["suspended"]
        assert study.card_info("sample/stack-card")["buried_until"] > 0


@sync
async def test_a_grader_failure_shows_a_message_and_the_answer_can_be_retried(tmp_path: Path) -> None:
    grader = FakeGrader(fail_with=RuntimeError("grader service exited"))
    app = _app(tmp_path, grader)
    async with app.run_test(size=SIZE) as pilot:
        review = await _open_deck(app, pilot)
        await pilot.press("space", "3", "2", "ctrl+s")
        await _settle(app, pilot)
        assert review.phase == "answer" and review.submits == 0
        assert "grader service exited" in str(review.query_one("#verdict-line").render())
        assert review.query_one(VerdictView).has_class("-grader-failed")
        grader.fail_with = None
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert review.verdict.passed


@pytest.mark.parametrize(
    "query, expected",
    [
        ("kind:code", ["sample/mse-by-hand"]),
        ("einsum", ["sample/einsum-trace"]),
        ("deck:sample tag:contract kind:card", ["sample/stack-card"]),
    ],
)
@sync
async def test_browse_filters_and_practises_out_of_schedule(tmp_path: Path, query: str, expected) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        app.screen.query_one("#search", Input).value = query
        await pilot.pause()
        table = app.screen.query_one("#results", DataTable)
        assert [table.get_row_at(i)[0] for i in range(table.row_count)] == expected
        await pilot.press("enter", "enter")  # to the results, then open the first
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and app.screen.practice
        assert app.screen.entry.gid == expected[0]


@sync
async def test_settings_are_validated_and_saved(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("comma")
        await pilot.pause()
        app.screen.query_one("#set-desired_retention", Input).value = "1.5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.study.settings().desired_retention == 0.9
        app.screen.query_one("#set-desired_retention", Input).value = "0.85"
        app.screen.query_one("#set-new_per_day", Input).value = "5"
        await pilot.press("ctrl+s")
        await pilot.pause()
    with _study(tmp_path) as study:
        assert study.settings().desired_retention == 0.85 and study.settings().new_per_day == 5


@sync
async def test_escape_in_settings_never_throws_edits_away_silently(tmp_path: Path) -> None:
    from tui.screens.settings import SettingsScreen, UnsavedScreen

    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("comma")
        await pilot.pause()
        await pilot.press("escape")  # nothing edited: straight back
        await pilot.pause()
        assert isinstance(app.screen, DecksScreen)
        await pilot.press("comma")
        await pilot.pause()
        app.screen.query_one("#set-new_per_day", Input).value = "7"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, UnsavedScreen)  # asked, not dropped
        await pilot.press("escape")  # keep editing
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        assert app.screen.query_one("#set-new_per_day", Input).value == "7"
        await pilot.press("escape", "d")  # discard
        await pilot.pause()
        assert isinstance(app.screen, DecksScreen) and app.study.settings().new_per_day == 20
        await pilot.press("comma")
        await pilot.pause()
        app.screen.query_one("#set-new_per_day", Input).value = "abc"
        await pilot.press("escape", "s")  # save, but it does not parse: stay, say why
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one("#set-new_per_day", Input).value = "9"
        await pilot.press("escape", "s")
        await pilot.pause()
        assert isinstance(app.screen, DecksScreen)
    with _study(tmp_path) as study:
        assert study.settings().new_per_day == 9


@sync
async def test_edit_opens_the_editor_and_reloads_the_exercise(tmp_path: Path, monkeypatch) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[-1])\n"
        "p.write_text(p.read_text().replace('cat vs stack', 'cat versus stack'))\n"
    )
    monkeypatch.setenv("VISUAL", f"{sys.executable} {editor}")
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)  # no terminal to hand over in tests
        review = await _open_deck(app, pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert review.entry.exercise.title == "cat versus stack"
        assert "cat versus stack" in str(review.query_one("#card-heading").render())


@sync
async def test_saving_a_deck_reloads_it_and_shows_its_errors(tmp_path: Path) -> None:
    app = _app(tmp_path)
    deck = tmp_path / "quizzes" / "sample.yaml"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        extra = "\n  - {id: added, kind: card, title: Added, prompt: p, back: b}\n"
        deck.write_text(deck.read_text().rstrip("\n") + extra)
        await pilot.pause(1.5)
        assert app.library.get("sample/added") is not None
        assert [str(c) for c in app.screen.query_one("#decks", DataTable).get_row_at(0)[2:]] == [
            "8",
            "0",
            "0",
        ]
        deck.write_text(deck.read_text() + "  - {id: bad, kind: essay}\n")
        await pilot.pause(1.5)
        assert "sample.yaml:" in str(app.screen.query_one("#problems").render())
        assert "essay" in str(app.screen.query_one("#problems").render())


@sync
async def test_theme_and_device_are_saved_and_the_theme_comes_back(tmp_path: Path) -> None:
    from textual.widgets import Select

    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("comma")
        await pilot.pause()
        app.screen.query_one("#set-theme", Select).value = "nord"
        app.screen.query_one("#set-device", Select).value = "cpu"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.theme == "nord"
    with _study(tmp_path) as study:
        assert (study.settings().theme, study.settings().device) == ("nord", "cpu")
    again = _app(tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.theme == "nord"


@sync
async def test_f1_explains_the_study_flow_and_escape_closes_it(tmp_path: Path) -> None:
    from textual.widgets import Markdown

    from tui.screens.help import HelpScreen

    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "How studying works" in app.screen.query_one(Markdown).source
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DecksScreen)


@sync
async def test_a_broken_exercise_records_nothing_and_says_it_could_not_be_graded(tmp_path: Path) -> None:
    from grader.engine.verdict import broken

    class Broken(FakeGrader):
        def grade(self, gid, answer, variant=None):
            return broken("the exercise's reference failed in trial 1: NameError (a bug in the exercise)")

    app = _app(tmp_path, Broken())
    async with app.run_test(size=SIZE) as pilot:
        review = await _practise(app, pilot, "sample/mean-of-range")
        review.practice = False  # graded as a due card would be
        await _type(pilot, "2.0")
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        line = str(review.query_one("#verdict-line").render())
        assert "could not be graded" in line and review.submits == 0 and review.failed_submits == 0
        assert not review.query_one("#ratings").display  # nothing to rate: nothing is recorded
    with _study(tmp_path) as study:
        assert study.store.one("SELECT count(*) AS n FROM reviews")["n"] == 0
