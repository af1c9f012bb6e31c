"""Reading a batch: the spec's JSON Lines and the directory layout, validated at the edge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.batch.reader import read_submissions
from grader.deck.loader import load_library
from grader.errors import UsageError


@pytest.fixture(scope="module")
def library(sample_quizzes: Path):
    return load_library([sample_quizzes])


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def line(learner: str, exercise: str, answer: object) -> str:
    return json.dumps({"learner": learner, "exercise": exercise, "answer": answer})


def test_blank_lines_are_skipped_and_the_rest_keep_their_order(tmp_path: Path, library) -> None:
    path = write_lines(
        tmp_path / "s.jsonl",
        [line("a", "sample/nll-input", [1]), "", "   ", line("b", "sample/mean-of-range", "2")],
    )
    subs = read_submissions(path, library)
    assert [(s.index, s.learner, s.problem) for s in subs] == [(0, "a", None), (1, "b", None)]


def test_a_line_that_is_not_json_is_invalid_and_says_where(tmp_path: Path, library) -> None:
    path = write_lines(tmp_path / "s.jsonl", [line("a", "sample/nll-input", [1]), '{"learner": "x", '])
    bad = read_submissions(path, library)[1]
    assert bad.learner is None and bad.key is None
    assert f"{path}:2:" in bad.problem and "not valid JSON" in bad.problem


@pytest.mark.parametrize(
    ("exercise", "answer", "words"),
    [
        ("sample/no-such", "1", "no exercise"),
        ("sample/mean-of-range", 2.0, "numeric answer is a string"),
        ("sample/einsum-trace", "ii->", "fill answer is a list of strings"),
        ("sample/einsum-trace", [1], "fill answer is a list of strings"),
        ("sample/nll-input", ["1"], "choice answer is a list of option numbers"),
        ("sample/nll-input", [True], "choice answer is a list of option numbers"),
        ("sample/mse-by-hand", None, "code answer is a string"),
        ("sample/stack-card", "x", "a card has no answer"),
    ],
)
def test_a_wrong_shaped_answer_or_unknown_exercise_is_invalid(
    tmp_path: Path, library, exercise, answer, words
) -> None:
    sub = read_submissions(write_lines(tmp_path / "s.jsonl", [line("a", exercise, answer)]), library)[0]
    assert sub.key is None and words in sub.problem
    assert (sub.learner, sub.exercise) == ("a", exercise)


def test_a_missing_field_is_named(tmp_path: Path, library) -> None:
    sub = read_submissions(
        write_lines(tmp_path / "s.jsonl", ['{"learner": "a", "exercise": "sample/nll-input"}']), library
    )[0]
    assert "missing answer" in sub.problem


def test_the_same_answer_has_the_same_key_whatever_its_json_spacing(tmp_path: Path, library) -> None:
    path = write_lines(
        tmp_path / "s.jsonl",
        [
            '{"learner":"a","exercise":"sample/nll-input","answer":[1]}',
            '{"answer": [1], "exercise": "sample/nll-input", "learner": "a"}',
        ],
    )
    first, second = read_submissions(path, library)
    assert first.key == second.key


def test_directory_layout_reads_code_text_and_json_answers(tmp_path: Path, library) -> None:
    root = tmp_path / "class"
    (root / "ada" / "sample").mkdir(parents=True)
    (root / "ada" / "sample" / "mse-by-hand.py").write_text(
        "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"
    )
    (root / "ada" / "sample" / "mean-of-range.txt").write_text("2.0\n")
    (root / "ada" / "sample" / "einsum-trace.json").write_text('["ii->"]')
    (root / "bob" / "sample").mkdir(parents=True)
    (root / "bob" / "sample" / "nll-input.json").write_text("[1")
    (root / "bob" / "sample" / "notes.md").write_text("ignored")
    subs = read_submissions(root, library)
    assert [(s.learner, s.exercise, s.answer) for s in subs[:3]] == [
        ("ada", "sample/einsum-trace", ["ii->"]),
        ("ada", "sample/mean-of-range", "2.0"),
        ("ada", "sample/mse-by-hand", "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"),
    ]
    assert subs[3].learner == "bob" and "not valid JSON" in subs[3].problem
    assert len(subs) == 4


def test_a_missing_input_is_a_usage_error(tmp_path: Path, library) -> None:
    with pytest.raises(UsageError, match="no such file"):
        read_submissions(tmp_path / "nope.jsonl", library)


def test_a_wrongly_typed_learner_is_named_as_such(tmp_path: Path) -> None:
    from grader.batch.reader import parse_line

    sub = parse_line('{"learner": 5, "exercise": "a/b", "answer": "1"}', 0, "s.jsonl:1")
    assert sub.problem == "s.jsonl:1: learner must be a non-empty string, got a number"
