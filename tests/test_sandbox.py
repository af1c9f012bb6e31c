"""The sandbox's own life cycle: it leaves nothing behind and survives its zygote dying."""

from __future__ import annotations

import glob
import os
import signal
import tempfile
import time

from grader.deck.loader import load_library
from grader.engine.grader import Grader

HONEST = "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"


def _sandbox_dirs() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "torchdrill-sandbox-*")))


def test_closing_the_grader_removes_its_sandbox_directory(sample_quizzes) -> None:
    with Grader(load_library([sample_quizzes]), "cpu") as grader:
        assert grader.grade("sample/mse-by-hand", HONEST).status == "passed"
        root = grader.sandbox._root
        # The next spare's folder appears once the zygote has forked it, off the verdict's clock.
        deadline = time.monotonic() + 10
        while not os.listdir(root) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert root in _sandbox_dirs() and os.listdir(root)
    assert not os.path.exists(root)


def test_a_killed_zygote_is_restarted_and_grading_goes_on(sample_quizzes) -> None:
    with Grader(load_library([sample_quizzes]), "cpu") as grader:
        assert grader.grade("sample/mse-by-hand", HONEST).status == "passed"
        os.kill(grader.sandbox.proc.pid, signal.SIGKILL)
        grader.sandbox.proc.wait()
        assert grader.grade("sample/mse-by-hand", HONEST).status == "passed"
