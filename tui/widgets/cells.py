"""How a card's schedule and its reviews read in a table cell: due, interval, verdict, rating,
the answer on one line. Pure functions over grader's data, shared by Browse and a card's history."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text

from grader.srs.scheduler import label
from tui.widgets.verdict import ICONS

if TYPE_CHECKING:
    from grader.srs.queue import Schedule
    from grader.srs.review_log import Past

RATING_STYLE = {"again": "bold red", "hard": "yellow", "good": "green", "easy": "cyan"}
ANSWER_WIDTH = 48


def due(schedule: Schedule, now: datetime) -> Text:
    """`new`, `now`, `in 3d`, or `2d late`; in parentheses when suspended, since it will not come."""
    if schedule.state == "new":
        text, style = "new", "blue"
    elif schedule.due > now:
        text, style = f"in {label(schedule.due - now)}", ""
    elif now - schedule.due < timedelta(days=1):
        text, style = "now", "bold green"
    else:
        text, style = f"{label(now - schedule.due)} late", "bold green"
    if schedule.suspended:
        return Text(f"({text})", style="dim", justify="right")
    return Text(text, style=style, justify="right")


def interval(schedule: Schedule) -> Text:
    """From the last review to the due date; blank for a card never reviewed (or reset)."""
    return Text(label(schedule.interval) if schedule.interval is not None else "", justify="right")


def lapses(schedule: Schedule) -> Text:
    if schedule.leech:
        return Text(f"{schedule.lapses} leech", style="bold red", justify="right")
    return Text(str(schedule.lapses), style="" if schedule.lapses else "dim", justify="right")


def state(schedule: Schedule | None) -> str:
    """The state Browse lists and filters on (`state:`): suspended wins over the schedule's state."""
    if schedule is None:
        return "?"
    return "suspended" if schedule.suspended else schedule.state


def verdict(past: Past) -> Text:
    """What the grader said; a reset says so; a flashcard has no verdict, only its rating."""
    if past.kind == "reset":
        return Text("reset", style="italic")
    if past.status is None:
        return Text("gave up", style="yellow") if past.gave_up else Text("—", style="dim")
    style = "green" if past.status == "passed" else "red"
    return Text(f"{ICONS.get(past.status, '•')} {past.status}", style=style)


def rating(name: str | None) -> Text:
    return Text(name or "", style=RATING_STYLE.get(name or "", ""))


def last(past: Past | None) -> Text:
    """Browse's "Last" column: the latest verdict, or for a flashcard the latest rating."""
    if past is None:
        return Text("")
    if past.status is None and not past.gave_up:
        return rating(past.rating)
    return verdict(past)


def when(moment: datetime) -> str:
    """The learner's local time, to the minute."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def duration(seconds: float | None) -> str:
    """How long the answer took; unknown (a review from the command line) is a dash."""
    if seconds is None:
        return "—"
    return f"{seconds:.0f}s" if seconds < 60 else f"{seconds / 60:.1f}m"


def answer(text: str, exercise: Any) -> str:
    """The answer as the learner saw it: a choice's options by their 1-based numbers and text (the
    log keeps 0-based indices, as `[1]` from the command line or `1 | 2` from the app)."""
    if exercise.kind != "choice":
        return text
    picked = [int(n) for n in re.findall(r"\d+", text)]
    if not picked or any(n >= len(exercise.options) for n in picked):
        return text
    return ", ".join(f"{n + 1}. {exercise.options[n]}" for n in picked)


def one_line(text: str, width: int = ANSWER_WIDTH) -> str:
    """A multi-line answer on one line, ↵ between its lines, cut to `width` with an ellipsis."""
    joined = " ↵ ".join(line.strip() for line in text.splitlines() if line.strip())
    return joined if len(joined) <= width else joined[: width - 1] + "…"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def exercise(gid: str, width: int) -> str:
    """The exercise's id in at most `width` characters: a long deck name gives way (`autograd-p…/retain-graph`),
    the exercise's own name never does."""
    if len(gid) <= width:
        return gid
    deck, _, name = gid.partition("/")
    keep = max(width - len(name) - 2, 0)
    return f"{deck[:keep]}…/{name}"
