"""Authoring checks behind `torchdrill validate`: schema and ids, then every reference against
its own checks and an obviously wrong answer against them, each problem as `file:line:col`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from grader.deck import variants
from grader.deck.loader import Entry, load_library
from grader.deck.model import Card, Choice, Code, CodeSyntaxError, Expr, Fill, Numeric, Predict, check_syntax
from grader.errors import Problem

TODO = "TODO"  # what `torchdrill new` leaves where the author has to write


def _weak() -> Any:
    from grader.authoring import weak as module  # imports torch: only when code is run

    return module


def _reference() -> Any:
    from grader.engine import reference as module  # imports torch: only when code is run

    return module


def run_validate(
    paths: list[Path], *, device: str | None = None, run_code: bool = True, echo: Callable[..., None] = print
) -> int:
    """Print one line per problem; return the exit status (1 when any error was found)."""
    library = load_library(paths)
    problems = list(library.problems)
    if run_code and library.entries:
        problems += check_references(library.entries, library, device)
    for p in sorted(problems, key=lambda p: (p.path, p.line, p.col)):
        echo(str(p))
    errors = sum(p.severity == "error" for p in problems)
    exercises = len(library.entries)
    summary = f"{len(library.decks)} deck(s), {exercises} exercise(s): " + (
        f"{errors} problem(s)" if errors else "all good"
    )
    echo(summary, err=True)
    return 1 if errors else 0


def check_references(entries: list[Entry], library: Any, device: str | None) -> list[Problem]:
    from grader.engine.grader import Grader

    problems: list[Problem] = []
    with Grader(library, device) as grader:
        for entry in entries:
            problems += check_entry(grader, entry)
    return problems


def check_entry(grader: Any, entry: Entry) -> list[Problem]:
    """The reference passes; a wrong answer (starter, empty, off by a lot) does not; the checks
    could fail; trials differ; forbid names exist. Missing hints and the like are warnings.
    An exercise with `{param}` placeholders is checked in variants that draw every value."""
    if not variants.has_variants(entry.exercise):
        return _check_one(grader, entry)
    found: list[Problem] = []
    for variant in variants.covering(entry.exercise, entry.gid):
        one = replace(entry, exercise=variants.instantiate(entry.exercise, entry.gid, variant))
        for problem in _check_one(grader, one):
            message = problem.message.replace(f"{entry.gid}: ", f"{entry.gid} (variant {variant}): ", 1)
            if all(p.message.split("): ", 1)[-1] != message.split("): ", 1)[-1] for p in found):
                found.append(replace(problem, message=message))
    return found


def _check_one(grader: Any, entry: Entry) -> list[Problem]:
    ex = entry.exercise

    def at(message: str, severity: str = "error") -> Problem:
        return Problem(str(entry.path), entry.line, 5, f"{entry.gid}: {message}", severity)

    problems = [at(w, "warning") for w in _weak().missing_teaching(ex)]
    problems += unfinished(entry) + starter_problems(entry)
    if isinstance(ex, Card):
        return problems
    weak: list[str] = []
    if isinstance(ex, Expr | Fill | Code):
        problems += [at(m) for m in _weak().unresolved_forbids(ex)]
        try:
            weak = _weak().weaknesses(entry.gid, ex, grader.device)
        except Exception:  # noqa: BLE001 - the grade below reports the same failure, located
            weak = []
        if any("not deterministic" in w for w in weak):
            return [*problems, *(at(w) for w in weak)]
    try:
        answer = reference_answer(grader, entry)
    except _reference().ReferenceFailed as e:  # numeric and predict compute their truth here
        return [*problems, reference_problem(entry, e)]
    right = grader.grade_entry(entry, answer)
    failed = _reference().failure_of(entry.gid, ex, grader.device) if right.status == "broken" else None
    if failed is not None:
        return [*problems, reference_problem(entry, failed)]
    if right.status != "passed":
        why = right.feedback.split(" (a bug in the exercise")[0]
        return [*problems, at(f"the reference solution does not pass its own checks ({right.status}): {why}")]
    problems += [at(w) for w in weak]
    problems += check_examples(grader, entry)
    for label, wrong in wrong_answers(grader, entry):
        verdict = grader.grade_entry(entry, wrong)
        if verdict.status == "passed":
            problems.append(
                at(f"{label} passes ({str(wrong)[:50]!r}): the check cannot tell right from wrong")
            )
    return [Problem(p.path, p.line, p.col, _one_line(p.message), p.severity) for p in problems]


def reference_problem(entry: Entry, e: Any) -> Problem:
    """A reference that raises, at the file's line and column of the authored code that raised."""
    where = e.where
    line, col = entry.place(where.field, where.line, where.col) if where else entry.mark("solution")
    part = f"its {where.field}" if where else "its solution"
    message = (
        f"{entry.gid}: the exercise's own code fails in {part}: {e.error}; fix it: the reference must run, "
        "for every trial's params, before any answer can be graded"
    )
    return Problem(str(entry.path), line, col, _one_line(message))


