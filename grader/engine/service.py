"""The trusted grader: loads decks, runs references, compares, decides verdicts.

Learner code never runs here: it goes to a sandbox child. References do run here (authored
code), once per (exercise content, trial, device), and their observations are cached.
Also runnable as `python -m grader.engine.service` for the torch-free client (see client.py).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import torch

from grader.deck.fingerprint import content_hash
from grader.deck.loader import Entry, Library, load_library
from grader.deck.model import Card, Choice, Numeric, Predict
from grader.engine import simple
from grader.engine.answers import AnswerError
from grader.engine.compare import first_difference
from grader.engine.program import Forbidden, Plan, Trial, plan
from grader.engine.verdict import Verdict, invalid
from grader.sandbox import wire
from grader.sandbox.harness import Program, run_trial
from grader.sandbox.runner import RunOutcome, Sandbox

SIGNALS = {4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 24: "SIGXCPU"}


def pick_device(requested: str | None) -> str:
    if requested == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was asked for, but torch sees no CUDA device")
    return requested or ("cuda" if torch.cuda.is_available() else "cpu")


class Grader:
    """Grades answers to the exercises of one library, on one device."""

    def __init__(
        self,
        library: Library,
        device: str | None = None,
        deny: list[Path] | None = None,
        sandbox_settings: dict[str, Any] | None = None,
    ) -> None:
        self.library = library
        self.device = pick_device(device)
        torch.set_num_threads(1)  # the same numerics as the single-threaded children
        roots = {d.path.parent for d in library.decks} | set(deny or [])
        self.sandbox = Sandbox(self.device, deny=sorted(roots), settings=sandbox_settings)
        self._references: OrderedDict[tuple[str, int, str], list[tuple[str, Any]]] = OrderedDict()
        self._truths: OrderedDict[tuple[str, str], Any] = OrderedDict()

    def start(self) -> None:
        if not self.sandbox.alive():
            self.sandbox.start()

    def close(self) -> None:
        self.sandbox.close()

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- grading -------------------------------------------------------------------------------
    def grade(self, gid: str, answer: Any) -> Verdict:
        entry = self.library.get(gid)
        if entry is None:
            return invalid(f"no exercise {gid!r} in the loaded decks")
        return self.grade_entry(entry, answer)

    def grade_entry(self, entry: Entry, answer: Any) -> Verdict:
        started = time.perf_counter()
        verdict = self._grade(entry, answer)
        return Verdict(
            **{**verdict.to_json(), "duration_ms": round((time.perf_counter() - started) * 1000, 2)}
        )

    def _grade(self, entry: Entry, answer: Any) -> Verdict:
        ex = entry.exercise
        try:
            if isinstance(ex, Card):
                return invalid("a card has no answer to grade: turn it and rate how well you recalled it")
            if isinstance(ex, Choice):
                return simple.grade_choice(ex, answer)
            if isinstance(ex, Numeric):
                return simple.grade_numeric(ex, answer, self.truth(entry))
            if isinstance(ex, Predict):
                return simple.grade_predict(ex, answer, self.truth(entry))
            return self._grade_executable(entry, answer)
        except simple.ReferenceError_ as e:
            return Verdict(
                "error", 0.0, f"{e} (this is a bug in the exercise, not in your answer: tell its author)"
            )
        except (RecursionError, MemoryError):
            return invalid("the answer is too deeply nested or too large to read")
        except Exception as e:  # noqa: BLE001 - one answer must never take the grader down
            return Verdict(
                "error",
                0.0,
                f"the grader could not grade this answer ({type(e).__name__}: {e}); please report it",
            )

    def truth(self, entry: Entry) -> Any:
        key = (entry.gid, content_hash(entry.exercise))
        if key not in self._truths:
            self._truths[key] = simple.truth(entry.exercise, self.device)
            _trim(self._truths)
        return self._truths[key]

    def _grade_executable(self, entry: Entry, answer: Any) -> Verdict:
        ex = entry.exercise
        try:
            p = plan(entry.gid, ex, answer, self.device)
        except AnswerError as e:
            return invalid(str(e))
        except Forbidden as e:
            return Verdict("forbidden", 0.0, "\n".join(u.message() for u in e.uses))
        version = content_hash(ex)
        expected = [self.reference(version, p, trial) for trial in p.trials]
        outcome = self.sandbox.run(_job(p), len(p.trials), ex.timeout)
        return judge(expected, outcome, ex.tolerance, ex.rtol, ex.timeout, visible=p.visible)

    def reference(self, version: str, p: Plan, trial: Trial) -> list[tuple[str, Any]]:
        """The reference's observations for `trial`, cached by (exercise content, trial, device)."""
        key = (version, trial.index, self.device)
        if trial.hidden or key not in self._references:
            observations = run_reference(p.reference, trial)
            if trial.hidden:
                return observations
            self._references[key] = observations
            _trim(self._references)
        return self._references[key]


