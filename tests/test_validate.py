"""`torchdrill validate`: broken decks located, weak exercises caught, warnings kept apart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader.authoring.validate import check_entry
from grader.deck.loader import load_library
from grader.engine.grader import Grader

TORCHDRILL = [sys.executable, "-m", "grader.cli"]


def in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line in this process (torch is imported here already); one test below runs it for real."""
    from click.testing import CliRunner

    from grader.cli import main

    result = CliRunner().invoke(main, list(args))
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


TEACHING = "    hints: [h]\n    explanation: e\n    tags: [t]\n"


def code_exercise(**fields: str) -> str:
    base = {
        "solution": "|\n      def f(x):\n          return x * 2",
        "check": "|\n      x = torch.randn(N)\n      observe('y', f(x))",
        "params": "{N: [2, 3, 4]}",
        "starter": "|\n      def f(x):\n          ...",
    }
    base.update(fields)
    body = "".join(f"    {k}: {v}\n" for k, v in base.items())
    return f"exercises:\n  - id: ex\n    kind: code\n    title: t\n    prompt: p\n{TEACHING}{body}"


WEAK = {
    "starter passes": (
        code_exercise(starter="|\n      def f(x):\n          return x + x"),
        "the starter passes",
    ),
    "not deterministic": (
        code_exercise(
            check="|\n      import time\n      observe('y', f(torch.tensor(float(time.perf_counter_ns() % 997))))"
        ),
        "not deterministic",
    ),
    "observes nothing": (code_exercise(check="|\n      f(torch.randn(N))"), "observes nothing"),
    "only shapes": (code_exercise(check="|\n      observe('shape', f(torch.randn(N)).shape)"), "only shapes"),
    "cannot fail": (code_exercise(tolerance="1000.0"), "still passes"),
    "identical trials": (
        code_exercise(check="|\n      observe('y', f(torch.ones(3)))", params="{}"),
        "identical values",
    ),
    "forbid typo": (code_exercise(forbid="[torch.nn.functional.mse_los]"), "does not resolve"),
    "forbid unknown plain name": (code_exercise(forbid="[h_n]"), "neither a module nor a name"),
}


@pytest.mark.parametrize("name", sorted(WEAK))
def test_weak_exercise_is_caught(tmp_path: Path, name: str) -> None:
    text, words = WEAK[name]
    (tmp_path / "weak.yaml").write_text(text)
    library = load_library([tmp_path])
    assert library.problems == []
    with Grader(library, "cpu") as grader:
        problems = [p for p in check_entry(grader, library.get("weak/ex")) if p.severity == "error"]
    assert any(words in p.message for p in problems), [str(p) for p in problems]


def test_a_sound_exercise_has_no_problems(tmp_path: Path) -> None:
    (tmp_path / "sound.yaml").write_text(code_exercise())
    library = load_library([tmp_path])
    with Grader(library, "cpu") as grader:
        assert check_entry(grader, library.get("sound/ex")) == []


def test_missing_teaching_is_a_warning_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / "bare.yaml").write_text(code_exercise().replace(TEACHING, ""))
    result = in_process("validate", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("warning:") == 3 and "no hints" in result.stdout


def test_broken_decks_exit_1_with_one_located_line_each(tmp_path: Path, sample_quizzes: Path) -> None:
    (tmp_path / "good.yaml").write_text((sample_quizzes / "sample.yaml").read_text())
    broken = {
        "typo.yaml": "exercises:\n  - {id: a, kind: card, title: t, prompt: p, back: b, bakc: c}\n",
        "list.yaml": "- a\n",
        "empty.yaml": "",
        "kind.yaml": "exercises:\n  - {id: a, kind: essay}\n",
    }
    for name, text in broken.items():
        (tmp_path / name).write_text(text)
    result = in_process("validate", "--quick", str(tmp_path))
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ": warning: " not in line]
    assert len(errors) == len(broken)
    for name in broken:
        assert any(
            line.startswith(f"{tmp_path / name}:") and line.split(":")[1].isdigit() for line in errors
        ), name
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_of_a_missing_path_exits_1_with_a_message(tmp_path: Path) -> None:
    result = in_process("validate", str(tmp_path / "nope"))
    assert result.returncode == 1 and "no such file or directory" in result.stdout


def test_integer_observations_that_vary_are_not_flagged(tmp_path: Path) -> None:
    (tmp_path / "ints.yaml").write_text(
        code_exercise(
            solution="|\n      def f(x):\n          return int(x.argmax())",
            check="|\n      observe('i', f(torch.randn(N)))",
            params="{N: [5, 6, 7, 8]}",
            trials="4",
        )
    )
    library = load_library([tmp_path])
    with Grader(library, "cpu") as grader:
        assert check_entry(grader, library.get("ints/ex")) == []


def test_validate_with_code_prints_no_traceback(sample_quizzes: Path) -> None:
    result = subprocess.run([*TORCHDRILL, "validate", str(sample_quizzes)], capture_output=True, text=True)
    assert result.returncode == 0 and "Traceback" not in result.stdout + result.stderr, result.stderr


def test_a_numeric_tolerance_that_lets_zero_pass_is_caught(tmp_path: Path) -> None:
    (tmp_path / "num.yaml").write_text(
        "exercises:\n  - id: ex\n    kind: numeric\n    title: t\n    prompt: p\n"
        f"{TEACHING}    solution: 2.0\n    tolerance: 5\n"
    )
    library = load_library([tmp_path])
    with Grader(library, "cpu") as grader:
        messages = [p.message for p in check_entry(grader, library.get("num/ex"))]
    assert any("0, with this tolerance, passes" in m for m in messages), messages
