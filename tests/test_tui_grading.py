"""The app with the real grader service: a wrong and a right code answer, graded by torch."""

from __future__ import annotations

from pathlib import Path

from support import SIZE, clock, copy_sample, sync
from textual.widgets import TextArea

from tui.app import TorchDrillApp


@sync
async def test_code_answers_are_graded_by_the_real_service(tmp_path: Path) -> None:
    app = TorchDrillApp(copy_sample(tmp_path / "quizzes"), tmp_path / "td.db", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        review = app.screen
        while review.kind != "code":
            await pilot.press("space" if review.kind == "card" else "ctrl+g", "4")
            await pilot.pause()
        await pilot.press("ctrl+s")  # the starter, `...`, returns None
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert review.verdict.status == "failed", review.verdict
        assert app.grader_state == "ready" and app.grader_label().startswith("grader: ready (")
        review.query_one(TextArea).text = "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"
        review.answer_widget.focus_answer()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert review.verdict.passed, review.verdict.feedback
        assert app.focused.id == "rate-hard"
        await pilot.press("enter")
        await pilot.pause()
    with app.study.__class__(app.library, tmp_path / "td.db") as study:
        assert study.card_info("sample/mse-by-hand")["reps"] == 1