def starter_problems(entry: Entry) -> list[Problem]:
    """A starter that does not parse: every learner would begin from a syntax error."""
    ex = entry.exercise
    if not isinstance(ex, Code) or not ex.starter.strip():
        return []
    try:
        check_syntax(ex.starter, "exec", "starter")
    except CodeSyntaxError as e:
        line, col = entry.place("starter", e.line, e.col)
        message = (
            f"{entry.gid}: the starter is not valid Python: {e.reason}; learners would start from a "
            "syntax error: make it parse (a function whose body is `...` does)"
        )
        return [Problem(str(entry.path), line, col, message, "warning")]
    return []


def unfinished(entry: Entry) -> list[Problem]:
    """Text that `torchdrill new` left for the author to write, still there."""
    ex = entry.exercise
    texts = {"title": ex.title, "prompt": ex.prompt, "back": getattr(ex, "back", "")}
    texts |= {"options": " ".join(getattr(ex, "options", []))}
    return [
        Problem(
            str(entry.path),
            *entry.mark(name),
            f"{entry.gid}: {name}: the skeleton's {TODO} is still there; write it before learners see it",
            "warning",
        )
        for name, text in texts.items()
        if TODO in text
    ]


def check_examples(grader: Any, entry: Entry) -> list[Problem]:
    """Every example graded: the verdict it states, and a wrong one's feedback shown when it is made."""
    problems = []
    for index, example in enumerate(entry.exercise.examples):
        found = _example_problem(grader, entry, index, example)
        if found is not None:
            line, col = entry.mark(f"examples.{index}")
            message, severity = found
            problems.append(
                Problem(str(entry.path), line, col, f"{entry.gid}: example {index + 1} {message}", severity)
            )
    return problems


def _example_problem(grader: Any, entry: Entry, index: int, example: Any) -> tuple[str, str] | None:
    verdict = grader.grade_entry(entry, example.answer)
    gist = verdict.feedback.strip().splitlines()[0] if verdict.feedback.strip() else ""
    if example.passes and not verdict.passed:
        return f"should pass but is {verdict.status}: {gist}", "error"
    if not example.passes and verdict.passed:
        return "should fail but passes: the check cannot tell it from a right answer", "error"
    if not example.passes and verdict.status in ("invalid", "broken"):
        return (
            f"is {verdict.status} ({gist}): a wrong example should be an answer a learner could give",
            "error",
        )
    shown = verdict.details.get("known_mistake")
    if example.feedback and shown != index:
        why = (f"it behaves like example {shown + 1}, listed first" if shown is not None
               else f"it is {verdict.status}, not failed alike in every visible trial")  # fmt: skip
        return f"has feedback that a learner giving it would not see: {why}", "warning"
    return None


def _one_line(message: str) -> str:
    """One `file:line:col: message` line per problem, however long the feedback inside it."""
    return " | ".join(part.strip() for part in message.splitlines() if part.strip())


def reference_answer(grader: Any, entry: Entry) -> Any:
    ex = entry.exercise
    if isinstance(ex, Choice):
        return list(ex.answer)
    if isinstance(ex, Numeric):
        from grader.engine.by_value import as_number

        return repr(as_number(grader.truth(entry)))
    if isinstance(ex, Predict):
        return _literal(grader.truth(entry))
    return ex.solution


def wrong_answers(grader: Any, entry: Entry) -> list[tuple[str, Any]]:
    """(what it is, the answer): answers that must not pass."""
    ex = entry.exercise
    if isinstance(ex, Choice):
        others = [i for i in range(len(ex.options)) if i not in ex.answer]
        return [("a wrong option", others[:1] or []), ("selecting nothing", [])]
    if isinstance(ex, Numeric):
        from grader.engine.by_value import as_number

        value = as_number(grader.truth(entry))
        wrong = [("a number far off", repr(value + 10 * ex.tolerance + 1.0 + abs(value)))]
        if value != 0:  # a tolerance as wide as the answer itself lets 0 and 2x pass
            wrong += [
                ("0, with this tolerance,", "0"),
                ("twice the answer, with this tolerance,", repr(2 * value)),
            ]
        return wrong
    if isinstance(ex, Predict | Expr):
        return [("the answer None", "None")]
    if isinstance(ex, Fill):
        return [("empty blanks", [""] * len(ex.solution))]
    if isinstance(ex, Code):
        return [("the starter", ex.starter)] if ex.starter.strip() else [("an empty answer", "pass")]
    return []


def _literal(value: Any) -> str:
    import torch

    if isinstance(value, torch.Size):
        return repr(tuple(value))
    if isinstance(value, torch.Tensor):
        return repr(value.tolist())
    if isinstance(value, torch.dtype | torch.device):
        return repr(str(value))
    return repr(value)
