"""Verdicts a learner can trust: no right answer rejected, no grader fault counted, feedback that
names the mistake. On tests/fixtures/trust.yaml, through the real sandbox."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from grader.deck.loader import load_library
from grader.engine.grader import Grader

FIXTURE = Path(__file__).parent / "fixtures" / "trust.yaml"
ROOT = Path(__file__).resolve().parent.parent
MSE = "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"


@pytest.fixture(scope="module")
def quizzes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("trust")
    shutil.copy(FIXTURE, folder / "trust.yaml")
    return folder


@pytest.fixture(scope="module")
def trust(quizzes: Path):
    with Grader(load_library([quizzes]), "cpu") as g:
        yield g


# -- 1. a grader fault is never the learner's --------------------------------------------------------
def test_a_reference_that_raises_is_broken_not_the_learners_error(trust) -> None:
    for gid, answer in (("trust/broken-reference", "def f(x):\n    return x\n"), ("trust/broken-truth", "1")):
        verdict = trust.grade(gid, answer)
        assert verdict.status == "broken" and verdict.score == 0.0
        assert "could not be graded" in verdict.feedback and "Nothing was recorded" in verdict.feedback
    assert trust.grade("trust/mse", MSE).status == "passed"  # the next honest answer is graded right


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command line: in this process (torch is already imported here) unless an environment of
    its own is needed, then as a real subprocess."""
    if env is not None:
        return subprocess.run(
            [sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True, env=env
        )
    from click.testing import CliRunner

    from grader.cli import main

    result = CliRunner().invoke(main, list(args))
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def reviews(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM reviews").fetchone()[0]


def test_a_broken_exercise_records_no_review_from_the_command_line(quizzes: Path, tmp_path: Path) -> None:
    db = tmp_path / "td.db"
    result = run_cli(
        "--quizzes", str(quizzes), "--db", str(db), "review", "trust/broken-truth", "--answer", "1", "--json"
    )
    out = json.loads(result.stdout)
    assert result.returncode == 1 and out["status"] == "broken" and out["recorded"] is False
    text = run_cli(
        "--quizzes", str(quizzes), "--db", str(db), "review", "trust/broken-reference", "--answer", "x = 1"
    )
    assert text.returncode == 1 and "could not be graded" in text.stderr and "Traceback" not in text.stderr
    assert reviews(db) == 0


def test_a_broken_grade_is_not_kept_in_the_gradebook_and_counts_apart(quizzes: Path, tmp_path: Path) -> None:
    from grader.batch.runner import run_batch

    subs = tmp_path / "s.jsonl"
    lines = [
        {"learner": "ada", "exercise": "trust/broken-truth", "answer": "1"},
        {"learner": "ada", "exercise": "trust/mse", "answer": MSE},
    ]
    subs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    db = tmp_path / "td.db"
    quiet = dict(workers=1, device="cpu", db=db, progress=False, echo=lambda *a, **k: None)
    first = run_batch(subs, quizzes, **quiet)
    assert [r.status for r in first.results] == ["broken", "passed"]
    assert first.summary["not_graded"] == 1 and first.summary["mean_score"] == 1.0
    again = run_batch(subs, quizzes, **quiet)
    assert (again.graded, again.reused) == (1, 1)  # the broken one is graded again, the other read back


def test_without_numpy_a_code_exercise_is_still_graded(quizzes: Path, tmp_path: Path) -> None:
    """A plain `pip install` has no numpy: observations must not need it on the wire."""
    shadow = tmp_path / "shadow" / "numpy"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(
        "raise ModuleNotFoundError('numpy is hidden by this test', name='numpy')\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": f"{shadow.parent}:{ROOT}"}
    db = tmp_path / "td.db"
    result = run_cli(
        "--quizzes", str(quizzes), "--db", str(db), "review", "trust/mse", "--answer", MSE, "--json", env=env
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "passed" and reviews(db) == 1
    probe = "import torch, sys; print('numpy' in sys.modules and sys.modules['numpy'] is not None)"
    assert (
        subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True).stdout.strip()
        == "False"
    )


# -- 2. the answer cannot shift the check -------------------------------------------------------------
@pytest.mark.parametrize(
    "extra",
    [
        "x = torch.randn(100)  # trying things out\nprint(mse(x, x))\n",
        "torch.manual_seed(1234)\n_ = torch.rand(7)\n",
        'if __name__ == "__main__":\n    raise SystemExit("a self-test that must not run")\n',
        "import random\nrandom.seed(5)\nfor _ in range(3):\n    torch.randn(3, 3)\n",
        'assert __name__ != "__main__"\n',
    ],
    ids=["randn and print", "reseeding", "main block", "python random and draws", "module name"],
)
def test_a_right_answer_with_a_self_test_passes(trust, extra: str) -> None:
    verdict = trust.grade("trust/mse", MSE + extra)
    assert verdict.status == "passed", verdict.feedback


# -- 3. predict reads what torch prints ---------------------------------------------------------------
@pytest.mark.parametrize(
    "gid, answer",
    [
        ("trust/two-shapes", "(torch.Size([3, 2, 4]), torch.Size([2]))"),
        ("trust/two-shapes", "((3, 2, 4), (2,))"),
        ("trust/two-shapes", "[[3, 2, 4], [2]]"),
        ("trust/mask-values", "tensor([ True, False,  True])"),
        ("trust/mask-values", "[True, False, True]"),
        ("trust/int-dtype", "torch.int64"),
        ("trust/int-dtype", "'torch.int64'"),
        ("trust/int-dtype", "int64"),
        ("trust/int-dtype", "torch.long"),
        ("trust/float-tensor", "tensor([0.5000, 1.0000])"),
        ("trust/float-tensor", "tensor([0.5, 1.])"),
        ("trust/float-tensor", "[0.5, 1]"),
        ("trust/int32-tensor", "tensor([[1, 2]], dtype=torch.int32)"),
        ("trust/int32-tensor", "[[1, 2]]"),
        ("trust/scalar-bool", "tensor(True)"),
        ("trust/scalar-bool", "True"),
        ("trust/size-as-tuple", "torch.Size([2, 4])"),
        ("trust/size-as-tuple", "(2, 4)"),
        ("trust/as-list", "[0.0, 0.5, 1.0]"),
        ("trust/as-list", "tensor([0.0000, 0.5000, 1.0000])"),
    ],
)
def test_predict_accepts_the_forms_torch_prints(trust, gid: str, answer: str) -> None:
    verdict = trust.grade(gid, answer)
    assert verdict.status == "passed", (answer, verdict.feedback)


@pytest.mark.parametrize(
    "gid, answer, says",
    [
        ("trust/two-shapes", "((6, 2, 4), (2,))", "element [0]: expected (3, 2, 4), got (6, 2, 4)"),
        ("trust/mask-values", "[1, 0, 1]", "expected bools, got ints"),
        ("trust/float-tensor", "tensor([0, 1])", "expected floats, got ints"),
        ("trust/int32-tensor", "tensor([[1, 2]], dtype=torch.int64)", "dtype"),
        ("trust/int-dtype", "torch.int32", "not the dtype"),
        ("trust/scalar-bool", "1", "expected bools, got ints"),
    ],
)
def test_a_wrong_prediction_says_what_differs(trust, gid: str, answer: str, says: str) -> None:
    verdict = trust.grade(gid, answer)
    assert verdict.status == "failed" and says in verdict.feedback, verdict.feedback


@pytest.mark.parametrize(
    "answer",
    [
        "__import__('os').system('touch {marker}')",
        "exec(\"open('{marker}', 'w')\")",
        "tensor(open('{marker}', 'w'))",
        "torch.Size([len(open('{marker}', 'w').name)])",
        "[x for x in open('{marker}', 'w')]",
        "(lambda: open('{marker}', 'w'))()",
        "tensor([1.]).__class__.__init__.__globals__",
    ],
)
def test_nothing_a_learner_types_for_predict_is_evaluated(trust, tmp_path: Path, answer: str) -> None:
    marker = tmp_path / "evaluated"
    verdict = trust.grade("trust/float-tensor", answer.format(marker=marker))
    assert verdict.status == "invalid" and not marker.exists()


# -- 4. feedback that says what differs ----------------------------------------------------------------
def test_a_tensor_difference_shows_the_values_around_the_worst_index(trust) -> None:
    verdict = trust.grade("trust/wide-row", "torch.where(x == 33, x * 3, x * 2)")
    assert verdict.status == "failed"
    lines = verdict.feedback.splitlines()
    assert "at index (1, 13)" in lines[0] and "expected 66, got 99" in lines[0]
    assert "[1, 10:17]" in verdict.feedback
    assert "62, 64, 66, 68" in lines[2] and "62, 64, 99, 68" in lines[3]


def test_booleans_are_shown_as_booleans(trust) -> None:
    verdict = trust.grade("trust/bool-mask", "x >= 0.5")
    assert verdict.status == "failed" and "True" in verdict.feedback and "1.0" not in verdict.feedback


def test_the_trial_counts_of_header_and_body_agree(trust) -> None:
    right = trust.grade("trust/mse", MSE)
    assert (right.trials, right.passed_trials) == (4, 4) and "all 4 trials passed" in right.feedback
    wrong = trust.grade("trust/mse", "def mse(a, b):\n    return (a - b).abs().mean()\n")
    assert wrong.trials == 4 and wrong.feedback.startswith("trial 1 of 4:")


def test_a_name_error_lists_the_names_the_learner_may_use(trust) -> None:
    verdict = trust.grade("trust/lenient-dtype", "y.mean()")
    assert verdict.status == "error"
    assert "Names you can use here: x;" in verdict.feedback and "torch, nn, F" in verdict.feedback


# -- 5. checks that compare more than values ----------------------------------------------------------
def test_a_check_can_require_a_detached_output(trust) -> None:
    kept = trust.grade("trust/detached-output", "def record(y):\n    return y\n")
    assert kept.status == "failed" and "detach" in kept.feedback
    for right in ("def record(y):\n    return y.detach()\n", "def record(y):\n    return y.detach().clone()\n",
                  "def record(y):\n    with torch.no_grad():\n        return y * 1\n"):  # fmt: skip
        assert trust.grade("trust/detached-output", right).status == "passed"


def test_dtype_is_exact_only_where_the_check_asks(trust) -> None:
    assert trust.grade("trust/exact-dtype", "def to64(x):\n    return x.float()\n").status == "failed"
    assert (
        trust.grade("trust/exact-dtype", "def to64(x):\n    return x.to(torch.float64)\n").status == "passed"
    )
    # a right answer computed in float64 is right where the check did not ask for the dtype
    assert trust.grade("trust/lenient-dtype", "x.double().mean()").status == "passed"
    assert trust.grade("trust/lenient-dtype", "x.mean().double()").status == "passed"
    assert (
        trust.grade("trust/bool-mask", "(x > 0).int()").status == "failed"
    )  # bools against ints still differ


# -- 6. examples -----------------------------------------------------------------------------------------
def test_an_answer_that_behaves_like_a_known_wrong_example_gets_its_feedback(trust) -> None:
    alike = "def mse(a, b):\n    d = a - b\n    return torch.sum(d * d)\n"  # other text, same observations
    verdict = trust.grade("trust/mse", alike)
    assert verdict.status == "failed" and "sum of squared errors" in verdict.feedback
    other = trust.grade("trust/mse", "def mse(a, b):\n    return (a - b).abs().mean()\n")
    assert other.status == "failed" and "sum of squared errors" not in other.feedback
    assert (
        "batch dimension"
        in trust.grade("trust/two-shapes", "(torch.Size([6, 2, 4]), torch.Size([2]))").feedback
    )
    assert "'mean'" in trust.grade("trust/which-mean", [0]).feedback


def test_validate_reports_an_example_the_grader_gets_wrong_at_its_line(quizzes: Path, tmp_path: Path) -> None:
    text = FIXTURE.read_text().replace(
        "              return (a - b).pow(2).mean()\n        passes: true",
        "              return (a - b).pow(2).mean()\n        passes: false",
    )
    deck = tmp_path / "trust.yaml"
    deck.write_text(text.replace("  - id: broken-reference", "  - id: gone").split("  - id: gone")[0])
    result = run_cli("validate", str(deck))
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.strip().startswith("- answer: |"))
    assert result.returncode == 1
    assert f"trust.yaml:{line}:9: trust/mse: example 1 should fail but passes" in result.stdout, result.stdout


def test_checks_that_observe_with_flags_are_not_mistaken_for_weak_ones(tmp_path: Path) -> None:
    text = FIXTURE.read_text()
    keep = [
        block for block in text.split("\n  - id: ") if block.startswith(("detached-output", "exact-dtype"))
    ]
    deck = tmp_path / "flags.yaml"
    deck.write_text("deck: flags\nexercises:\n" + "".join(f"  - id: {block}\n" for block in keep))
    result = run_cli("validate", str(deck))
    assert result.returncode == 0 and "2 exercise(s)" in result.stderr, result.stdout + result.stderr


def test_the_shipped_style_examples_validate_clean(quizzes: Path, tmp_path: Path) -> None:
    deck = tmp_path / "trust.yaml"
    deck.write_text(FIXTURE.read_text().split("  - id: broken-reference")[0])
    result = run_cli("validate", str(deck))
    assert result.returncode == 0, result.stdout + result.stderr


# -- statuses come from what the trusted side saw ------------------------------------------------------
def test_a_learner_class_named_forbidden_error_is_an_ordinary_error(trust) -> None:
    answer = (
        "class ForbiddenError(Exception):\n    pass\ndef mse(a, b):\n    raise ForbiddenError('mse_loss')\n"
    )
    assert trust.grade("trust/mse", answer).status == "error"
    spoof = (
        "from grader.sandbox.guard import ForbiddenError\ndef mse(a, b):\n    raise ForbiddenError('x.y')\n"
    )
    assert trust.grade("trust/mse", spoof).status == "error"  # a name this exercise does not forbid


def test_an_observation_that_cannot_be_a_float_fails_rather_than_breaking(trust) -> None:
    verdict = trust.grade("trust/lenient-dtype", "10**4000")
    assert verdict.status == "failed", verdict.feedback
    assert trust.grade("trust/lenient-dtype", "x.mean()").status == "passed"
