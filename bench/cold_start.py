"""Cold start: from launching `torchdrill` to its deck list being interactive.

Side by side with `python -c "import textual"` (and `from textual.app import App`), measured in
the same run. The app runs headless with the real grader client starting in the background,
as it does for a learner. Prints medians and ratios; the target is <= 0.6 s.

    .venv/bin/python bench/cold_start.py [--runs 7] [--quizzes quizzes]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import sys, time
from pathlib import Path
from tui.app import TorchDrillApp

async def ready(pilot):
    from tui.screens.decks import DecksScreen
    while not isinstance(pilot.app.screen, DecksScreen):
        await pilot.pause()
    await pilot.pause()  # one full refresh: the table is drawn and takes keys
    print(time.time(), flush=True)
    pilot.app.exit()

TorchDrillApp(Path(sys.argv[1]), Path(sys.argv[2])).run(headless=True, size=(100, 30), auto_pilot=ready)
"""


def time_to_print(args: list[str]) -> float:
    """Seconds from launching the process to the timestamp it prints."""
    start = time.time()
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[0]) - start


def time_to_exit(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quizzes", type=Path, default=Path("quizzes"))
    opts = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        subprocess.run(
            [py, "-c", CHILD, str(opts.quizzes), str(db)], capture_output=True, check=True
        )  # warm caches
        rows = {
            'python -c "import textual"': [
                time_to_exit([py, "-c", "import textual"]) for _ in range(opts.runs)
            ],
            "from textual.app import App": [
                time_to_exit([py, "-c", "from textual.app import App"]) for _ in range(opts.runs)
            ],
            "torchdrill to deck list": [
                time_to_print([py, "-c", CHILD, str(opts.quizzes), str(db)]) for _ in range(opts.runs)
            ],
        }
    base = statistics.median(rows['python -c "import textual"'])
    print(f"{'':32} {'median':>8} {'min':>8} {'ratio':>7}   ({opts.runs} runs, {opts.quizzes})")
    for name, times in rows.items():
        median = statistics.median(times)
        print(f"{name:32} {median:8.3f} {min(times):8.3f} {median / base:7.2f}x")
    app = statistics.median(rows["torchdrill to deck list"])
    print(f"target <= 0.600 s: {'met' if app <= 0.6 else 'NOT met'} ({app:.3f} s)")


if __name__ == "__main__":
    main()
