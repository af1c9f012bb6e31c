"""`torchdrill grade` as a teacher reads it: the learners' mistakes counted apart from what is wrong
with the input file (whose lines are named), how many grades Ctrl-C kept, and a passed choice that
reads as passed."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import graded_rows

from grader.batch.reader import Submission
from grader.batch.result import Result, summarize, summary_table

TORCHDRILL = Path(sys.executable).parent / "torchdrill"
SPEC_FIELDS = {"learner", "exercise", "status", "score", "feedback", "duration_ms"}


def line(learner: str, exercise: str, answer: object) -> str:
    return json.dumps({"learner": learner, "exercise": exercise, "answer": answer})


LINES = [
    line("ada", "sample/nll-input", [1]),  # 1: passed
    line("ada", "sample/nll-input", [0]),  # 2: failed
    "",  # 3: blank, not a submission
    line("bob", "sample/mean-of-range", "two"),  # 4: the learner's: not a number
    line("bob", "sample/nll-input", "1"),  # 5: the learner's: an answer of the wrong shape
    line("bob", "sample/nope", "1"),  # 6: the file's: no such exercise
    json.dumps({"learner": "cy", "exercise": "sample/view-shape"}),  # 7: the file's: no answer
    '{"learner": "cy", ',  # 8: the file's: not JSON
    line("cy", "sample/stack-card", "x"),  # 9: the file's: a card has nothing to grade
]


@pytest.fixture(scope="module")
def graded(sample_quizzes: Path, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("batch")
    subs = tmp / "s.jsonl"
    subs.write_text("\n".join(LINES) + "\n")
    result = subprocess.run(
        [str(TORCHDRILL), "--db", str(tmp / "td.db"), "grade", str(subs), "--quizzes", str(sample_quizzes),
         "--workers", "1", "--out", str(tmp / "r.json"), "--out", str(tmp / "gs"), "--out", str(tmp / "m.csv")],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return subs, tmp, result.stdout, json.loads((tmp / "r.json").read_text())


def test_the_input_files_problems_are_counted_apart_with_their_line_numbers(graded) -> None:
    subs, _, _, report = graded
    summary = report["summary"]
    assert (summary["invalid_answers"], summary["input_problems"]) == (2, 4)
    assert summary["input_problems_at"] == [f"{subs}:{n}" for n in (6, 7, 8, 9)]
    assert summary["statuses"]["invalid"] == 6, "the spec's count by status still counts every invalid line"


def test_input_problems_weigh_on_no_mean_and_no_exercise(graded) -> None:
    summary = graded[3]["summary"]
    assert summary["mean_score"] == 0.25, "1 passed of the 4 lines that were the learners' own"
    assert set(summary["exercises"]) == {"sample/nll-input", "sample/mean-of-range"}
    assert summary["exercises"]["sample/nll-input"]["submissions"] == 3


def test_the_printed_summary_names_the_lines_to_fix(graded) -> None:
    subs, _, stdout, _ = graded
    assert "1 passed, 1 failed, 2 invalid (answers that could not be read)" in stdout
    assert f"4 input problem(s), not counted against any learner: {subs} lines 6, 7, 8, 9" in stdout
    assert "fix them and run again" in stdout


def test_input_problems_are_worth_no_points_in_any_export(graded) -> None:
    _, tmp, _, _ = graded
    assert not (tmp / "gs" / "cy").exists(), "cy's only lines were input problems: no Gradescope results"
    bob = json.loads((tmp / "gs" / "bob" / "results.json").read_text())["tests"]
    assert [(t["name"], t["max_score"]) for t in bob] == [
        ("sample/nope", 0.0),  # the input's: worth nothing
        ("sample/mean-of-range", 1.0),  # bob's own unreadable answers count, as 0 of 1
        ("sample/nll-input", 1.0),
    ]
    rows = list(csv.reader((tmp / "m.csv").open()))
    assert rows[0] == ["learner", "sample/mean-of-range", "sample/nll-input", "total"]
    assert rows[3] == ["cy", "", "", "0"], "a row for cy, but no column made of a line that had no answer"


def test_results_keep_the_spec_fields_and_add_none_of_the_internal_ones(graded) -> None:
    results = graded[3]["results"]
    assert len(results) == 8 and all(SPEC_FIELDS <= set(r) for r in results)
    assert not {"where", "input_problem", "counted"} & {k for r in results for k in r}


def test_a_passed_choice_never_reads_passed_colon_with_nothing_after(graded) -> None:
    _, tmp, _, report = graded
    tests = json.loads((tmp / "gs" / "ada" / "results.json").read_text())["tests"]
    [choice] = [t for t in tests if t["name"] == "sample/nll-input"]
    assert choice["status"] == "passed" and choice["output"] == "passed"
    outputs = [
        t["output"] for p in (tmp / "gs").glob("*/results.json") for t in json.loads(p.read_text())["tests"]
    ]
    assert not [o for o in outputs if o.rstrip().endswith(":")], outputs


def test_a_passed_choice_from_the_command_line_prints_no_empty_feedback(
    sample_quizzes: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [str(TORCHDRILL), "--db", str(tmp_path / "td.db"), "review", "sample/nll-input", "--answer", "[1]",
         "--quizzes", str(sample_quizzes)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "sample/nll-input: passed (score 1.00)"
    assert not [row for row in result.stdout.splitlines() if row.rstrip().endswith(":")]


def test_a_directory_layout_names_the_files_instead_of_lines() -> None:
    link = Submission(0, "ada", None, None, "class/ada/x: a link, not read", "class/ada/x", counted=False)
    wrong_shape = Submission(1, "ada", "sample/nll-input", "1", "class/ada/sample/nll-input.txt: a list", "w")
    results = [Result.invalid(link), Result.invalid(wrong_shape)]
    summary = summarize(results)
    assert (summary["input_problems"], summary["invalid_answers"]) == (1, 1)
    assert "1 input problem(s), not counted against any learner: class/ada/x;" in summary_table(summary)


@pytest.mark.slow
def test_ctrl_c_says_how_many_grades_were_kept(tmp_path: Path, sample_quizzes: Path) -> None:
    n = 120
    right = "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"
    subs = tmp_path / "s.jsonl"
    subs.write_text("".join(line(f"l{i:03d}", "sample/mse-by-hand", right) + "\n" for i in range(n)))
    db = tmp_path / "td.db"
    cmd = [
        str(TORCHDRILL),
        "--db",
        str(db),
        "grade",
        str(subs),
        "--quizzes",
        str(sample_quizzes),
        "--workers",
        "2",
    ]
    # A shell that started the suite in the background leaves SIGINT ignored: give the run a terminal's default.
    default_sigint = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint
    )
    deadline = time.monotonic() + 120
    while graded_rows(db) < 10 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    kept = graded_rows(db)
    assert 0 < kept < n
    assert f"interrupted: {kept} of the {n} grade(s) this run had to make are kept in {db}" in err
    assert "run the same command again to grade the rest" in err and "Traceback" not in err
