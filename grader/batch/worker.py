"""What runs in each grading process: one warm Grader (and so one sandbox zygote) per process.

Workers are started with the "spawn" context, never forked: the parent may have imported
torch (or CUDA), and a fork of that is not safe. Each worker loads the decks itself.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

_grader: Any = None


def init_worker(quizzes: list[str], device: str | None, pipelined: bool = True) -> None:
    """Process initializer: build this process's Grader; Ctrl-C is the parent's to handle."""
    global _grader
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from grader.deck.loader import load_library
    from grader.engine.grader import Grader

    # Pipelined: two spares, so the zygote forks and confines the next child while this one grades,
    # and no warm-up trial, which buys a learner latency with CPU that a batch needs for throughput.
    spares, warm = (2, False) if pipelined else (1, True)
    _grader = Grader(load_library([Path(q) for q in quizzes]), device, spares=spares, warm=warm)
    atexit.register(_grader.close)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A parent killed with SIGKILL cannot stop its workers: they notice, and take their zygotes down."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)  # closes the zygote's socket: it sees EOF and shuts down with its children


def grade_one(gid: str, answer: Any, variant: int | None = None) -> tuple[dict[str, Any], bool]:
    return keepable_verdict(_grader, gid, answer, variant)


def keepable_verdict(
    grader: Any, gid: str, answer: Any, variant: int | None = None
) -> tuple[dict[str, Any], bool]:
    """(the verdict as JSON, whether the gradebook may keep it): a `broken` verdict is the grader's
    fault, so a re-run grades that answer again. Shared by local workers and Dask workers."""
    from grader.engine.verdict import broken

    try:
        verdict = grader.grade(gid, answer, variant)
    except Exception as e:  # noqa: BLE001 - a broken sandbox must not end the batch
        verdict = broken(f"the grader itself failed on this answer ({type(e).__name__}: {e})")
    return verdict.to_json(), not verdict.broken
