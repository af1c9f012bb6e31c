"""Authoring as an author meets it: every problem points at the file's own line and column of the
code at fault, one broken exercise leaves the rest of its deck studyable, and `torchdrill new`
writes a skeleton that fits its id and kind and claims nothing the author did not write."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import SIZE, FakeGrader, clock, copy_sample, sync

from grader.authoring.skeletons import new_exercise
from grader.deck.loader import load_library
from grader.deck.model import default_title

TORCHDRILL = [sys.executable, "-m", "grader.cli"]
KINDS = ["card", "choice", "numeric", "predict", "expr", "fill", "code"]
FINE = "  - {id: fine, kind: card, title: t, prompt: p, back: b}\n"


def at(text: str, needle: str, shift: int = 0) -> tuple[int, int]:
    """1-based (line, col) of the one occurrence of `needle` in `text`, plus `shift` columns."""
    assert text.count(needle) == 1, needle
    index = text.index(needle) + shift
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def exercise(kind: str, body: str, ex_id: str = "broken") -> str:
    return f"  - id: {ex_id}\n    kind: {kind}\n    title: t\n    prompt: p\n{body}"


# name: (kind, fields, the text the error points at, columns into it)
SYNTAX = {
    "setup block": (
        "expr",
        "    setup: |\n      a = 1\n      b = (2,\n      c = 3\n    solution: a\n",
        "(2,",
        0,
    ),
    "check block": (
        "code",
        "    solution: |\n      def f(x):\n          return x\n"
        '    check: |\n      x = torch.randn(3)\n      observe("y", [f(x))\n',
        "[f(x))",
        5,
    ),
    "solution block, indented": (
        "code",
        "    solution: |\n      def f(x):\n          return x)\n    check: observe('y', f(1))\n",
        "return x)",
        8,
    ),
    "solution after a blank line": ("expr", "    solution: |\n\n      x[0]]\n", "x[0]]", 4),
    "solution, plain": ("expr", "    setup: x = [1]\n    solution: x[0]]\n", "x[0]]", 4),
    "solution, quoted": ("numeric", '    solution: "(1 + 2"\n', "(1 + 2", 0),
    "template after a blank": (
        "fill",
        '    setup: A = torch.eye(3)\n    template: torch.einsum("___", A))\n    solution: ["ii->"]\n',
        "A))",
        2,
    ),
}


@pytest.mark.parametrize("name", sorted(SYNTAX))
def test_a_syntax_error_is_reported_at_the_file_line_and_column_of_the_code(
    tmp_path: Path, name: str
) -> None:
    kind, body, needle, shift = SYNTAX[name]
    text = "deck: d\nexercises:\n" + FINE + exercise(kind, body)
    (tmp_path / "d.yaml").write_text(text)
    library = load_library([tmp_path])
    [problem] = library.problems
    assert (problem.line, problem.col) == at(text, needle, shift), str(problem)
    assert "is not valid Python" in problem.message and "(line" not in problem.message, problem.message
    assert [e.gid for e in library.entries] == ["d/fine"], "the deck's other exercise still loads"


def test_validate_prints_the_located_syntax_error_and_still_exits_1(tmp_path: Path) -> None:
    kind, body, needle, shift = SYNTAX["setup block"]
    text = "deck: d\nexercises:\n" + exercise(kind, body) + FINE
    (tmp_path / "d.yaml").write_text(text)
    result = subprocess.run(
        [*TORCHDRILL, "validate", "--quick", str(tmp_path)], capture_output=True, text=True
    )
    line, col = at(text, needle, shift)
    assert result.returncode == 1
    assert (
        f"{tmp_path / 'd.yaml'}:{line}:{col}: setup is not valid Python: '(' was never closed"
        in result.stdout
    )
    assert "1 deck(s), 1 exercise(s): 1 problem(s)" in result.stderr


# -- a reference that raises -----------------------------------------------------------------------
TEACH = "    hints: [h]\n    explanation: e\n    tags: [t]\n"
# id: (kind, fields, the text the error points at, columns into it, what was raised)
RAISES = {
    "numeric-solution": ("numeric", "    setup: x = 1\n    solution: x + zz\n", "zz", 0, "NameError"),
    "numeric-setup": (
        "numeric",
        "    setup: |\n      x = torch.arange(3)\n      y = x[10]\n    solution: y\n",
        "x[10]",
        0,
        "IndexError",
    ),
    "code-in-solution": (
        "code",
        "    solution: |\n      def f(x):\n          return x[10]\n    check: |\n      observe('y', f(torch.randn(N)))\n"
        "    params: {N: [2, 3, 4]}\n",
        "x[10]",
        0,
        "IndexError",
    ),
    "code-in-check": (
        "code",
        "    solution: |\n      def g(x):\n          return x * 2\n    check: |\n      x = torch.randn(N)\n"
        "      observe('y', gg(x))\n    params: {N: [2, 3, 4]}\n",
        "gg(x)",
        0,
        "NameError",
    ),
    "expr-one-trial": (  # only the trial with N = 2 fails: the replay finds that trial
        "expr",
        "    setup: |\n      x = torch.randn(N)\n      third = x[2]\n    params: {N: [5, 2, 6]}\n"
        "    solution: third * 2\n",
        "x[2]",
        0,
        "IndexError",
    ),
    "fill-template": (
        "fill",
        '    setup: A = torch.randn(N, N)\n    params: {N: [2, 3]}\n    template: torch.einsum("___", A)[5]\n'
        '    solution: ["ii->"]\n',
        "torch.einsum",
        0,
        "IndexError",
    ),
}


@pytest.fixture(scope="module")
def raising(tmp_path_factory: pytest.TempPathFactory):
    from grader.engine.grader import Grader

    root = tmp_path_factory.mktemp("raising")
    text = "deck: r\nexercises:\n" + "".join(
        exercise(kind, TEACH + body, ex_id) for ex_id, (kind, body, *_) in RAISES.items()
    )
    (root / "r.yaml").write_text(text)
    library = load_library([root])
    assert library.problems == []
    with Grader(library, "cpu") as grader:
        yield text, library, grader


@pytest.mark.parametrize("ex_id", sorted(RAISES))
def test_a_reference_that_raises_is_reported_at_the_line_that_raised(raising, ex_id: str) -> None:
    from grader.authoring.validate import check_entry

    text, library, grader = raising
    _, body, needle, shift, error = RAISES[ex_id]
    entry = library.get(f"r/{ex_id}")
    errors = [p for p in check_entry(grader, entry) if p.severity == "error"]
    assert len(errors) == 1, [str(p) for p in errors]
    line, col = at(text, needle, shift) if text.count(needle) == 1 else _within(text, ex_id, needle)
    assert (errors[0].line, errors[0].col) == (line, col), str(errors[0])
    assert errors[0].line != entry.line, "not the exercise's `- id` line"
    assert error in errors[0].message and "fix it" in errors[0].message


def _within(text: str, ex_id: str, needle: str) -> tuple[int, int]:
    """`needle` inside exercise `ex_id`'s own text (it may occur in others too)."""
    start = text.index(f"  - id: {ex_id}\n")
    end = text.find("  - id: ", start + 1)
    index = text.index(needle, start, end if end != -1 else len(text))
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def test_validate_reports_a_numeric_truth_that_raises_instead_of_crashing(tmp_path: Path) -> None:
    kind, body, needle, shift, _ = RAISES["numeric-solution"]
    text = "deck: n\nexercises:\n" + exercise(kind, TEACH + body)
    (tmp_path / "n.yaml").write_text(text)
    result = subprocess.run(
        [*TORCHDRILL, "validate", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    line, col = at(text, needle, shift)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "unexpected error" not in result.stderr and "Traceback" not in result.stderr
    assert (
        f"n.yaml:{line}:{col}: n/broken: the exercise's own code fails in its solution: NameError"
        in result.stdout
    )


# -- one broken exercise, the rest of the deck -------------------------------------------------------
BROKEN_CHOICE = "  - id: bad-choice\n    kind: choice\n    title: t\n    prompt: p\n    options: [a, b]\n    answer: [5]\n\n"


def sample_with_a_broken_exercise(quizzes: Path) -> tuple[Path, str]:
    deck = copy_sample(quizzes) / "sample.yaml"
    text = deck.read_text().replace("  - id: mean-of-range\n", BROKEN_CHOICE + "  - id: mean-of-range\n", 1)
    deck.write_text(text)
    return deck, text


def test_one_broken_exercise_leaves_the_rest_of_its_deck_loaded(tmp_path: Path) -> None:
    deck, text = sample_with_a_broken_exercise(tmp_path / "quizzes")
    library = load_library([tmp_path / "quizzes"])
    assert [e.exercise.id for e in library.entries] == [
        "stack-card", "nll-input", "mean-of-range", "view-shape", "last-forward", "einsum-trace", "mse-by-hand",
    ]  # fmt: skip
    [problem] = library.problems
    assert (problem.path, problem.line, problem.col) == (str(deck), at(text, "  - id: bad-choice")[0], 5)
    assert "out of range" in problem.message


def test_a_duplicate_key_or_id_leaves_out_only_that_exercise(tmp_path: Path) -> None:
    text = (
        "deck: d\nexercises:\n"
        "  - {id: a, kind: card, title: t, prompt: p, back: b}\n"
        "  - {id: b, kind: card, title: t, title: u, prompt: p, back: b}\n"
        "  - {id: a, kind: card, title: again, prompt: p, back: b}\n"
        "  - {id: c, kind: card, title: t, prompt: p, back: b}\n"
    )
    (tmp_path / "d.yaml").write_text(text)
    library = load_library([tmp_path])
    assert [e.gid for e in library.entries] == ["d/a", "d/c"]
    assert library.get("d/a").exercise.title == "t", (
        "the first of two exercises with one id is the one loaded"
    )
    assert [(p.line, p.message.split(":")[0]) for p in library.problems] == [
        (4, "duplicate key 'title' in this mapping"),
        (5, "duplicate id 'a'"),
    ]


def test_a_problem_of_the_deck_itself_still_skips_the_deck(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text("deck: d\ntitel: T\nexercises:\n" + FINE)
    (tmp_path / "e.yaml").write_text("deck: e\nexercises:\n  - {id: x, kind: card, title: t, prompt: p}\n")
    library = load_library([tmp_path])
    assert library.decks == [], (
        "a deck with an unknown field, and one with nothing that loads, are not listed"
    )
    assert [(Path(p.path).name, p.line) for p in library.problems] == [("d.yaml", 2), ("e.yaml", 3)]


def test_validate_still_exits_1_and_names_the_broken_exercise(tmp_path: Path) -> None:
    deck, text = sample_with_a_broken_exercise(tmp_path / "quizzes")
    result = subprocess.run(
        [*TORCHDRILL, "validate", "--quick", str(tmp_path / "quizzes")], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stdout.startswith(f"{deck}:{at(text, '  - id: bad-choice')[0]}:5: ")
    assert "1 deck(s), 7 exercise(s): 1 problem(s)" in result.stderr


@sync
async def test_the_deck_list_shows_the_rest_of_the_deck_and_the_broken_exercise(tmp_path: Path) -> None:
    from textual.widgets import DataTable

    from tui.app import TorchDrillApp

    deck, text = sample_with_a_broken_exercise(tmp_path / "quizzes")
    app = TorchDrillApp(tmp_path / "quizzes", tmp_path / "td.db", FakeGrader(), clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#decks", DataTable)
        assert table.row_count == 1 and [str(c) for c in table.get_row_at(0)[2:]] == ["7", "0", "0"]
        problems = str(app.screen.query_one("#problems").render())
        assert f"sample.yaml:{at(text, '  - id: bad-choice')[0]}:5" in problems.replace("\n", "")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.entry.gid == "sample/stack-card", "its exercises can be studied"


def test_new_appends_to_a_deck_with_a_broken_exercise_and_leaves_its_problem_alone(tmp_path: Path) -> None:
    deck, _ = sample_with_a_broken_exercise(tmp_path / "quizzes")
    path = new_exercise("numeric", "sample/added", tmp_path / "quizzes")
    library = load_library([tmp_path / "quizzes"])
    assert path == deck and library.get("sample/added") is not None
    assert ["out of range" in p.message for p in library.problems] == [True]


# -- torchdrill new -------------------------------------------------------------------------------------
def exercises_of(path: Path) -> dict[str, dict]:
    return {e["id"]: e for e in yaml.safe_load(path.read_text())["exercises"]}


@pytest.mark.parametrize("kind", KINDS)
def test_the_skeleton_is_named_after_its_id_and_claims_nothing_unwritten(tmp_path: Path, kind: str) -> None:
    path = new_exercise(kind, "losses/bce-by-hand", tmp_path)
    new_exercise(kind, "losses/label-smoothing", tmp_path)
    written = exercises_of(path)
    one, other = written["bce-by-hand"], written["label-smoothing"]
    assert (one["title"], other["title"]) == (default_title("bce-by-hand"), default_title("label-smoothing"))
    for ex in (one, other):
        assert "source" not in ex, "no made-up source: it is a comment to fill in"
        assert ex["prompt"].startswith("TODO:"), "the question is the author's to write, and says so"
        answers = [ex["back"]] if "back" in ex else ex.get("options", [])  # a card's back, a choice's options
        assert all(text.startswith("TODO:") for text in answers), answers
    assert "# source:" in path.read_text()
    if kind == "code":
        assert "def bce_by_hand(x)" in one["solution"] and "def label_smoothing(x)" in other["solution"]
        assert "bce_by_hand(" in one["prompt"] and "bce_by_hand(" in one["check"]


def test_every_skeleton_validates_as_written_and_validate_says_what_is_left(tmp_path: Path) -> None:
    for kind in KINDS:
        new_exercise(kind, f"demo/{kind}-one", tmp_path)
    new_exercise("code", "demo/x", tmp_path)  # a name the example's own code uses
    new_exercise("code", "demo/2d-conv", tmp_path)  # not a Python name as it is
    result = subprocess.run(
        [*TORCHDRILL, "validate", str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "9 exercise(s): all good" in result.stderr
    todo = [line for line in result.stdout.splitlines() if "the skeleton's TODO is still there" in line]
    assert {line.split(": warning: ")[1].split(":")[0] for line in todo} == {
        *(f"demo/{kind}-one" for kind in KINDS),
        "demo/x",
        "demo/2d-conv",
    }
    assert all(": warning: " in line for line in result.stdout.splitlines())
