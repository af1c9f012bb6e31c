"""A class's wrong answers grouped by what they did, so that a teacher writes one comment per group.

Two wrong answers to an exercise (and to the same variant of it) are in one group when they did the
same: for the executable kinds, the same observations, or the same error, in every visible trial;
for the kinds graded by value, the same value. The grader puts that fingerprint in the verdict's
details (grader/engine/behaviour.py), and the gradebook keeps it, so answers read back from it are
grouped too. An answer without one (forbidden, or unreadable by the grader) is grouped by its status
and the first line of its feedback. Right answers and the grader's own failures are in no group.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from grader.batch.gradebook import Key
from grader.batch.reader import Submission
from grader.batch.result import failure_gist
from grader.batch.untrusted import one_line, storable
from grader.deck import variants
from grader.deck.loader import Library
from grader.engine.verdict import NOT_THE_LEARNERS

SHOWN = 3  # groups printed per exercise
ANSWER_CHARS = 60  # of the representative answer, printed
FEEDBACK_CHARS = 100


@dataclass(frozen=True)
class Wrong:
    """One wrong answer, with what grouping needs."""

    sub: Submission
    status: str
    feedback: str
    behaviour: tuple[Any, ...] | None
    known_mistake: int | None

    @property
    def group_key(self) -> tuple[Any, ...]:
        did = self.behaviour if self.behaviour is not None else ("says", failure_gist(self.feedback))
        return (self.sub.variant, self.status, did)

    @property
    def text(self) -> str:
        answer = self.sub.answer
        return answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)


def group_mistakes(
    subs: list[Submission], verdicts: dict[Key, dict[str, Any]], library: Library
) -> dict[str, list[dict[str, Any]]]:
    """exercise id -> its groups of wrong answers as the report carries them, the most learners first."""
    by_exercise: dict[str, dict[tuple[Any, ...], list[Wrong]]] = {}
    for sub in subs:
        wrong = _wrong(sub, verdicts.get(sub.key) if sub.key else None)
        if wrong is not None:
            by_exercise.setdefault(str(sub.exercise), {}).setdefault(wrong.group_key, []).append(wrong)
    return {
        gid: _ordered([_group(members, library, gid) for members in groups.values()])
        for gid, groups in by_exercise.items()
    }


def _wrong(sub: Submission, verdict: dict[str, Any] | None) -> Wrong | None:
    if verdict is None or verdict["status"] == "passed" or verdict["status"] in NOT_THE_LEARNERS:
        return None
    details = verdict.get("details") or {}
    behaviour = details.get("behaviour")
    known = details.get("known_mistake")
    return Wrong(
        sub,
        verdict["status"],
        str(verdict.get("feedback", "")),
        tuple(behaviour) if isinstance(behaviour, list) else None,
        known if type(known) is int else None,
    )


def _group(members: list[Wrong], library: Library, gid: str) -> dict[str, Any]:
    """One group: its size, its shortest answer (the first of the shortest), the known mistake it is."""
    shown = min(members, key=lambda w: len(w.text))  # min keeps the first of equals: input order
    known = Counter(w.known_mistake for w in members).most_common(1)[0][0]
    index, feedback = _known(library, gid, shown.sub.variant, known)
    group = {
        "learners": len({w.sub.learner for w in members}),
        "submissions": len(members),
        "answer": shown.sub.answer,
        "status": shown.status,
        "failure": storable(failure_gist(shown.feedback)),
        "known_mistake": index,
        "feedback": feedback,
        "where": [storable(w.sub.where) for w in members],
    }
    if shown.sub.variant is not None:
        group["variant"] = shown.sub.variant
    return group


def _known(
    library: Library, gid: str, variant: int | None, index: int | None
) -> tuple[int | None, str | None]:
    """(the index in the exercise's `examples:` as written, its feedback) of the wrong example named
    by `index`, which counts the examples of the draw graded (a variant keeps its own examples)."""
    entry = library.get(gid)
    if index is None or entry is None:
        return None, None
    exercise = entry.exercise
    graded = (
        variants.instantiate(exercise, gid, variant or 0) if variants.has_variants(exercise) else exercise
    )
    if not 0 <= index < len(graded.examples):
        return None, None
    example = graded.examples[index]
    written = exercise.examples.index(example) if example in exercise.examples else index
    return written, example.feedback


def _ordered(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The most learners first; among equals, the group seen first in the input (sort is stable)."""
    return sorted(groups, key=lambda g: -g["learners"])


def add_mistakes(summary: dict[str, Any], groups: dict[str, list[dict[str, Any]]]) -> None:
    """Each exercise of the summary gets its `mistakes` (an empty list when nobody was wrong)."""
    for gid, exercise in summary["exercises"].items():
        exercise["mistakes"] = groups.get(gid, [])


def mistakes_text(summary: dict[str, Any], shown: int = SHOWN) -> str:
    """For the terminal: per exercise with wrong answers, its largest groups, one line each."""
    lines = []
    for gid, exercise in summary["exercises"].items():
        groups = exercise.get("mistakes") or []
        if not groups:
            continue
        wrong = sum(g["submissions"] for g in groups)
        largest = f", the largest {shown}" if len(groups) > shown else ""
        lines.append(
            f"{one_line(gid)}: {wrong} wrong answer{'s' * (wrong != 1)} in {len(groups)} "
            f"group{'s' * (len(groups) != 1)} of answers that did the same{largest}:"
        )
        lines.extend(_line(g) for g in groups[:shown])
    return "\n\n" + "\n".join(lines) if lines else ""


def _line(group: dict[str, Any]) -> str:
    n = group["learners"]
    answer = group["answer"] if isinstance(group["answer"], str) else json.dumps(group["answer"])
    said = (
        f"known mistake: {_cut(group['feedback'], FEEDBACK_CHARS)}"
        if group["feedback"]
        else f"{group['status']}: {_cut(group['failure'], FEEDBACK_CHARS)}"
    )
    variant = f" (variant {group['variant']})" if "variant" in group else ""
    return f"  {n:>3} learner{'s' * (n != 1)} · {_cut(answer, ANSWER_CHARS)}{variant} · {said}"


def _cut(text: str, chars: int) -> str:
    """One line of at most `chars` characters, safe for a terminal (learners wrote the answers)."""
    line = " ".join(one_line(text).split())
    return line if len(line) <= chars else line[: chars - 1] + "…"
