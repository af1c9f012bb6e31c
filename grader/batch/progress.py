"""Progress of a batch on stderr: rich's bar (rate and ETA) on a terminal; off a terminal (a log,
CI), a plain line every few seconds, since a redrawn bar would be noise there."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress
from rich.text import Text


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.1f}/s" if task.speed else "?/s", style="progress.data.speed")


class Progress:
    def __init__(
        self, total: int, stream: TextIO | None = None, tty: bool | None = None, every_s: float = 5.0
    ) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.done = 0
        self.every_s = every_s
        self.started = self._last = time.monotonic()
        self._bar: RichProgress | None = None
        if (self.stream.isatty() if tty is None else tty) and total:
            console = Console(file=self.stream)
            self._bar = RichProgress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), _Rate(),
                                     TextColumn("ETA"), TimeRemainingColumn(), console=console)  # fmt: skip
            self._task = self._bar.add_task("grading", total=total)
            self._bar.start()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.advance(self._task, n)
        elif time.monotonic() - self._last >= self.every_s:
            self._line()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self.total:
            self._line()

    def _line(self) -> None:
        now = time.monotonic()
        self._last = now
        rate = self.done / max(now - self.started, 1e-9)
        eta = _clock((self.total - self.done) / rate) if rate > 0 else "?"
        self.stream.write(f"grading: {self.done}/{self.total} graded  {rate:.1f}/s  ETA {eta}\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    minutes, s = divmod(int(seconds + 0.5), 60)
    h, m = divmod(minutes, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
