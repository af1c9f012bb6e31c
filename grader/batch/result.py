"""One graded submission as the report carries it, and the class-level summary of many."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from grader.batch.reader import Submission
from grader.batch.untrusted import one_line, storable
from grader.engine.verdict import NOT_THE_LEARNERS, STATUSES


@dataclass(frozen=True)
class Result:
    """The spec's result fields, plus where it came from (`cached`: read back from the gradebook)."""

    learner: str | None
    exercise: str | None
    status: str
    score: float
    feedback: str
    duration_ms: float
    stdout: str = ""
    cached: bool = False
    counted: bool = True  # False for a line naming no gradable exercise: no CSV column, no points
    # The input's fault, not the learner's (malformed, a field missing, no such exercise): counted apart
    input_problem: bool = False
    where: str = ""  # file:line of the input (a file's path in a directory layout)
    variant: int | None = None  # the draw of `{param}` placeholders answered, when the line named one

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for internal in ("counted", "input_problem", "where"):
            del data[internal]
        if data["variant"] is None:
            del data["variant"]
        return data

    @classmethod
    def from_verdict(cls, sub: Submission, verdict: dict[str, Any], cached: bool = False) -> Result:
        return cls(
            sub.learner,
            sub.exercise,
            verdict["status"],
            float(verdict["score"]),
            storable(verdict.get("feedback", "")),
            float(verdict.get("duration_ms", 0.0)),
            storable(verdict.get("stdout", "")),
            cached,
            variant=sub.variant,
        )

    @classmethod
    def invalid(cls, sub: Submission) -> Result:
        return cls(
            sub.learner,
            sub.exercise,
            "invalid",
            0.0,
            storable(sub.problem or "invalid submission"),
            0.0,
            counted=sub.counted,
            input_problem=is_input_problem(sub),
            where=storable(sub.where),
        )


def is_input_problem(sub: Submission) -> bool:
    """An invalid line that is the input's fault: malformed, a field missing (a null answer is none), an
    exercise that is not there or not gradable. An answer of the wrong shape is the learner's, as is
    one the grader cannot read."""
    return sub.learner is None or sub.exercise is None or sub.answer is None or not sub.counted


def failure_gist(feedback: str) -> str:
    """The part of a feedback message that learners who made the same mistake share."""
    first = feedback.strip().splitlines()[0] if feedback.strip() else ""
    first = re.sub(r"^trial \d+ of \d+: ", "", first)
    return first if len(first) <= 70 else first[:69] + "…"


def summarize(results: list[Result]) -> dict[str, Any]:
    """Counts by status, and per exercise: pass rate, mean score, the most common failure. Problems of
    the input file are counted apart, with where they are, and weigh on no mean and no pass rate."""
    by_status = Counter(r.status for r in results)
    inputs = [r for r in results if r.input_problem]
    graded = [r for r in results if r.status not in NOT_THE_LEARNERS and not r.input_problem]
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        if r.exercise is not None and not r.input_problem:
            groups[r.exercise].append(r)
    return {
        "submissions": len(results),
        "learners": len({r.learner for r in results if r.learner is not None}),
        "statuses": {s: by_status.get(s, 0) for s in STATUSES},
        # `broken`: the grader could not grade these; they count towards nothing and a re-run grades them.
        "not_graded": by_status.get("broken", 0),
        "mean_score": round(sum(r.score for r in graded) / len(graded), 4) if graded else 0.0,
        "cached": sum(r.cached for r in results),
        "exercises": {gid: _exercise_summary(rs) for gid, rs in sorted(groups.items())},
        # `statuses.invalid` counts both kinds of invalid lines: the learners' unreadable answers and
        # the input file's own problems, which are listed by where they are.
        "invalid_answers": sum(r.status == "invalid" and not r.input_problem for r in results),
        "input_problems": len(inputs),
        "input_problems_at": [r.where for r in inputs],
    }


def _exercise_summary(results: list[Result]) -> dict[str, Any]:
    graded = [r for r in results if r.status not in NOT_THE_LEARNERS] or results
    failures = Counter(
        failure_gist(r.feedback) for r in graded if r.status not in ("passed", *NOT_THE_LEARNERS)
    )
    common = failures.most_common(1)
    return {
        "submissions": len(results),
        "not_graded": len(results) - len([r for r in results if r.status not in NOT_THE_LEARNERS]),
        "pass_rate": round(sum(r.status == "passed" for r in graded) / len(graded), 4),
        "mean_score": round(sum(r.score for r in graded) / len(graded), 4),
        "most_common_failure": common[0][0] if common else None,
        "most_common_failure_count": common[0][1] if common else 0,
    }


def summary_table(summary: dict[str, Any], width: int = 140) -> str:
    """Plain text for the terminal: one row per exercise, then the totals."""
    rows = [("exercise", "n", "pass", "mean", "most common failure")]
    for gid, s in summary["exercises"].items():
        # Exercise ids come from the input file and failures from learners' programs: no control characters.
        rows.append(
            (
                one_line(gid),
                str(s["submissions"]),
                f"{s['pass_rate']:.0%}",
                f"{s['mean_score']:.2f}",
                _failure_cell(s),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for row in rows:
        head = "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        )
        lines.append(f"{head}  {row[4]}"[:width])
    statuses = {
        **summary["statuses"],
        "invalid": summary.get("invalid_answers", summary["statuses"]["invalid"]),
    }
    counts = ", ".join(
        f"{n} {s}" + (" (answers that could not be read)" if s == "invalid" else "")
        for s, n in statuses.items()
        if n and s not in NOT_THE_LEARNERS
    )
    if summary["not_graded"]:
        counts += (
            f"; {summary['not_graded']} could not be graded (broken: not kept, a re-run grades them again)"
        )
    lines.append("")
    lines.append(
        f"{summary['submissions']} submissions from {summary['learners']} learners: {counts or 'none'}; "
        f"mean score {summary['mean_score']:.2f}"
    )
    if summary.get("input_problems"):
        lines.append(_input_problems_line(summary["input_problems_at"]))
    return "\n".join(lines)


def _input_problems_line(at: list[str], shown: int = 20) -> str:
    """Where the input itself is wrong: `s.jsonl lines 5, 9` (in a directory layout, the files)."""
    by_file: dict[str, list[str]] = defaultdict(list)
    for where in at:
        path, _, line = where.rpartition(":")
        if path and line.isdigit():
            by_file[path].append(line)
        else:
            by_file[where] = []
    places = [_place(path, numbers, shown) for path, numbers in list(by_file.items())[:shown]]
    if len(by_file) > shown:
        places.append(f"{len(by_file) - shown} more files")
    return (
        f"{len(at)} input problem(s), not counted against any learner: {'; '.join(places)}; "
        "the report says what is wrong with each: fix them and run again"
    )


def _place(path: str, numbers: list[str], shown: int) -> str:
    if not numbers:
        return one_line(path)
    more = f" and {len(numbers) - shown} more" if len(numbers) > shown else ""
    return f"{one_line(path)} line{'s' * (len(numbers) > 1)} {', '.join(numbers[:shown])}{more}"


def _failure_cell(s: dict[str, Any]) -> str:
    if not s["most_common_failure"]:
        return "-"
    return f"{one_line(s['most_common_failure'])} (x{s['most_common_failure_count']})"
