"""How the screens look: deck list, a code review after a failed submit, the stats screen.

Fixed clock, fixed terminal size, fake grader (its verdict is fixed), real store.
Update with `pytest tests/test_tui_snapshots.py --snapshot-update` after a deliberate change.
"""

from __future__ import annotations

from pathlib import Path

from support import SIZE, FakeGrader, clock, copy_sample
from textual.widgets import TextArea

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


def test_stats(snap_compare, tmp_path: Path) -> None:
    async def review_then_stats(pilot) -> None:
        app = pilot.app
        await _grader_ready(pilot)
        await pilot.press("enter")
        for rating in ("3", "1", "3", "3"):
            await pilot.press("space" if app.screen.kind == "card" else "ctrl+g", rating)
            await pilot.pause()
        await pilot.press("escape", "s")
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=review_then_stats)
