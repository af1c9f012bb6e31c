"""Progress of a batch on stderr: a redrawn bar with rate and ETA on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self, total: int, stream: TextIO | None = None, tty: bool | None = None, every_s: float = 5.0
    ) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every_s = every_s
        self.done = 0
        self.started = time.monotonic()
        self._last = 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.done >= self.total or now - self._last >= (0.1 if self.tty else self.every_s):
            self._last = now
            self._draw(now)

    def close(self) -> None:
        if self.total:
            self._draw(time.monotonic(), final=True)

    def line(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        eta = "?" if left == float("inf") else _clock(left)
        return f"{self.done}/{self.total} graded  {rate:.1f}/s  ETA {eta}"

    def _draw(self, now: float, final: bool = False) -> None:
        if not self.tty:
            if not final or self.done != getattr(self, "_printed", -1):
                self.stream.write(f"grading: {self.line(now)}\n")
                self._printed = self.done
            self.stream.flush()
            return
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        bar = "█" * filled + "·" * (width - filled)
        self.stream.write(f"\r{bar} {self.line(now)}\x1b[K" + ("\n" if final else ""))
        self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
