"""How the screens look: the deck list and a review of each kind after grading, at the default
terminal (80×24) and a larger one (120×40); a code review after a failed submit. The stats screen's
are in test_tui_stats.py, on a year of simulated study.

Fixed clock, fixed terminal size, fake grader (its verdict is fixed), real store.
Update with `pytest tests/test_tui_snapshots.py --snapshot-update` after a deliberate change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import SIZE, FakeGrader, clock, copy_sample
from textual.widgets import Input, TextArea

from tui.app import TorchDrillApp


async def _grader_ready(pilot) -> None:
    while pilot.app.grader_state != "ready":
        await pilot.pause(0.01)
    await pilot.pause()


def _app(tmp_path: Path):
    quizzes = copy_sample(tmp_path / "quizzes")
    return TorchDrillApp(quizzes, tmp_path / "td.db", FakeGrader(), clock=clock)


def test_deck_list(snap_compare, tmp_path: Path, monkeypatch) -> None:
    (copy_sample(tmp_path / "quizzes") / "broken.yaml").write_text("deck: broken\nexercises: [1]\n")
    monkeypatch.chdir(tmp_path)  # problems are named as the learner named the directory: quizzes/...
    app = TorchDrillApp(Path("quizzes"), Path("td.db"), FakeGrader(), clock=clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=_grader_ready)


SIZES = [(80, 24), (120, 40)]
# A wrong answer per kind (the fake grader fails anything but its right answers); a card is turned.
WRONG = {"choice": ["1"], "numeric": "3", "predict": "(4, 3)", "expr": "output[:, 0, :H]", "fill": "ij->"}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_deck_list_at(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=_grader_ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kind", ["card", "choice", "numeric", "predict", "expr", "fill", "code"])
def test_review_after_grading(snap_compare, tmp_path: Path, kind: str, size: tuple[int, int]) -> None:
    async def graded(pilot) -> None:
        app = pilot.app
        await _grader_ready(pilot)
        await pilot.press("enter")
        while app.screen.kind != kind:  # through the session, as a learner would
            await pilot.press("space" if app.screen.kind == "card" else "ctrl+g", "3")
            await pilot.pause()
        if kind == "card":
            await pilot.press("space")
        else:
            answer = WRONG.get(kind)
            if isinstance(answer, list):
                await pilot.press(*answer)
            elif answer is not None:
                app.screen.query(Input).first().value = answer
            await pilot.press("ctrl+s")
            await app.workers.wait_for_complete()
            while app.screen.phase == "grading":
                await pilot.pause(0.01)
        for editor in app.screen.query(TextArea):
            editor.cursor_blink = False
        for line in app.screen.query(Input):
            line.cursor_blink = False
        app.clear_notifications()  # a toast's lifetime is wall-clock time: under load it may be gone
        if kind == "code":  # the editor's cursor and highlighting are drawn on timers: settle them
            app.screen.set_focus(None)
            await pilot.pause(0.3)
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=graded)


def test_code_review_after_a_failed_submit(snap_compare, tmp_path: Path) -> None:
    async def to_failed_code(pilot) -> None:
        app = pilot.app
        await _grader_ready(pilot)
        await pilot.press("enter")
        while app.screen.kind != "code":
            await pilot.press("space" if app.screen.kind == "card" else "ctrl+g", "4")
            await pilot.pause()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        while app.screen.phase == "grading":  # the verdict's message is handled, not only sent
            await pilot.pause(0.01)
        for editor in app.screen.query(TextArea):
            editor.cursor_blink = False  # a blinking cursor is drawn or not depending on timing
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=(110, 48), run_before=to_failed_code)
