"""`torchdrill grade`: read a batch, grade what the gradebook lacks in parallel, report in input order.

The parent never imports torch: it reads, deduplicates, looks up the gradebook, hands answers to
worker processes (each with its own warm Grader and zygote) and commits each verdict as it
arrives. A re-run, or a run after an interruption, grades only what is not yet recorded.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from grader.batch.gradebook import Gradebook, Key
from grader.batch.groups import add_mistakes, group_mistakes, mistakes_text
from grader.batch.progress import Progress
from grader.batch.reader import Submission, read_submissions
from grader.batch.report import format_for, write_report
from grader.batch.result import Result, summarize, summary_table
from grader.deck.fingerprint import content_hash
from grader.deck.loader import Library, load_library
from grader.errors import UsageError
from grader.paths import as_roots

Echo = Callable[..., Any]
# (key, exercise id, answer) in; (key, verdict as JSON, whether it may be recorded) out
Task = tuple[Key, str, Any, int | None]  # (gradebook key, exercise, answer, variant)
Done = tuple[Key, dict[str, Any], bool]


@dataclass
class BatchOutcome:
    results: list[Result]
    summary: dict[str, Any]
    graded: int = 0  # distinct answers graded in this run
    reused: int = 0  # distinct answers read back from the gradebook
    outputs: list[tuple[Path, str]] = field(default_factory=list)


def run_batch(
    submissions: Path,
    quizzes: Path | Sequence[Path],
    *,
    out: Path | Sequence[Path] | None = None,
    workers: int | None = None,
    device: str | None = None,
    echo: Echo = print,
    db: Path | None = None,
    regrade: bool = False,
    formats: Sequence[str] = (),
    scheduler: str | None = None,
    progress: bool | None = None,
    pipelined: bool = True,
) -> BatchOutcome:
    """Grade a JSONL file or directory layout; write each `out` (format by `formats` or extension).

    `pipelined=False` grades as the first release did (one spare child warmed up per grade, one
    commit per result): bench/batch_throughput.py prints both side by side."""
    outputs = _outputs(out, formats)
    if scheduler and workers:
        print("note: --workers is ignored with --scheduler: the cluster's workers grade", file=sys.stderr)
    roots = as_roots(quizzes)
    library = load_library(roots)
    subs = read_submissions(submissions, library)
    versions = _versions(library, subs)
    book = Gradebook(db, group=pipelined) if db is not None else None
    tasks: list[Task] = []
    try:
        known = book.lookup({s.key for s in subs if s.key}, versions) if book and not regrade else {}
        tasks, verdicts = _plan(subs, known)

        def record(done: Done) -> None:
            key, verdict, ok = done
            verdicts[key] = verdict
            if book is not None and ok:
                book.record(key, versions[key[1]], verdict)

        bar = Progress(len(tasks), tty=progress)
        try:
            for done in _grade(tasks, roots, workers, device, scheduler, pipelined):
                record(done)
                bar.advance()
        finally:
            bar.close()
    except KeyboardInterrupt:
        if book is not None:
            book.close()
            print(f"interrupted: {book.kept} of the {len(tasks)} grade(s) this run had to make are kept in "
                  f"{db}; run the same command again to grade the rest", file=sys.stderr)  # fmt: skip
            book = None
        raise
    finally:
        if book is not None:
            book.close()
    results = [_result(s, verdicts, known) for s in subs]
    summary = summarize(results)
    add_mistakes(summary, group_mistakes(subs, verdicts, library))
    for path, fmt in outputs:
        write_report(path, fmt, results, summary)
    echo(summary_table(summary) + mistakes_text(summary))
    echo(
        f"graded {len(tasks)} distinct answers; {len(known)} already in the gradebook"
        + "".join(f"; wrote {p} ({f})" for p, f in outputs)
    )
    return BatchOutcome(results, summary, len(tasks), len(known), outputs)


def _outputs(out: Path | Sequence[Path] | None, formats: Sequence[str]) -> list[tuple[Path, str]]:
    paths = [] if out is None else [out] if isinstance(out, Path) else list(out)
    if len(formats) > len(paths):
        raise UsageError("each --format needs an --out to write it to")
    return [(p, format_for(p, formats[i] if i < len(formats) else None)) for i, p in enumerate(paths)]


def _versions(library: Library, subs: list[Submission]) -> dict[str, str]:
    """gid -> fingerprint of the exercise's content: a stored grade counts only for the same exercise."""
    versions = {}
    for gid in {s.exercise for s in subs if s.key}:
        entry = library.get(gid)
        versions[gid] = content_hash(entry.exercise)
    return versions


def _plan(
    subs: list[Submission], known: dict[Key, dict[str, Any]]
) -> tuple[list[Task], dict[Key, dict[str, Any]]]:
    """The distinct answers still to grade, in input order, and the verdicts already at hand."""
    verdicts: dict[Key, dict[str, Any]] = dict(known)
    tasks: dict[Key, Task] = {}
    for s in subs:
        if s.key and s.key not in verdicts and s.key not in tasks:
            tasks[s.key] = (s.key, s.exercise, s.answer, s.variant)
    return list(tasks.values()), verdicts


def _result(sub: Submission, verdicts: dict[Key, dict[str, Any]], known: dict[Key, Any]) -> Result:
    if sub.key is None:
        return Result.invalid(sub)
    return Result.from_verdict(sub, verdicts[sub.key], cached=sub.key in known)


def _grade(
    tasks: list[Task],
    quizzes: list[Path],
    workers: int | None,
    device: str | None,
    scheduler: str | None,
    pipelined: bool = True,
) -> Iterator[Done]:
    if not tasks:
        return iter(())
    if scheduler:
        from grader.batch.distributed import grade_on_cluster

        return grade_on_cluster(tasks, quizzes, scheduler, device)
    if device == "cuda":
        _require_cuda()
    n = min(workers or os.cpu_count() or 1, len(tasks))
    return grade_locally(tasks, quizzes, n, device, pipelined)


def grade_locally(
    tasks: Iterable[Task], quizzes: list[Path], workers: int, device: str | None, pipelined: bool = True
) -> Iterator[Done]:
    """Grade on `workers` spawned processes, yielding each verdict as soon as it is ready (any order)."""
    from grader.batch.worker import grade_one, init_worker

    pool = ProcessPoolExecutor(
        workers,
        mp_context=get_context("spawn"),
        initializer=init_worker,
        initargs=([str(q.resolve()) for q in quizzes], device, pipelined),
    )
    window = workers * 4  # enough to keep every worker busy; bounded, so millions of tasks fit in memory
    pending: dict[Future, Key] = {}
    todo = iter(tasks)
    try:
        while True:
            for key, gid, answer, variant in todo:
                pending[pool.submit(grade_one, gid, answer, variant)] = key
                if len(pending) >= window:
                    break
            if not pending:
                break
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                verdict, ok = future.result()
                yield pending.pop(future), verdict, ok
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Interrupted: cancel what has not started and stop the workers (their zygotes follow)."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(5)


def _require_cuda() -> None:
    import torch

    if not torch.cuda.is_available():
        raise UsageError("--device cuda was asked for, but torch sees no CUDA device: use --device cpu")
