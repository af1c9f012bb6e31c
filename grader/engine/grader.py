"""The trusted grader: dispatches an answer by kind, runs references (cached), and hands
executable answers to the sandbox; judge.py turns what comes back into the verdict.

Learner code never runs here: it goes to a sandbox child. References do run here (authored
code), once per (exercise content, trial, device), and their observations are cached.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from grader.deck import variants
from grader.deck.fingerprint import content_hash
from grader.deck.loader import Entry, Library, load_library
from grader.deck.model import Card, Choice, Numeric, Predict
from grader.engine import behaviour, by_value, mistakes
from grader.engine.answers import AnswerError
from grader.engine.judge import judge, observations_of
from grader.engine.program import Forbidden, Plan, Trial, plan
from grader.engine.reference import ReferenceFailed, run_reference, truth
from grader.engine.verdict import Verdict, broken, invalid
from grader.sandbox.client import Sandbox, SandboxError
from grader.sandbox.harness import cuda_numerics


def pick_device(requested: str | None) -> str:
    if requested == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was asked for, but torch sees no CUDA device")
    device = requested or ("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda"):
        cuda_numerics()  # references computed with the numerics the children use
    return device


class Grader:
    """Grades answers to the exercises of one library, on one device. In-process (it imports torch);
    satisfies engine.protocol.GraderHandle, as the app's torch-free GraderClient does.

    `sources` are the deck paths the library came from, read again by `reload()`. `spares`: children
    forked ahead; one serves a learner, two keep a batch's next child forking while one grades.
    `warm`: each spare runs a throw-away trial while it waits (lower latency, more CPU).
    """

    def __init__(
        self,
        library: Library,
        device: str | None = None,
        deny: list[Path] | None = None,
        sandbox_settings: dict[str, Any] | None = None,
        sources: list[Path] | None = None,
        spares: int | None = None,
        warm: bool = True,
    ) -> None:
        self.library = library
        self.sources = list(sources or [])
        self.device: str = pick_device(device)
        self.state = "stopped"
        self.error: str | None = None
        self.on_state: Callable[[str], Any] | None = None
        torch.set_num_threads(1)  # the same numerics as the single-threaded children
        # Absolute: the zygote runs from / and must not read a relative path against it.
        roots = {d.path.parent.resolve() for d in library.decks} | {Path(p).resolve() for p in deny or []}
        self.sandbox = Sandbox(
            self.device, deny=sorted(roots), settings=sandbox_settings, spares=spares, warm=warm
        )
        self._references: OrderedDict[tuple[str, int, str], list[tuple[str, Any]]] = OrderedDict()
        self._truths: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._mistakes = mistakes.ExecutableMistakes(self.device)

    def start(self) -> None:
        if not self.sandbox.alive():
            self.sandbox.start()
        self._set_state("ready")

    def wait_ready(self, timeout: float) -> bool:
        """Starting in-process is synchronous: after start() the grader is ready or has raised."""
        return self.state == "ready" and self.sandbox.alive()

    def reload(self) -> None:
        if self.sources:
            self.library = load_library(self.sources)

    def close(self) -> None:
        self.sandbox.close()
        self._set_state("stopped")

    def _set_state(self, state: str) -> None:
        self.state = state
        if self.on_state is not None:
            self.on_state(state)

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- grading -------------------------------------------------------------------------------
    def grade(self, gid: str, answer: Any, variant: int | None = None) -> Verdict:
        entry = self.library.get(gid)
        if entry is None:
            return invalid(f"no exercise {gid!r} in the loaded decks")
        return self.grade_entry(entry, answer, variant)

    def grade_entry(self, entry: Entry, answer: Any, variant: int | None = None) -> Verdict:
        """The verdict on `answer`; for an exercise with `{param}` placeholders, to the draw
        `variant` (0 when not given), which then stands for the exercise everywhere below."""
        if variants.has_variants(entry.exercise):
            entry = replace(entry, exercise=variants.instantiate(entry.exercise, entry.gid, variant or 0))
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
            if isinstance(ex, Choice | Numeric | Predict):
                return self._grade_by_value(entry, answer)
            return self._grade_executable(entry, answer)
        except ReferenceFailed as e:
            return broken(f"{e} (a bug in the exercise, not in your answer: tell its author)")
        except SandboxError as e:
            return broken(f"the sandbox failed ({e})")
        except (RecursionError, MemoryError):
            return invalid("the answer is too deeply nested or too large to read")
        except Exception as e:  # noqa: BLE001 - one answer must never take the grader down
            return broken(f"the grader failed ({type(e).__name__}: {e}); please report it")

    def _grade_by_value(self, entry: Entry, answer: Any) -> Verdict:
        ex = entry.exercise
        if isinstance(ex, Choice):
            verdict = by_value.grade_choice(ex, answer)
        elif isinstance(ex, Numeric):
            verdict = by_value.grade_numeric(ex, answer, self.truth(entry))
        else:
            verdict = by_value.grade_predict(ex, answer, self.truth(entry))
        if verdict.status != "failed":
            return verdict
        return _naming(_behaved(verdict, behaviour.of_value(ex, answer)), mistakes.by_value(ex, answer))

    def truth(self, entry: Entry) -> Any:
        key = (entry.gid, content_hash(entry.exercise))
        if key not in self._truths:
            self._truths[key] = truth(entry.exercise, self.device)
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
        expected: list[list[tuple[str, Any]]] = []

        def references() -> None:  # while the child runs the answer
            expected.extend(self.reference(version, p, trial) for trial in p.trials)

        outcome = self.sandbox.run(_job(p), len(p.trials), ex.timeout, meanwhile=references)
        verdict = judge(
            expected, outcome, ex.tolerance, ex.rtol, ex.timeout, visible=p.visible, forbid=ex.forbid
        )
        if verdict.status in ("passed", "broken"):
            return verdict
        verdict = _behaved(verdict, behaviour.of_run(outcome, p.visible, ex.tolerance, ex.rtol))
        if verdict.status != "failed" or not mistakes.wrong_with_feedback(ex):
            return verdict
        return _naming(verdict, self._mistakes.match(entry.gid, version, ex, p, observations_of(outcome)))

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


def _behaved(verdict: Verdict, prints: list[str | None] | None) -> Verdict:
    """A wrong verdict with what the answer did (behaviour.py), so that a batch can group answers alike."""
    if prints is None:
        return verdict
    return replace(verdict, details={**verdict.details, "behaviour": prints})


def _naming(verdict: Verdict, mistake: tuple[int, str] | None) -> Verdict:
    """The verdict with a known misconception's explanation added, when the answer behaved like one."""
    if mistake is None:
        return verdict
    index, feedback = mistake
    details = {**verdict.details, "known_mistake": index}
    return replace(
        verdict, feedback=f"{verdict.feedback}\n\nA known mistake: {feedback.strip()}", details=details
    )


def _job(p: Plan) -> dict[str, Any]:
    return {
        "setup": p.learner.setup,
        "answer": p.learner.answer,
        "check": p.learner.check,
        "mode": p.learner.mode,
        "forbid": list(p.learner.forbid),
        "trials": [{"seed": t.seed, "params": t.params} for t in p.trials],
    }


def _trim(cache: OrderedDict, size: int = 4096) -> None:
    while len(cache) > size:
        cache.popitem(last=False)
