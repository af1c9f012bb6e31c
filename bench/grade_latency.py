"""Warm per-grade latency of a small `code` exercise vs a cold `python -c "import torch; ..."`.

Both measured here, side by side, in one run: prints both medians and the ratio.
Usage: .venv/bin/python bench/grade_latency.py [--n 60] [--cold 5] [--device cpu|cuda]

With --device cuda it also prints the time from starting the grader to the first CUDA grade
(each spare child creates its CUDA context while it waits), and the GPU memory one spare holds.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "sample.yaml"
ANSWER = "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"
COLD = (
    "import torch\ndef mse(a, b):\n    return ((a - b) ** 2).mean()\n"
    "for n in (2, 5, 9):\n    a, b = torch.randn(n), torch.randn(n)\n    mse(a, b)\n"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--cold", type=int, default=5)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    from grader.deck.loader import load_library
    from grader.engine.grader import Grader

    quizzes = Path(tempfile.mkdtemp())
    shutil.copy(SAMPLE, quizzes / "sample.yaml")
    launched = time.perf_counter()
    with Grader(load_library([quizzes]), args.device) as grader:
        grader.start()
        first = grader.grade("sample/mse-by-hand", ANSWER)
        if args.device == "cuda":
            print(
                f"launch to the first CUDA grade: {(time.perf_counter() - launched) * 1000:.0f} ms ({first.status})"
            )
            print(f"GPU memory in use with the grader and its spares: {_gpu_memory_mib()}")
        for _ in range(3):
            assert grader.grade("sample/mse-by-hand", ANSWER).status == "passed"
        warm = []
        for _ in range(args.n):
            started = time.perf_counter()
            verdict = grader.grade("sample/mse-by-hand", ANSWER)
            warm.append((time.perf_counter() - started) * 1000)
            assert verdict.passed
            time.sleep(0.05)  # a learner does not submit back to back; lets the spare be forked
    cold = []
    for _ in range(args.cold):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", COLD], check=True)
        cold.append((time.perf_counter() - started) * 1000)
    w, c = statistics.median(warm), statistics.median(cold)
    print(
        f"warm grade on {args.device} (3 seeded trials + 1 hidden, sandboxed, compared): median {w:.1f} ms  p90 {sorted(warm)[int(0.9 * len(warm))]:.1f} ms"
        f"  (n={len(warm)})"
    )
    print(f"cold python -c 'import torch; ...':          median {c:.1f} ms  (n={len(cold)})")
    print(f"ratio cold / warm: {c / w:.0f}x")


def _gpu_memory_mib() -> str:
    """Per process, from nvidia-smi (a spare's context lives in another process than ours)."""
    try:
        out = subprocess.run(["nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20).stdout  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown ({e})"
    return "; ".join(line.strip() for line in out.splitlines() if line.strip()) or "none reported"


if __name__ == "__main__":
    main()