def run_reference(program: Program, trial: Trial) -> list[tuple[str, Any]]:
    """One trial of authored code, here in the trusted grader; raises ReferenceError_ if it fails."""
    result = run_trial(program, trial.params, trial.seed)
    _restore_globals()
    if result.error or result.memory:
        detail = result.error["message"] if result.error else "it ran out of memory"
        raise simple.ReferenceError_(f"the exercise's reference failed in trial {trial.index + 1}: {detail}")
    return [(n, wire.decode(v)) for n, v in result.observations]


def _job(p: Plan) -> dict[str, Any]:
    return {
        "setup": p.learner.setup,
        "answer": p.learner.answer,
        "check": p.learner.check,
        "mode": p.learner.mode,
        "forbid": list(p.learner.forbid),
        "trials": [{"seed": t.seed, "params": t.params} for t in p.trials],
    }


def _restore_globals() -> None:
    """Authored code may change torch's global state; the next reference must not inherit it."""
    torch.set_default_dtype(torch.float32)
    torch.set_printoptions(profile="default")
    torch.set_grad_enabled(True)


def _trim(cache: OrderedDict, size: int = 4096) -> None:
    while len(cache) > size:
        cache.popitem(last=False)


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


# -- the service process, for the torch-free client ---------------------------------------------
def serve(quizzes: Path, device: str | None, stdin: Any, stdout: Any) -> None:
    """JSON lines in, JSON lines out. Requests carry an `id`; the answer echoes it."""
    import json

    def say(message: dict[str, Any]) -> None:
        stdout.write(json.dumps(message) + "\n")
        stdout.flush()

    try:
        grader = Grader(load_library([quizzes]), device)
        grader.start()
    except Exception as e:  # noqa: BLE001 - reported to the UI, which shows it and carries on
        say({"failed": f"{type(e).__name__}: {e}"})
        return
    say({"ready": {"device": grader.device, "protections": grader.sandbox.protections}})
    with grader:
        for line in stdin:
            request: Any = None
            try:
                request = json.loads(line)
                op = request.get("op")
                if op == "grade":
                    verdict = grader.grade(str(request["gid"]), request.get("answer"))
                    say({"id": request.get("id"), "verdict": verdict.to_json()})
                elif op == "reload":
                    grader.library = load_library([quizzes])
                    say({"id": request.get("id"), "reloaded": len(grader.library.entries)})
                else:
                    say({"id": request.get("id"), "error": f"unknown op {op!r}"})
            except Exception as e:  # noqa: BLE001 - one bad request must not end the service
                say(
                    {
                        "id": request.get("id") if isinstance(request, dict) else None,
                        "error": f"{type(e).__name__}: {e}",
                    }
                )


def main() -> None:
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="torchdrill's grader service (started by the app)")
    parser.add_argument("--quizzes", type=Path, required=True)
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    serve(args.quizzes, args.device, sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
