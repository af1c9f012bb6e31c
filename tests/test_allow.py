"""`allow:` (Tensor-Puzzles-style exercises): only operators, indexing, the learner's own names, setup's
names and what the list gives. Each escape is refused statically with a `forbidden` verdict, nothing
runs, and the next honest answer is graded right. On tests/fixtures/puzzles.yaml, through the real
grader."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.deck.loader import load_library
from grader.engine.allow import find_outside
from grader.engine.grader import Grader

FIXTURE = Path(__file__).parent / "fixtures" / "puzzles.yaml"
ALLOW = ["torch.arange", "torch.where", "Tensor.shape"]
HONEST = "def outer(a, b):\n    return a[:, None] * b[None, :]\n"


@pytest.fixture(scope="module")
def puzzles(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("puzzles")
    shutil.copy(FIXTURE, folder / "puzzles.yaml")
    library = load_library([folder])
    assert library.problems == []
    with Grader(library, "cpu") as g:
        yield g


def outside(source: str, mode: str = "exec") -> list[str]:
    return [u.name for u in find_outside(source, mode, ALLOW, {"a", "b"})]


@pytest.mark.parametrize(
    "source",
    [
        "a[:, None] * b[None, :] @ b",
        "torch.where(a > 0, a, 0) + torch.arange(a.shape[0])",
        "def f(i):\n    return torch.arange(i)\nf(3)",
        "(lambda z: z * 2)(a)",
        "from torch import where as W\nW(a > 0, a, 0)",
        "import torch\ntorch.arange(3)",
        "a.shape[0] - 1",
    ],
)
def test_operators_indexing_own_names_and_listed_names_are_allowed(source: str) -> None:
    assert outside(source) == []


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        ("a.sum()", "Tensor.sum"),  # a tensor method not on the list
        ("torch.Tensor.sum(a)", "Tensor.sum"),  # the same method through the class
        ("torch.sum(a)", "torch.sum"),
        ("F.relu(a)", "torch.nn.functional.relu"),  # a predefined alias
        ("torch.nn.functional.relu(a)", "torch.nn.functional.relu"),
        ("from torch import ones\nones(3)", "torch.ones"),  # imported under its own name
        ("from torch import ones as arange\narange(3)", "torch.ones"),  # under an allowed name
        ("t = torch\nt.ones(3)", "torch"),  # the module bound to a name of the learner's
        ("getattr(a, 'sum')()", "getattr"),  # reflection is a builtin, and builtins are not given
        ("len(a)", "len"),
        ("eval('a.sum()')", "eval"),
        ("a.__class__.sum(a)", ".__class__"),  # dunders never
        ("'{0.sum}'.format(a)", "Tensor.format"),  # any attribute of a value counts as a tensor's
        ("import numpy\nnumpy.sum(a)", "numpy.sum"),
        ("[x for x in range(3)]", "range"),
        # a builtin rebound under its own name is still the builtin
        ("(lambda getattr=getattr: getattr(a, 'flatten')())()", "getattr"),
        ("[(getattr := getattr), getattr(a, 'sum')()][1]", "getattr"),
        ("def f(a, getattr=getattr):\n    return getattr(a, 'sum')()", "getattr"),
        ("sum = lambda a, s=sum: s(a)", "sum"),
        ("len = len\nlen(a)", "len"),
    ],
)
def test_each_escape_is_refused_by_name(source: str, refused: str) -> None:
    assert refused in outside(source)


def test_a_forbidden_code_answer_is_refused_and_the_next_honest_one_passes(puzzles) -> None:
    for cheat in (
        "def outer(a, b):\n    return torch.outer(a, b)\n",
        "def outer(a, b):\n    return a.unsqueeze(1) * b\n",
        "def outer(a, b):\n    return torch.einsum('i,j->ij', a, b)\n",
        "def outer(a, b):\n    m = getattr(torch, 'outer')\n    return m(a, b)\n",
    ):
        verdict = puzzles.grade("puzzles/outer", cheat)
        assert verdict.status == "forbidden", (cheat, verdict)
        assert "not allowed in this exercise" in verdict.feedback
        assert "torch.arange, torch.where, Tensor.shape" in verdict.feedback  # says what is given
    assert puzzles.grade("puzzles/outer", HONEST).status == "passed"
    assert puzzles.grade("puzzles/outer", "def outer(a, b):\n    return a[:, None] + b\n").status == "failed"


def test_setup_names_and_params_are_given_to_an_expression(puzzles) -> None:
    assert puzzles.grade("puzzles/ones", "helper(n) + 1").status == "passed"
    assert puzzles.grade("puzzles/ones", "torch.ones(n)").status == "forbidden"
    assert puzzles.grade("puzzles/ones", "torch.arange(N) * 0 + 1").status == "passed"


def test_a_blank_may_not_add_what_the_template_does_not_give(puzzles) -> None:
    assert puzzles.grade("puzzles/where-fill", ["x >= 0"]).status == "passed"
    assert puzzles.grade("puzzles/where-fill", ["x.gt(0)"]).status == "forbidden"
    assert puzzles.grade("puzzles/where-fill", ["torch.ones(6).bool()"]).status == "forbidden"
    assert puzzles.grade("puzzles/where-fill", ["0 < x"]).status == "passed"


def test_validate_checks_allow_entries_resolve(tmp_path: Path) -> None:
    from grader.authoring.weak import unresolved_forbids

    text = FIXTURE.read_text().replace("allow: [torch.arange]", "allow: [torch.arnage, len, helper, nope]")
    (tmp_path / "p.yaml").write_text(text)
    entry = load_library([tmp_path]).get("puzzles/ones")
    bad = unresolved_forbids(entry.exercise)
    assert any("torch.arnage" in b for b in bad) and any("'nope'" in b for b in bad)
    assert not any("'len'" in b or "'helper'" in b for b in bad)
