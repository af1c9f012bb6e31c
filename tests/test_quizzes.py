"""Every exercise shipped in quizzes/ is valid: its reference passes its own checks, an obviously
wrong answer (the starter, an empty answer, a far-off number) does not, and every one of its
examples gets the verdict it states."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.deck.loader import load_library

QUIZZES = Path(__file__).resolve().parent.parent / "quizzes"
LIBRARY = load_library([QUIZZES])


def test_shipped_decks_load_without_problems() -> None:
    assert [str(p) for p in LIBRARY.problems] == []


def test_every_kind_is_shipped() -> None:
    kinds = {e.exercise.kind for e in LIBRARY.entries}
    assert kinds == {"card", "choice", "numeric", "predict", "expr", "fill", "code"}


@pytest.fixture(scope="module")
def shipped_grader():
    from grader.engine.grader import Grader

    with Grader(LIBRARY, "cpu") as g:
        yield g


@pytest.mark.parametrize("gid", [e.gid for e in LIBRARY.entries])
def test_exercise_reference_passes_and_wrong_answer_fails(shipped_grader, gid: str) -> None:
    from grader.authoring.validate import check_entry

    problems = check_entry(shipped_grader, LIBRARY.get(gid))
    assert [str(p) for p in problems if p.severity == "error"] == []
    assert [str(p) for p in problems if "example" in p.message] == []  # every example's feedback can be seen


@pytest.mark.parametrize("gid", [e.gid for e in LIBRARY.entries if e.exercise.kind != "card"])
def test_every_exercise_carries_its_own_known_answers(gid: str) -> None:
    """Executable kinds: two right alternatives and a classic wrong one whose feedback names the
    mistake; the kinds graded by value: the forms learners type, right and wrong."""
    examples = LIBRARY.get(gid).exercise.examples
    right = [e for e in examples if e.passes]
    named = [e for e in examples if not e.passes and e.feedback]
    if LIBRARY.get(gid).exercise.kind in ("expr", "fill", "code"):
        assert len(right) >= 2 and len(named) >= 1, (len(right), len(named))
    elif LIBRARY.get(gid).exercise.kind in ("predict", "numeric"):
        assert len(right) >= 2 and len(named) >= 1, (len(right), len(named))
    else:
        assert named, "a choice names its most tempting wrong option"
