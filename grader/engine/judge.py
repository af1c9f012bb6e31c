"""Outcome -> verdict: the one place a verdict on learner code is decided.

Everything here reads what a sandbox child reported, which is untrusted: messages are checked
field by field, observations decoded as data, and the status follows from what the trusted
side saw, never from anything the child claims.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from grader.engine.compare import first_difference
from grader.engine.verdict import Verdict
from grader.sandbox import wire
from grader.sandbox.client import RunOutcome
from grader.sandbox.harness import PREDEFINED

SIGNALS = {4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 24: "SIGXCPU"}


def judge(
    expected: list[list[tuple[str, Any]]],
    outcome: RunOutcome,
    tol: float,
    rtol: float,
    timeout: float,
    visible: int | None = None,
    forbid: tuple[str, ...] | list[str] = (),
) -> Verdict:
    """The verdict from what the child reported: the first trial that did not pass decides the status.

    Trials past `visible` are hidden (fresh random inputs): their failures say so, without values.
    Header and body count the same trials: all of them, the hidden ones included.
    """
    n = len(expected)
    visible = n if visible is None else visible
    passed = 0
    first: tuple[str, str] | None = None
    stdout = ""
    for index, message in enumerate(outcome.messages):
        status, feedback, out = _trial_status(message, index, expected[index], tol, rtol, forbid)
        stdout = stdout or out
        if status == "passed":
            passed += 1
        elif first is None and index >= visible and status == "failed":
            first = (
                status,
                f"trial {index + 1} of {n}, the hidden trial with fresh random inputs, failed: "
                f"{feedback.split(':')[0]} differs. Does your answer depend on the particular inputs?",
            )
        elif first is None:
            label = f"trial {index + 1} of {n}" + (
                "" if index < visible else " (the hidden one, fresh random inputs)"
            )
            first = (status, f"{label}: {feedback}")
    if first is None and len(outcome.messages) < n:
        first = _ended_early(outcome, len(outcome.messages), n, timeout, visible)
    hidden = n - visible
    status, feedback = first or (
        "passed",
        f"all {n} trials passed"
        + (f" ({hidden} of them hidden, with fresh random inputs)" if hidden else ""),
    )
    return Verdict(status, round(passed / n, 4), feedback, stdout=stdout, trials=n, passed_trials=passed)


def _trial_status(
    message: dict[str, Any],
    index: int,
    expected: list[tuple[str, Any]],
    tol: float,
    rtol: float,
    forbid: tuple[str, ...] | list[str],
) -> tuple[str, str, str]:
    """A child's message is untrusted: what it cannot mean is the learner's error; what we cannot
    compare is the grader's (broken)."""
    try:
        got, stdout, early = _read_message(message, index, forbid)
    except (wire.WireError, TypeError, ValueError, KeyError, AttributeError, RecursionError) as e:
        return (
            "error",
            f"your program sent back results that cannot be read ({type(e).__name__}: {e})"[:300],
            "",
        )
    if early is not None:
        return (*early, stdout)
    try:
        difference = first_difference(expected, got, tol, rtol)
    except Exception as e:  # noqa: BLE001 - a gap in our comparison is never the learner's fault
        return (
            "broken",
            f"the grader could not compare the results ({type(e).__name__}: {e}); please report it",
            "",
        )
    return ("passed", "", stdout) if difference is None else ("failed", difference, stdout)


def _read_message(
    message: dict[str, Any], index: int, forbid: tuple[str, ...] | list[str]
) -> tuple[list[tuple[str, Any]], str, tuple[str, str] | None]:
    """(observations, stdout, a status and feedback when the trial ended in an error)."""
    if type(message) is not dict or message.get("trial") != index:
        raise wire.WireError("results arrived out of order")
    stdout = message.get("stdout") or ""
    stdout = stdout[:10_000] if isinstance(stdout, str) else ""
    if message.get("memory") is True:
        return (
            [],
            stdout,
            ("memory", "your code ran out of memory (it tried to allocate more than the sandbox allows)"),
        )
    error = message.get("error")
    if error is not None:
        return [], stdout, (_error_status(error, forbid), format_error(error))
    raw = message.get("observations")
    if not isinstance(raw, list):
        raise wire.WireError("observations missing")
    got = []
    for pair in raw:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            raise wire.WireError("malformed observation")
        got.append((pair[0], wire.decode(pair[1])))
    return got, stdout, None


