"""Outcome -> verdict: the one place a verdict on learner code is decided.

Everything here reads what a sandbox child reported, which is untrusted: messages are checked
field by field, observations decoded as data, and the status follows from what the trusted
side saw, never from anything the child claims.
"""

from __future__ import annotations

from typing import Any

from grader.engine.compare import first_difference
from grader.engine.verdict import Verdict
from grader.sandbox import wire
from grader.sandbox.client import RunOutcome

SIGNALS = {4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 24: "SIGXCPU"}


def judge(
    expected: list[list[tuple[str, Any]]],
    outcome: RunOutcome,
    tol: float,
    rtol: float,
    timeout: float,
    visible: int | None = None,
) -> Verdict:
    """The verdict from what the child reported: the first trial that did not pass decides the status.

    Trials past `visible` are hidden (fresh random inputs): their failures say so, without values.
    """
    n = len(expected)
    visible = n if visible is None else visible
    passed = 0
    first: tuple[str, str] | None = None
    stdout = ""
    for index, message in enumerate(outcome.messages):
        status, feedback, out = _trial_status(message, index, expected[index], tol, rtol)
        stdout = stdout or out
        if status == "passed":
            passed += 1
        elif first is None and index >= visible and status == "failed":
            first = (
                status,
                f"the visible trials passed, but a hidden trial with fresh random inputs did not: "
                f"{feedback.split(':')[0]} differs. Does your answer depend on the particular inputs?",
            )
        elif first is None:
            label = (
                f"trial {index + 1} of {visible}"
                if index < visible
                else "the hidden trial (fresh random inputs)"
            )
            first = (status, f"{label}: {feedback}")
    if first is None and len(outcome.messages) < n:
        first = _ended_early(outcome, len(outcome.messages), n, timeout, visible)
    status, feedback = first or (
        "passed",
        f"all {visible} trials passed" + (" (and a hidden one)" if n > visible else ""),
    )
    return Verdict(status, round(passed / n, 4), feedback, stdout=stdout, trials=n, passed_trials=passed)


def _trial_status(
    message: dict[str, Any], index: int, expected: list[tuple[str, Any]], tol: float, rtol: float
) -> tuple[str, str, str]:
    try:
        return _decoded_trial_status(message, index, expected, tol, rtol)
    except (
        wire.WireError,
        TypeError,
        ValueError,
        KeyError,
        AttributeError,
        RuntimeError,
        RecursionError,
    ) as e:
        return "error", f"the sandbox returned unreadable results ({type(e).__name__}: {e})"[:300], ""


def _decoded_trial_status(
    message: dict[str, Any], index: int, expected: list[tuple[str, Any]], tol: float, rtol: float
) -> tuple[str, str, str]:
    try:
        if message.get("trial") != index:
            raise wire.WireError("results arrived out of order")
        stdout = message.get("stdout") or ""
        stdout = stdout[:10_000] if isinstance(stdout, str) else ""
        if message.get("memory") is True:
            return (
                "memory",
                "your code ran out of memory (it tried to allocate more than the sandbox allows)",
                stdout,
            )
        error = message.get("error")
        if error is not None:
            status = (
                "forbidden" if isinstance(error, dict) and error.get("type") == "ForbiddenError" else "error"
            )
            return status, format_error(error), stdout
        raw = message.get("observations")
        if not isinstance(raw, list):
            raise wire.WireError("observations missing")
        got = []
        for pair in raw:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                raise wire.WireError("malformed observation")
            got.append((pair[0], wire.decode(pair[1])))
    except wire.WireError as e:
        return "error", f"the sandbox returned unreadable results ({e})", ""
    difference = first_difference(expected, got, tol, rtol)
    return ("passed", "", stdout) if difference is None else ("failed", difference, stdout)


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
    return message + trace


def _ended_early(outcome: RunOutcome, done: int, n: int, timeout: float, visible: int) -> tuple[str, str]:
    where = f"trial {done + 1} of {visible}" if done < visible else "the hidden trial"
    if outcome.timed_out:
        return (
            "timeout",
            f"{where}: your code ran for more than {timeout:g} s and was stopped (an endless loop?)",
        )
    if outcome.broken:
        return "error", f"{where}: the sandbox returned unreadable results ({outcome.broken})"
    if outcome.signal == 24:
        return "timeout", f"{where}: your code used up its CPU time and was stopped"
    if outcome.signal is not None and not outcome.killed:
        name = SIGNALS.get(outcome.signal, f"signal {outcome.signal}")
        return "error", f"{where}: the program crashed ({name}) before finishing"
    code = outcome.exit_code
    return "error", f"{where}: the program ended before finishing (exit code {code}); an answer must not exit"
