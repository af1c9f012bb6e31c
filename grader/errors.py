"""One error type for everything a person must fix in a file: `file:line:col: message`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """A located problem. `line` and `col` are 1-based, as editors count."""

    path: str
    line: int
    col: int
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.path}:{self.line}:{self.col}: {tag}{self.message}"


class UsageError(Exception):
    """Bad usage or unreadable input: the CLI prints the message and exits 2."""
