"""A class's wrong answers grouped by what they did: a real `torchdrill grade` on a deck whose
exercises know a wrong example (tests/fixtures/groups.yaml), learners making the same mistake
written differently, and a second run that reads every verdict back from the gradebook."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from grader.batch.gradebook import Gradebook
from grader.engine.behaviour import canonical

TORCHDRILL = Path(sys.executable).parent / "torchdrill"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "groups.yaml"
FIRST_STEP = "That is the forward direction's first step; its last is at index -1."
SUM = "A sum, not a mean; divide by the number of elements."


def line(learner: str, exercise: str, answer: object, **extra: object) -> str:
    return json.dumps({"learner": learner, "exercise": f"groups/{exercise}", "answer": answer, **extra})


def mse(body: str) -> str:
    return f"def mse(a, b):\n    return {body}\n"


LINES = [
    line("ada", "last-forward", "output[:, -1, :H]"),  # 1: right
    line("bob", "last-forward", "output[:, 0, :H]"),  # 2-4: the known mistake, written three ways
    line("cy", "last-forward", "output[:,0,:H]"),
    line("dan", "last-forward", "output[:, 0][:, :H]"),
    line("eve", "last-forward", "output[:, -1, H:]"),  # 5-6: another mistake: the backward half
    line("fay", "last-forward", "output[:, -1][:, H:]"),
    line("ada", "mse-by-hand", mse("((a - b) ** 2).mean()")),  # 7: right
    line("bob", "mse-by-hand", mse("((a - b) ** 2).sum()")),  # 8-10: the known mistake
    line("cy", "mse-by-hand", mse("(a - b).pow(2).sum()")),
    line("dan", "mse-by-hand", mse("torch.sum((a-b)**2)")),
    line("eve", "mse-by-hand", mse("((a - b) ** 2).mean(dim=1)")),  # 11-12: the same error
    line("fay", "mse-by-hand", mse("(a - b).pow(2).mean(1)")),
    line("ada", "view-shape", "(3, 4)"),  # 13: right
    line("bob", "view-shape", "(3, 2)"),  # 14-16: the known mistake, as a tuple and as a torch.Size
    line("cy", "view-shape", "torch.Size([3, 2])"),
    line("dan", "view-shape", "(3,2)"),
    line("eve", "view-shape", "(6, 2)"),  # 17: alone
    line("ada", "rows-shape", "(3, 6)", variant=0),  # 18-20: one answer, two draws of the numbers
    line("bob", "rows-shape", "(3, 6)", variant=0),
    line("cy", "rows-shape", "(3, 6)", variant=1),
]


def grade(tmp: Path, out: str) -> str:
    result = subprocess.run(
        [str(TORCHDRILL), "--db", str(tmp / "td.db"), "grade", str(tmp / "s.jsonl"), "--quizzes",
         str(tmp / "quizzes"), "--workers", "1", "--out", str(tmp / out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):
    """(stdout, report) of a first run, then of a second run of the same file on the same gradebook."""
    tmp = tmp_path_factory.mktemp("groups")
    (tmp / "quizzes").mkdir()
    shutil.copy(FIXTURE, tmp / "quizzes" / "groups.yaml")
    (tmp / "s.jsonl").write_text("\n".join(LINES) + "\n")
    first = grade(tmp, "first.json")
    second = grade(tmp, "second.json")
    return tmp, [(out, json.loads((tmp / f"{name}.json").read_text())) for out, name in ((first, "first"), (second, "second"))]  # fmt: skip


def mistakes(report: dict, exercise: str) -> list[dict]:
    return report["summary"]["exercises"][f"groups/{exercise}"]["mistakes"]


def lines_of(group: dict) -> list[int]:
    return [int(w.rpartition(":")[2]) for w in group["where"]]


def test_one_mistake_written_three_ways_is_one_group_named_by_its_feedback(runs) -> None:
    _, [(_, report), _] = runs
    first = mistakes(report, "last-forward")[0]
    assert (first["learners"], lines_of(first)) == (3, [2, 3, 4])
    assert first["answer"] == "output[:,0,:H]", "the shortest answer stands for the group"
    assert (first["known_mistake"], first["feedback"]) == (1, FIRST_STEP)


def test_another_wrong_behaviour_is_a_group_of_its_own(runs) -> None:
    _, [(_, report), _] = runs
    groups = mistakes(report, "last-forward")
    assert [(g["learners"], lines_of(g), g["known_mistake"]) for g in groups] == [
        (3, [2, 3, 4], 1),
        (2, [5, 6], None),
    ]
    assert groups[1]["feedback"] is None and groups[1]["answer"] == "output[:, -1, H:]"


def test_code_answers_group_by_their_observations_and_by_the_error_they_raise(runs) -> None:
    _, [(_, report), _] = runs
    groups = mistakes(report, "mse-by-hand")
    assert [(lines_of(g), g["status"], g["feedback"]) for g in groups] == [
        ([8, 9, 10], "failed", SUM),
        ([11, 12], "error", None),
    ]
    assert groups[1]["failure"].startswith("IndexError: Dimension out of range")


def test_typed_answers_group_by_their_value(runs) -> None:
    _, [(_, report), _] = runs
    groups = mistakes(report, "view-shape")
    assert [(lines_of(g), g["known_mistake"]) for g in groups] == [([14, 15, 16], 0), ([17], None)]
    assert groups[0]["feedback"].startswith("-1 takes what is left")


def test_the_same_answer_to_another_draw_is_another_group(runs) -> None:
    _, [(_, report), _] = runs
    groups = mistakes(report, "rows-shape")
    assert [(lines_of(g), g.get("variant")) for g in groups] == [([18, 19], 0), ([20], 1)]


def test_right_answers_are_in_no_group(runs) -> None:
    _, [(_, report), _] = runs
    grouped = {n for gid in report["summary"]["exercises"] for g in mistakes(report, gid.split("/")[1]) for n in lines_of(g)}  # fmt: skip
    wrong = {i + 1 for i, r in enumerate(report["results"]) if r["status"] != "passed"}
    assert grouped == wrong == set(range(1, 21)) - {1, 7, 13}


def test_the_printed_summary_shows_each_exercises_largest_groups(runs) -> None:
    _, [(stdout, _), _] = runs
    assert "groups/last-forward: 5 wrong answers in 2 groups of answers that did the same:" in stdout
    assert f"    3 learners · output[:,0,:H] · known mistake: {FIRST_STEP}" in stdout
    assert "    2 learners · output[:, -1, H:] · failed: answer: values differ" in stdout
    assert f"    3 learners · def mse(a, b): return torch.sum((a-b)**2) · known mistake: {SUM}" in stdout
    assert "    1 learner · (3, 6) (variant 1) · failed:" in stdout


def test_a_rerun_reads_every_verdict_from_the_gradebook_and_groups_them_alike(runs) -> None:
    tmp, [(_, first), (stdout, second)] = runs
    assert second["summary"]["cached"] == 20
    assert "graded 0 distinct answers; 20 already in the gradebook" in stdout
    assert second["summary"]["exercises"] == first["summary"]["exercises"]
    with sqlite3.connect(tmp / "td.db") as conn:
        stored = conn.execute("SELECT details FROM batch_grades WHERE learner = 'cy' AND exercise = ?",
                              ("groups/last-forward",)).fetchone()[0]  # fmt: skip
    assert json.loads(stored)["known_mistake"] == 1 and len(json.loads(stored)["behaviour"]) == 3


def test_a_wrong_verdict_stored_without_details_is_graded_again(tmp_path: Path) -> None:
    """A gradebook written before verdicts kept their details cannot say how its wrong answers behaved."""
    book = Gradebook(tmp_path / "td.db")
    for learner, status in (("ada", "passed"), ("bob", "failed")):
        verdict = {"status": status, "score": float(status == "passed"), "details": {"behaviour": ["ab"]}}
        book.record((learner, "d/x", "h"), "v1", verdict)
    book.flush()
    keys = {("ada", "d/x", "h"), ("bob", "d/x", "h")}
    assert book.lookup(keys, {"d/x": "v1"})[("bob", "d/x", "h")]["details"] == {"behaviour": ["ab"]}
    book.store.db.execute("UPDATE batch_grades SET details = NULL")
    assert set(book.lookup(keys, {"d/x": "v1"})) == {("ada", "d/x", "h")}
    book.close()


def fingerprint(value: object, tol: float = 1e-5, rtol: float = 1.3e-6) -> object:
    return canonical(value, tol, rtol)


def test_values_within_the_tolerance_share_a_fingerprint_and_others_do_not() -> None:
    x = torch.randn(4, 5, generator=torch.Generator().manual_seed(0))
    assert fingerprint(x) == fingerprint(x.double()), "float32 and float64 compare alike"
    assert fingerprint(x.sum(1) / 5) == fingerprint(x.mean(1)), "two ways of computing the same mean"
    assert fingerprint(x) != fingerprint(x + 1e-3)
    assert fingerprint(x) != fingerprint(x.T), "another shape"
    assert fingerprint(torch.tensor(2.5)) == fingerprint(2.5), "a one-number tensor is the number"
    assert fingerprint(torch.Size([2, 3])) == fingerprint((2, 3)) == fingerprint([2, 3])
    assert fingerprint(9.99996, tol=1e-3, rtol=0) == fingerprint(10.00001, tol=1e-3, rtol=0)
