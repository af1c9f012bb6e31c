"""Batch input from untrusted sources, and exports safe to open: no line can sink a batch, no link is
followed out of a learner's folder, nothing a learner wrote runs in a spreadsheet or a terminal."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.batch.runner import run_batch

HONEST = "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"
QUIET = {"workers": 1, "device": "cpu", "progress": False, "echo": lambda *a, **k: None}


def line(learner: object, exercise: object, answer: object) -> str:
    return json.dumps({"learner": learner, "exercise": exercise, "answer": answer})


def test_hostile_lines_are_invalid_alone_and_the_batch_goes_on(tmp_path: Path, sample_quizzes: Path) -> None:
    subs = tmp_path / "s.jsonl"
    raw = [
        line("ada", "sample/mse-by-hand", 'print("\\udcff")\n' + HONEST).encode(),  # output a lone surrogate
        line("bob", "sample/mean-of-range", "\udcff").encode(),  # a lone surrogate in the answer
        line("c\udcffy", "sample/mean-of-range", "2").encode(),  # ... in the learner id
        b'{"learner": "dan", "exercise": "sample/mean-of-range", "answer": ' + b"9" * 5000 + b"}",
        b'{"learner": "eve", "exercise": "sample/einsum-trace", "answer": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}",
        b'{"learner": "fay", "exercise": "sample/mean-of-range", "answer": "2\xff\xfe"}',  # not UTF-8
        line("gus", "sample/mean-of-range", "2").encode(),
    ]
    subs.write_bytes(b"\n".join(raw) + b"\n")
    db = tmp_path / "td.db"
    out = tmp_path / "r.json"
    first = run_batch(subs, sample_quizzes, db=db, out=out, **QUIET)
    statuses = [r.status for r in first.results]
    assert statuses == ["passed", "invalid", "passed", "invalid", "invalid", "invalid", "passed"], statuses
    report = json.loads(out.read_text(encoding="utf-8"))  # the report is valid UTF-8 JSON
    assert "\\udcff" in report["results"][0]["stdout"]  # kept, escaped: nothing lost
    assert report["results"][2]["learner"] == "c\\udcffy"
    assert "not UTF-8" in report["results"][5]["feedback"]
    again = run_batch(subs, sample_quizzes, db=db, **QUIET)  # every re-run too
    assert [r.status for r in again.results] == statuses and again.graded == 0


def test_an_invalid_utf8_answer_file_is_a_message_not_a_traceback(
    tmp_path: Path, sample_quizzes: Path
) -> None:
    answer = tmp_path / "a.py"
    answer.write_bytes(b"def mse(a, b):\n    return 1 \xff\n")
    result = subprocess.run(
        [sys.executable, "-m", "grader.cli", "--quizzes", str(sample_quizzes), "--db", str(tmp_path / "d.db"),
         "review", "sample/mse-by-hand", "--answer-file", str(answer)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2 and "not UTF-8" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "teacher" / ".git-credentials"
    path.parent.mkdir()
    path.write_text("https://teacher:SECRET-TOKEN-9@github.com\n")
    return path


def test_links_in_the_directory_layout_are_never_followed(
    tmp_path: Path, sample_quizzes: Path, secret: Path
) -> None:
    root = tmp_path / "subs"
    (root / "ada" / "sample").mkdir(parents=True)
    (root / "ada" / "sample" / "mse-by-hand.py").write_text(HONEST)
    (root / "mal" / "sample").mkdir(parents=True)
    (root / "mal" / "sample" / "mean-of-range.txt").symlink_to(secret)  # a file linked to a secret
    (root / "mal" / "sample" / "view-shape.txt").symlink_to(sample_quizzes / "sample.yaml")  # ... to a deck
    os.link(secret, root / "mal" / "sample" / "einsum-trace.json")  # a hard link
    (root / "eve").symlink_to(root / "ada")  # a learner folder linked to another learner's
    (root / "zed").mkdir()
    (root / "zed" / "sample").symlink_to(root / "ada" / "sample")  # a deck folder linked
    out = tmp_path / "r.json"
    outcome = run_batch(root, sample_quizzes, db=tmp_path / "td.db", out=out, **QUIET)
    text = out.read_text()
    assert "SECRET-TOKEN" not in text and "deck:" not in text and "exercises:" not in text
    by = [(r.learner, r.exercise, r.status) for r in outcome.results]
    assert ("ada", "sample/mse-by-hand", "passed") in by
    assert all(status == "invalid" for learner, _, status in by if learner in ("mal", "eve", "zed")), by
    assert not [r for r in outcome.results if r.learner in ("eve", "zed") and r.status == "passed"]


def test_exports_cannot_run_formulas_or_drive_a_terminal(tmp_path: Path, sample_quizzes: Path) -> None:
    subs = tmp_path / "s.jsonl"
    evil = '=HYPERLINK("http://x","y")'
    subs.write_text(
        "\n".join([
            line(evil, "sample/mean-of-range", "2"),
            line("+cmd", "sample/mean-of-range", "2"),
            line("@SUM(A1)", "sample/mean-of-range", "2"),
            line("-2+3", "sample/mean-of-range", "2"),
            line("ok", "sample/mse-by-hand", "def mse(a, b):\n    raise ValueError('\\x1b[2J\\x1b]0;owned\\x07')\n"),
        ])
        + "\n"
    )  # fmt: skip
    printed: list[str] = []
    run_batch(subs, sample_quizzes, db=tmp_path / "td.db", out=[tmp_path / "m.csv"], workers=1, device="cpu",
              progress=False, echo=lambda *a, **k: printed.append(" ".join(map(str, a))))  # fmt: skip
    rows = list(csv.reader((tmp_path / "m.csv").open()))
    learners = [row[0] for row in rows[1:]]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in learners), learners
    assert "'" + evil in learners
    assert not any("\x1b" in text or "\x07" in text for text in printed)


def test_gradescope_counts_each_exercise_once_per_learner(tmp_path: Path, sample_quizzes: Path) -> None:
    subs = tmp_path / "s.jsonl"
    subs.write_text(
        "".join(line("ada", "sample/mean-of-range", answer) + "\n" for answer in ["2", "2.0", "2", "3", "2"])
    )
    run_batch(
        subs, sample_quizzes, db=tmp_path / "td.db", out=[tmp_path / "gs"], formats=["gradescope"], **QUIET
    )
    data = json.loads((tmp_path / "gs" / "ada" / "results.json").read_text())
    assert data["score"] == 1.0 and len(data["tests"]) == 1
