"""Batch throughput: submissions per second for N small `code` submissions (default 2,000), graded by
`run_batch` with 1 and 2 workers (and on a local Dask cluster when `distributed` is installed),
each both as the first release graded (one spare, warmed up, one commit per result) and pipelined
(two spares, no warm-up, grouped commits), next to a naive baseline: one cold
`python -c "import torch; ..."` process per submission.

The baseline is measured on a small sample (--naive-sample, default 12) and extrapolated to N,
because running 2,000 cold processes would take minutes and tell us nothing more.
Figures include starting the workers and their zygotes: that is what a teacher waits for.

    .venv/bin/python bench/batch_throughput.py [--n 2000] [--workers 1 2] [--dask]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.batch.runner import run_batch

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "contract" / "sample.yaml"
RIGHT = "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"
WRONG = "def mse(a, b):\n    return (a - b).abs().mean()\n"
NAIVE = """
import torch
{answer}
torch.manual_seed(0)
for n in (2, 5, 9):
    a, b = torch.randn(n), torch.randn(n)
    assert torch.allclose(mse(a, b), ((a - b) ** 2).mean())
"""


def make_batch(folder: Path, n: int) -> Path:
    path = folder / "subs.jsonl"
    lines = (
        json.dumps(
            {"learner": f"l{i:05d}", "exercise": "sample/mse-by-hand", "answer": RIGHT if i % 4 else WRONG}
        )
        for i in range(n)
    )
    path.write_text("\n".join(lines) + "\n")
    return path


DEVICE = "cpu"


def timed_batch(subs: Path, quizzes: Path, folder: Path, tag: str, **kw) -> float:
    started = time.perf_counter()
    outcome = run_batch(
        subs, quizzes, db=folder / f"{tag}.db", device=DEVICE, echo=lambda *a, **k: None, progress=False, **kw
    )
    elapsed = time.perf_counter() - started
    assert outcome.graded == len(outcome.results), "every submission should have been graded"
    return elapsed


def naive_seconds_each(sample: int) -> float:
    times = []
    for i in range(sample):
        code = NAIVE.format(answer=RIGHT if i % 4 else WRONG)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--naive-sample", type=int, default=12)
    ap.add_argument("--dask", action="store_true", help="also grade on a LocalCluster of 2 worker processes")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = ap.parse_args()
    global DEVICE
    DEVICE = args.device
    print(f"grading on {DEVICE}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        quizzes = folder / "quizzes"
        quizzes.mkdir()
        shutil.copy(SAMPLE, quizzes / "sample.yaml")
        subs = make_batch(folder, args.n)

        naive_each = naive_seconds_each(args.naive_sample)
        naive_rate = 1 / naive_each
        print(
            f"naive baseline: one cold python+torch process per submission: {naive_each * 1000:.0f} ms median "
            f"over {args.naive_sample} runs -> {naive_rate:.2f}/s, {args.n} would take ~{args.n * naive_each:.0f} s "
            f"(extrapolated)"
        )
        rows = []
        for w in args.workers:
            seconds = timed_batch(subs, quizzes, folder, f"u{w}", workers=w, pipelined=False)
            rows.append((f"{w} worker{'s' if w > 1 else ''}, first release", seconds))
            seconds = timed_batch(subs, quizzes, folder, f"w{w}", workers=w)
            rows.append((f"{w} worker{'s' if w > 1 else ''}, pipelined", seconds))
        if args.dask:
            rows.append(("dask LocalCluster (2 procs)", dask_seconds(subs, quizzes, folder)))
        for name, seconds in rows:
            rate = args.n / seconds
            print(
                f"{name:>28}: {args.n} submissions in {seconds:6.1f} s = {rate:7.1f}/s  "
                f"({rate / naive_rate:5.1f}x the naive baseline)"
            )
        local = [row for row in rows if row[0].endswith("pipelined")]
        if len(local) >= 2:
            print(f"scaling {local[-1][0]} vs {local[0][0]}: {local[0][1] / local[-1][1]:.2f}x")
        for (was, before), (now, after) in zip(rows[0::2], rows[1::2], strict=False):
            if now.endswith("pipelined"):
                print(f"{now} vs {was}: {before / after:.2f}x")


def dask_seconds(subs: Path, quizzes: Path, folder: Path) -> float:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        return timed_batch(subs, quizzes, folder, "dask", scheduler=cluster.scheduler_address)


if __name__ == "__main__":
    main()
