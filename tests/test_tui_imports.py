"""The UI process never imports torch, numpy or sqlite-utils: the grader service (a subprocess)
imports torch, and only the batch gradebook needs sqlite-utils (which pulls numpy in)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import copy_sample

ROOT = Path(__file__).resolve().parent.parent

DRIVE_TO_DECK_LIST = """
import asyncio, sys
from pathlib import Path
from tui.app import TorchDrillApp
from tui.screens.decks import DecksScreen

async def main():
    app = TorchDrillApp(Path(sys.argv[1]), Path(sys.argv[2]))  # the real GraderClient, started in the background
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DecksScreen), app.screen
        await pilot.press("down", "b", "escape", "s", "escape")
        await pilot.pause()
        leaked = sorted(m for m in ("torch", "numpy", "sqlite_utils") if m in sys.modules)
        print("LEAKED", leaked)

asyncio.run(main())
"""


def test_driving_the_app_to_its_deck_list_never_imports_torch(tmp_path: Path) -> None:
    quizzes = copy_sample(tmp_path / "quizzes")
    out = subprocess.run(
        [sys.executable, "-c", DRIVE_TO_DECK_LIST, str(quizzes), str(tmp_path / "td.db")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "LEAKED []" in out.stdout