def observations_of(outcome: RunOutcome) -> list[list[tuple[str, Any]] | None]:
    """Each reported trial's observations, decoded; None for a trial that ended in an error."""
    out: list[list[tuple[str, Any]] | None] = []
    for index, message in enumerate(outcome.messages):
        try:
            got, _, early = _read_message(message, index, ())
        except (wire.WireError, TypeError, ValueError, KeyError, AttributeError, RecursionError):
            got, early = [], ("error", "")
        out.append(None if early is not None else got)
    return out


def _error_status(error: Any, forbid: tuple[str, ...] | list[str]) -> str:
    """`forbidden` only for the runtime guard's own error naming one of this exercise's forbid entries:
    a learner's class that happens to be called ForbiddenError is an error like any other."""
    named = error.get("forbidden") if isinstance(error, dict) else None
    return "forbidden" if isinstance(named, str) and named in forbid else "error"


def format_error(error: Any) -> str:
    if not isinstance(error, dict):
        return "your code raised an error"
    message = str(error.get("message", "an error"))[:2000]
    lines = []
    frames = error.get("frames")
    for fr in frames if isinstance(frames, list) else []:
        if isinstance(fr, dict):
            lines.append(f"  line {fr.get('line')}, in {fr.get('function')}: {str(fr.get('text', ''))[:200]}")
    where = str(error.get("where", ""))
    trace = (
        ("\nTraceback (your lines):\n" + "\n".join(lines[-8:]))
        if lines
        else (f" (in {where})" if where else "")
    )
    return message + trace + _names_hint(error, message)


def _names_hint(error: dict[str, Any], message: str) -> str:
    """For a NameError: the names this exercise gives the learner, and the closest to the one missed."""
    names = error.get("names")
    if error.get("type") != "NameError" or not isinstance(names, list):
        return ""
    names = [n for n in names if isinstance(n, str)][:40]
    missing = re.search(r"name '(\w+)' is not defined", message)
    close = difflib.get_close_matches(missing.group(1), names + list(PREDEFINED), n=1) if missing else []
    mean = f" Did you mean {close[0]}?" if close else ""
    given = ", ".join(names) if names else "none besides the predefined ones"
    return f"\n{mean.strip()} Names you can use here: {given}; and {', '.join(PREDEFINED)}.".replace(
        "\n ", "\n"
    )


def _ended_early(outcome: RunOutcome, done: int, n: int, timeout: float, visible: int) -> tuple[str, str]:
    where = f"trial {done + 1} of {n}" + ("" if done < visible else " (the hidden trial)")
    if outcome.oom:
        return (
            "memory",
            f"{where}: your code ran out of memory (all its processes together used more than the sandbox allows)",
        )
    if outcome.timed_out:
        return (
            "timeout",
            f"{where}: your code ran for more than {timeout:g} s and was stopped (an endless loop?)",
        )
    if outcome.broken:
        return "error", f"{where}: your program sent back results that cannot be read ({outcome.broken})"
    if outcome.signal == 24:
        return "timeout", f"{where}: your code used up its CPU time and was stopped"
    if outcome.signal is not None and not outcome.killed:
        name = SIGNALS.get(outcome.signal, f"signal {outcome.signal}")
        return "error", f"{where}: the program crashed ({name}) before finishing"
    code = outcome.exit_code
    return "error", f"{where}: the program ended before finishing (exit code {code}); an answer must not exit"
