"""Shared pieces of the tests: the sample deck, a fixed clock, a fake grader.

The fake stands in for the grader service at the system's edge, so that most TUI tests run
in milliseconds; tests/test_tui_grading.py drives the real GraderClient.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.engine.verdict import Verdict

# The contract's public sample deck (one exercise of every kind) when the shared folder is beside the
# checkout; a copy of it in fixtures/ otherwise (a fresh clone, CI). The one place its path is worked out.
_SHARED = Path(__file__).resolve().parents[2] / "shared" / "contract" / "sample.yaml"
SAMPLE = _SHARED if _SHARED.exists() else Path(__file__).resolve().parent / "fixtures" / "sample.yaml"
NOW = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
SIZE = (110, 36)

# Right answers for the fake grader; anything else fails.
RIGHT = {
    "sample/nll-input": [1],
    "sample/mean-of-range": "2.0",
    "sample/view-shape": "(3, 4)",
    "sample/last-forward": "output[:, -1, :H]",
    "sample/einsum-trace": ["ii->"],
}
HINT = "hints:\n      - Square the difference first.\n      - Then take the mean.\n    "


def copy_sample(directory: Path, *, with_hints: bool = True) -> Path:
    """A quizzes directory holding the contract's sample deck, the code exercise given hints."""
    directory.mkdir(parents=True, exist_ok=True)
    text = SAMPLE.read_text()
    if with_hints:
        text = text.replace("    starter: |", f"    {HINT}starter: |", 1)
    (directory / "sample.yaml").write_text(text)
    return directory


def clock() -> datetime:
    return NOW


class FakeGrader:
    """Answers like the grader service would, from a table of right answers; never imports torch."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.state = "ready"
        self.device = "cpu"
        self.error: str | None = None
        self.on_state: Any = None
        self.calls: list[tuple[str, Any]] = []
        self.fail_with = fail_with

    def start(self) -> None:
        pass

    def wait_ready(self, timeout: float) -> bool:
        return True

    def grade(self, gid: str, answer: Any, variant: int | None = None) -> Verdict:
        self.calls.append((gid, answer))
        if self.fail_with is not None:
            raise self.fail_with
        if gid == "sample/mse-by-hand":
            ok = "**" in answer or "pow" in answer
            feedback = (
                ""
                if ok
                else (
                    "trial 1 (N=2): observation 'loss' differs\n"
                    "  expected tensor(0.8123), got None\n  dtype: float32 vs NoneType"
                )
            )
            return Verdict(
                "passed" if ok else "failed",
                1.0 if ok else 0.0,
                feedback,
                stdout="" if ok else "debug: a.shape = torch.Size([2])\n",
                duration_ms=42.0,
                trials=3,
                passed_trials=3 if ok else 0,
            )
        ok = answer == RIGHT.get(gid)
        return Verdict(
            "passed" if ok else "failed",
            float(ok),
            "" if ok else "not the expected value",
            duration_ms=3.0,
            trials=1,
            passed_trials=int(ok),
        )

    def reload(self) -> None:
        pass

    def close(self) -> None:
        self.state = "stopped"


def sync(test: Any) -> Any:
    """Run an async test with asyncio.run: the suite has no async pytest plugin."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(test(*args, **kwargs))

    return run


# -- driving the app as a learner (Pilot) -----------------------------------------------------------
async def settle(app, pilot) -> None:
    """Until the grading worker is done and its message handled."""
    await app.workers.wait_for_complete()
    await pilot.pause()


async def practise(app, pilot, gid: str):
    """Open one exercise out of schedule, as Browse does: quicker than rating our way to it."""
    from tui.screens.review import ReviewScreen

    await pilot.pause()
    app.push_screen(ReviewScreen(entry=app.library.get(gid)))
    await pilot.pause()
    return app.screen


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(c, c) for c in text])


def graded_rows(db: Path) -> int:
    """How many grades a batch run kept in its gradebook (0 before it has one)."""
    import sqlite3

    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT count(*) FROM batch_grades").fetchone()[0]
    except sqlite3.Error:
        return 0
