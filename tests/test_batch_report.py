"""Exports of a graded batch, from results alone (no grading here)."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.batch.report import format_for, write_report
from grader.batch.result import Result, summarize, summary_table

RESULTS = [
    Result("ada", "d/a", "passed", 1.0, "all 3 trials passed", 12.0),
    Result("ada", "d/b", "failed", 0.0, "trial 1 of 3: loss: values differ", 10.0, stdout="hi\x00"),
    Result("bob", "d/a", "failed", 0.3333, "trial 2 of 3: loss: values differ", 9.0),
    Result("bob", "d/a", "passed", 1.0, "all 3 trials passed", 9.0),
    Result("cy/../x", "d/b", "timeout", 0.0, "trial 1 of 3: your code ran for more than 5 s", 5000.0),
    Result(None, None, "invalid", 0.0, "s.jsonl:6:1: not valid JSON", 0.0),
]


@pytest.mark.parametrize(
    ("name", "fmt"), [("r.json", "json"), ("r.CSV", "csv"), ("r.xml", "junit"), ("gradescope", "gradescope")]
)
def test_the_format_follows_the_extension(name: str, fmt: str) -> None:
    assert format_for(Path(name)) == fmt


def test_summary_gives_pass_rate_mean_and_the_most_common_failure_per_exercise() -> None:
    summary = summarize(RESULTS)
    a = summary["exercises"]["d/a"]
    assert (a["submissions"], a["pass_rate"], a["most_common_failure"]) == (3, 0.6667, "loss: values differ")
    assert summary["statuses"]["invalid"] == 1 and summary["learners"] == 3
    table = summary_table(summary)
    assert "d/a" in table and "67%" in table and "loss: values differ (x1)" in table


def test_csv_is_a_matrix_of_best_scores_with_a_total(tmp_path: Path) -> None:
    write_report(tmp_path / "m.csv", "csv", RESULTS, summarize(RESULTS))
    rows = list(csv.reader((tmp_path / "m.csv").open()))
    assert rows[0] == ["learner", "d/a", "d/b", "total"]
    assert rows[1:] == [["ada", "1", "0", "1"], ["bob", "1", "", "1"], ["cy/../x", "", "0", "0"]]


def test_junit_has_one_testcase_per_submission_with_failures_and_errors(tmp_path: Path) -> None:
    write_report(tmp_path / "j.xml", "junit", RESULTS, summarize(RESULTS))
    suite = ET.parse(tmp_path / "j.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(RESULTS)
    assert (suite.get("failures"), suite.get("errors")) == ("2", "2")
    assert cases[1].find("failure") is not None and cases[4].find("error").get("type") == "timeout"
    assert cases[0].find("failure") is None and cases[0].find("error") is None


def test_gradescope_writes_one_results_json_per_learner_inside_the_root(tmp_path: Path) -> None:
    write_report(tmp_path / "gs", "gradescope", RESULTS, summarize(RESULTS))
    folders = sorted(p.name for p in (tmp_path / "gs").iterdir())
    assert folders[:2] == ["ada", "bob"] and folders[2].startswith("cy_.._x-") and len(folders) == 3
    bob = json.loads((tmp_path / "gs" / "bob" / "results.json").read_text())
    # bob submitted d/a twice: one test for the exercise, scored by his best submission, never the sum
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in bob["tests"]] == [
        ("d/a", 1.0, 1.0, "passed"),
    ]
    assert bob["score"] == 1.0 and all("output" in t for t in bob["tests"])


def test_json_report_keeps_input_order_and_the_spec_fields(tmp_path: Path) -> None:
    write_report(tmp_path / "r.json", "json", RESULTS, summarize(RESULTS))
    data = json.loads((tmp_path / "r.json").read_text())
    assert [r["learner"] for r in data["results"]] == ["ada", "ada", "bob", "bob", "cy/../x", None]
    keys = {"learner", "exercise", "status", "score", "feedback", "duration_ms"}
    assert all(keys <= set(r) for r in data["results"]) and "summary" in data


def test_a_line_naming_no_exercise_gets_no_column_and_no_points(tmp_path: Path) -> None:
    from grader.batch.reader import Submission
    from grader.batch.report import score_matrix, write_gradescope

    unknown = Submission(
        0, "eve", "nope/nothing", "1", "s.jsonl:1: no exercise 'nope/nothing'", "s.jsonl:1", counted=False
    )
    results = [Result.invalid(unknown), Result("eve", "d/a", "passed", 1.0, "", 1.0)]
    exercises, matrix = score_matrix(
        results + [Result.invalid(Submission(1, "zed", "nope/x", "1", "bad", "", False))]
    )
    assert exercises == ["d/a"] and matrix == {"eve": {"d/a": 1.0}, "zed": {}}
    write_gradescope(tmp_path / "gs", results, {})
    tests = json.loads((tmp_path / "gs" / "eve" / "results.json").read_text())["tests"]
    assert [t["max_score"] for t in tests] == [0.0, 1.0]
    assert "counted" not in Result.invalid(unknown).to_json()


def test_learners_whose_ids_clean_up_alike_get_separate_folders(tmp_path: Path) -> None:
    results = [Result("a/b", "d/a", "passed", 1.0, "", 1.0), Result("a_b", "d/a", "failed", 0.0, "", 1.0)]
    write_report(tmp_path / "gs", "gradescope", results, summarize(results))
    assert len(list((tmp_path / "gs").iterdir())) == 2 and (tmp_path / "gs" / "a_b").is_dir()
