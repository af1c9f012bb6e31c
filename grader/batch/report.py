"""Exports of a graded batch: the spec's JSON report, a CSV score matrix, JUnit XML, Gradescope.

The format is chosen by name (`--format`) or, failing that, by the output's extension:
.json -> json, .csv -> csv, .xml -> junit, anything else (a directory) -> gradescope.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.batch.result import Result
from grader.batch.untrusted import csv_cell, storable
from grader.errors import UsageError

FORMATS = ("json", "csv", "junit", "gradescope")
BY_SUFFIX = {".json": "json", ".csv": "csv", ".xml": "junit"}


def format_for(path: Path, name: str | None = None) -> str:
    if name:
        if name not in FORMATS:
            raise UsageError(f"unknown format {name!r}: choose one of {', '.join(FORMATS)}")
        return name
    return BY_SUFFIX.get(path.suffix.lower(), "gradescope")


def write_report(path: Path, fmt: str, results: list[Result], summary: dict[str, Any]) -> None:
    writers: dict[str, Callable[[Path, list[Result], dict[str, Any]], None]] = {
        "json": write_json,
        "csv": write_csv,
        "junit": write_junit,
        "gradescope": write_gradescope,
    }
    try:
        if fmt != "gradescope":
            path.parent.mkdir(parents=True, exist_ok=True)
        writers[fmt](path, results, summary)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from e


def write_json(path: Path, results: list[Result], summary: dict[str, Any]) -> None:
    data = {"results": [r.to_json() for r in results], "summary": summary}
    _atomic_write(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def score_matrix(results: list[Result]) -> tuple[list[str], dict[str, dict[str, float]]]:
    """learner -> exercise -> best score over that learner's submissions for it."""
    exercises = sorted(
        {r.exercise for r in results if r.exercise is not None and r.learner is not None and _counts(r)}
    )
    matrix: dict[str, dict[str, float]] = {}
    for r in results:
        if r.learner is None:
            continue
        row = matrix.setdefault(r.learner, {})  # every learner gets a row, even with nothing gradable
        if r.exercise is None or not _counts(r):
            continue
        row[r.exercise] = max(row.get(r.exercise, 0.0), r.score)
    return exercises, matrix


def _counts(r: Result) -> bool:
    """Whether a result is worth points: not a line naming no gradable exercise, nor one the input got wrong."""
    return r.counted and not r.input_problem


def write_csv(path: Path, results: list[Result], summary: dict[str, Any]) -> None:
    """One row per learner, one column per exercise (best score; empty when not submitted), and a total."""
    exercises, matrix = score_matrix(results)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["learner", *map(csv_cell, exercises), "total"])
        for learner in sorted(matrix):
            row = matrix[learner]
            w.writerow(
                [csv_cell(learner), *(_cell(row.get(gid)) for gid in exercises), _cell(sum(row.values()))]
            )
    tmp.replace(path)


def _cell(score: float | None) -> str:
    return "" if score is None else f"{score:g}"


def write_junit(path: Path, results: list[Result], summary: dict[str, Any]) -> None:
    """One <testcase> per submission: classname = learner, name = exercise; failures and errors as JUnit has them."""
    failures = sum(r.status == "failed" for r in results)
    errors = sum(r.status not in ("passed", "failed") for r in results)
    time = sum(r.duration_ms for r in results) / 1000
    suites = ET.Element("testsuites", tests=str(len(results)), failures=str(failures), errors=str(errors))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="torchdrill",
        tests=str(len(results)),
        failures=str(failures),
        errors=str(errors),
        time=f"{time:.3f}",
    )
    for index, r in enumerate(results):
        case = ET.SubElement(
            suite,
            "testcase",
            classname=_clean(r.learner or "unknown"),
            name=_clean(r.exercise or f"line {index + 1}"),
            time=f"{r.duration_ms / 1000:.3f}",
        )
        if r.status == "failed":
            ET.SubElement(case, "failure", message=_clean(r.feedback[:200]), type="failed").text = _clean(
                r.feedback
            )
        elif r.status != "passed":
            ET.SubElement(case, "error", message=_clean(r.feedback[:200]), type=r.status).text = _clean(
                r.feedback
            )
        if r.stdout:
            ET.SubElement(case, "system-out").text = _clean(r.stdout)
    ET.indent(suites)
    _atomic_write(path, ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n")


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters; learners' output can contain anything."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "\N{REPLACEMENT CHARACTER}", storable(text))


def write_gradescope(root: Path, results: list[Result], summary: dict[str, Any]) -> None:
    """ROOT/<learner>/results.json, Gradescope's autograder format: one test per exercise the learner
    submitted, scored by their best submission of it (resubmitting never adds points), and a test
    worth nothing for each line that named no exercise or was an input problem (a field missing, not
    JSON). A learner with only such lines gets no file."""
    best: dict[str, dict[str, Result]] = {}
    uncounted: dict[str, list[Result]] = {}
    for r in results:
        if r.learner is None:
            continue
        if r.exercise is None or not _counts(r):
            uncounted.setdefault(r.learner, []).append(r)
            continue
        mine = best.setdefault(r.learner, {})
        if r.exercise not in mine or r.score > mine[r.exercise].score:
            mine[r.exercise] = r
    root.mkdir(parents=True, exist_ok=True)
    for learner, by_exercise in best.items():
        folder = root / _safe_name(learner)
        folder.mkdir(exist_ok=True)
        tests = [_gradescope_test(r) for r in uncounted.get(learner, [])]
        tests += [_gradescope_test(by_exercise[gid]) for gid in sorted(by_exercise)]
        data = {
            "score": round(sum(t["score"] for t in tests), 4),
            "output": f"{len(by_exercise)} exercise(s) graded; each counts your best submission",
            "tests": tests,
        }
        _atomic_write(folder / "results.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def _gradescope_test(r: Result) -> dict[str, Any]:
    output = r.status + (f": {r.feedback}" if r.feedback.strip() else "")
    output += f"\n\nYour output:\n{r.stdout}" if r.stdout else ""
    return {
        "name": r.exercise or "unknown",
        "score": r.score if _counts(r) else 0.0,
        "max_score": 1.0 if _counts(r) else 0.0,
        "status": "passed" if r.status == "passed" else "failed",
        "output": output,
    }


def _safe_name(learner: str) -> str:
    """A learner id as one path component: nothing that climbs out of ROOT or hides. An id that had
    to change gets a short hash of the original, so `a/b` and `a_b` never share a folder."""
    name = re.sub(r"[^\w.@+-]", "_", learner).lstrip(".") or "_"
    if name != learner:
        name += "-" + hashlib.sha256(learner.encode()).hexdigest()[:8]
    return name


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
