"""Grading on a Dask distributed cluster (`--scheduler tcp://host:8786`).

The decks travel with the work (scattered once to every worker), so workers need torchdrill and
torch but no shared file system. Each worker process builds one Grader, and so one zygote, the
first time it grades and keeps it; a lock keeps its sandbox to one answer at a time even when the
worker runs several threads. Verdicts come back to the `grade` process, which records them.
"""

from __future__ import annotations

import atexit
import hashlib
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from grader.batch.worker import keepable_verdict
from grader.errors import UsageError

CONNECT_TIMEOUT = "10s"  # how long to wait for a scheduler that does not answer
_lock = threading.Lock()
_graders: dict[tuple[str, str | None], Any] = {}


def grade_on_cluster(
    tasks: Iterable[tuple], quizzes: list[Path], scheduler: str, device: str | None, window: int = 2000
) -> Iterator[tuple]:
    """Yield (key, verdict, ok) for each task as the cluster finishes it (any order)."""
    try:
        from distributed import Client, as_completed
    except ImportError as e:
        raise UsageError('--scheduler needs Dask distributed: pip install "dask[distributed]"') from e
    decks = read_decks(quizzes)
    digest = hashlib.sha256(repr(sorted(decks.items())).encode()).hexdigest()[:16]
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as e:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from e
    try:
        shipped = client.scatter(decks, broadcast=True, hash=False)
        todo = iter(tasks)
        running = as_completed()
        for _ in range(window):
            if not _submit_next(client, running, todo, shipped, digest, device):
                break
        for future in running:
            key, verdict, ok = _result(future, scheduler)
            yield tuple(key), verdict, ok
            _submit_next(client, running, todo, shipped, digest, device)
    finally:
        client.close()


def _submit_next(
    client: Any, running: Any, todo: Iterator[tuple], shipped: Any, digest: str, device: str | None
) -> bool:
    task = next(todo, None)
    if task is None:
        return False
    key, gid, answer, variant = task
    running.add(
        client.submit(grade_remote, list(key), gid, answer, shipped, digest, device, variant, pure=False)
    )
    return True


def _result(future: Any, scheduler: str) -> tuple:
    try:
        return future.result()
    except Exception as e:  # noqa: BLE001 - a worker-side failure (no CUDA there, no torchdrill) ends the run
        raise UsageError(f"the cluster at {scheduler} could not grade: {type(e).__name__}: {e}") from e


def read_decks(quizzes: list[Path]) -> dict[str, str]:
    """Every deck file under each folder, by `<folder number>/<path relative to it>` (as the loader
    finds them; the number keeps two folders' files apart)."""
    decks = {}
    for number, root in enumerate(quizzes):
        files = [root] if root.is_file() else sorted(root.rglob("*.yaml"))
        base = root.parent if root.is_file() else root
        decks.update({f"{number}/{f.relative_to(base)}": f.read_text(encoding="utf-8") for f in files})
    return decks


def grade_remote(
    key: list[str],
    gid: str,
    answer: Any,
    decks: dict[str, str],
    digest: str,
    device: str | None,
    variant: int | None = None,
) -> tuple[list[str], dict[str, Any], bool]:
    """Runs on a Dask worker: grade one answer with this process's Grader for these decks."""
    with _lock:
        grader = _grader_for(decks, digest, device)
        verdict, keep = keepable_verdict(grader, gid, answer, variant)
        return key, verdict, keep


def _grader_for(decks: dict[str, str], digest: str, device: str | None) -> Any:
    if (digest, device) not in _graders:
        from grader.deck.loader import load_library
        from grader.engine.grader import Grader

        folder = Path(tempfile.mkdtemp(prefix=f"torchdrill-decks-{digest}-"))
        for name, text in decks.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
        grader = Grader(load_library([folder]), device)
        atexit.register(grader.close)
        _graders[(digest, device)] = grader
    return _graders[(digest, device)]
