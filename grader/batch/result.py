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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["counted"]
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
        )


def failure_gist(feedback: str) -> str:
    """The part of a feedback message that learners who made the same mistake share."""
    first = feedback.strip().splitlines()[0] if feedback.strip() else ""
    first = re.sub(r"^trial \d+ of \d+: ", "", first)
    return first if len(first) <= 70 else first[:69] + "…"


def summarize(results: list[Result]) -> dict[str, Any]:
    """Counts by status, and per exercise: pass rate, mean score, the most common failure."""
    by_status = Counter(r.status for r in results)
    graded = [r for r in results if r.status not in NOT_THE_LEARNERS]
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        if r.exercise is not None:
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
    counts = ", ".join(f"{n} {s}" for s, n in summary["statuses"].items() if n and s not in NOT_THE_LEARNERS)
    if summary["not_graded"]:
        counts += (
            f"; {summary['not_graded']} could not be graded (broken: not kept, a re-run grades them again)"
        )
    lines.append("")
    lines.append(
        f"{summary['submissions']} submissions from {summary['learners']} learners: {counts or 'none'}; "
        f"mean score {summary['mean_score']:.2f}"
    )
    return "\n".join(lines)


def _failure_cell(s: dict[str, Any]) -> str:
    if not s["most_common_failure"]:
        return "-"
    return f"{one_line(s['most_common_failure'])} (x{s['most_common_failure_count']})"
