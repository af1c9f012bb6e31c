"""Each kind graded: right, equivalent-but-different, wrong, invalid (sample deck, real sandbox)."""

from __future__ import annotations

import pytest

CASES = [
    # (exercise, answer, status)
    ("sample/nll-input", [1], "passed"),
    ("sample/nll-input", "[1]", "passed"),
    ("sample/nll-input", [0, 1], "failed"),
    ("sample/nll-input", [], "failed"),
    ("sample/nll-input", [7], "invalid"),
    ("sample/nll-input", "one", "invalid"),
    ("sample/mean-of-range", "2.0", "passed"),
    ("sample/mean-of-range", "2e0", "passed"),
    ("sample/mean-of-range", "4/2", "passed"),
    ("sample/mean-of-range", "2.0005", "passed"),
    ("sample/mean-of-range", "2.5", "failed"),
    ("sample/mean-of-range", "two", "invalid"),
    ("sample/mean-of-range", "", "invalid"),
    ("sample/mean-of-range", "__import__('os').system('true')", "invalid"),
    ("sample/view-shape", "(3, 4)", "passed"),
    ("sample/view-shape", "[3, 4]", "passed"),
    ("sample/view-shape", "(4, 3)", "failed"),
    ("sample/view-shape", "x.shape", "invalid"),
    ("sample/view-shape", "__import__('os')", "invalid"),
    ("sample/last-forward", "output[:, -1, :H]", "passed"),
    ("sample/last-forward", "output[:, output.shape[1] - 1, 0:4]", "passed"),
    ("sample/last-forward", "output[:, 0, H:]", "failed"),
    ("sample/last-forward", "h_n[0]", "forbidden"),
    ("sample/last-forward", "output[:, -1", "invalid"),
    ("sample/last-forward", "undefined_name", "error"),
    ("sample/einsum-trace", ["ii->"], "passed"),
    ("sample/einsum-trace", ["jj"], "passed"),
    ("sample/einsum-trace", '["ii->"]', "passed"),
    ("sample/einsum-trace", ["ij->"], "failed"),
    ("sample/einsum-trace", ["ii->", "x"], "invalid"),
    ("sample/einsum-trace", 7, "invalid"),
    ("sample/mse-by-hand", "def mse(a, b):\n    return (a - b).pow(2).mean()\n", "passed"),
    ("sample/mse-by-hand", "def mse(a, b):\n    d = a - b\n    return (d * d).sum() / d.numel()\n", "passed"),
    ("sample/mse-by-hand", "def mse(a, b):\n    return (a - b).abs().mean()\n", "failed"),
    ("sample/mse-by-hand", "def mse(a, b):\n    return 0.5\n", "failed"),
    ("sample/mse-by-hand", "def mse(a, b)\n    return 0\n", "invalid"),
    ("sample/mse-by-hand", "def mse(a, b):\n    return (a - b).pow(2).mean(dim=1)\n", "error"),
    ("sample/mse-by-hand", None, "invalid"),
]


@pytest.mark.parametrize(("gid", "answer", "status"), CASES)
def test_kind_grading(grader, gid, answer, status) -> None:
    verdict = grader.grade(gid, answer)
    assert verdict.status == status, verdict.feedback


def test_score_is_the_fraction_of_trials_passed(grader) -> None:
    # right only when N == 5: one trial of three
    answer = (
        "def mse(a, b):\n    if a.numel() == 5:\n        return ((a - b) ** 2).mean()\n    return a.sum()\n"
    )
    verdict = grader.grade("sample/mse-by-hand", answer)
    # three seeded trials (N = 2, 5, 9) and a hidden one whose N is drawn afresh
    assert verdict.status == "failed" and verdict.trials == 4 and verdict.passed_trials in (1, 2)
    assert verdict.score == pytest.approx(verdict.passed_trials / 4, abs=1e-3)


def test_a_lookup_table_of_the_visible_trials_fails_the_hidden_trial(grader) -> None:
    """Failing feedback shows expected values, so the seeded trials can be learned; the hidden one cannot."""
    import re

    table: dict[int, float] = {}
    for _ in range(4):
        answer = (
            f"def mse(a, b):\n    t = {table!r}\n    n = a.shape[0]\n"
            "    return torch.tensor(t[n]) if n in t else torch.tensor(1000.0 * n)\n"
        )
        verdict = grader.grade("sample/mse-by-hand", answer)
        found = re.search(r"expected ([-\d.e]+), got ([-\d.e]+)", verdict.feedback)
        if found is None:
            break
        table[round(float(found.group(2)) / 1000)] = float(found.group(1))
    assert len(table) == 3 and verdict.status == "failed" and "hidden trial" in verdict.feedback


def test_failed_tensor_feedback_names_the_observation_and_the_largest_difference(grader) -> None:
    verdict = grader.grade("sample/last-forward", "output[:, 0, H:]")
    assert "answer: values differ: largest difference" in verdict.feedback and "at index" in verdict.feedback


def test_shape_mismatch_feedback(grader) -> None:
    verdict = grader.grade("sample/last-forward", "output[:, -1]")
    assert verdict.status == "failed" and "shape (2, 8), expected (2, 4)" in verdict.feedback


def test_error_traceback_shows_only_the_learners_lines(grader) -> None:
    answer = "def helper(x):\n    return x.nope()\n\ndef mse(a, b):\n    return helper(a - b)\n"
    verdict = grader.grade("sample/mse-by-hand", answer)
    assert verdict.status == "error"
    assert "line 5, in mse" in verdict.feedback and "line 2, in helper: return x.nope()" in verdict.feedback
    assert "site-packages" not in verdict.feedback and "<check>" not in verdict.feedback


def test_stdout_is_captured_and_capped(grader) -> None:
    answer = (
        "print('debugging', 42)\ndef mse(a, b):\n    print('x' * 100000)\n    return ((a - b) ** 2).mean()\n"
    )
    verdict = grader.grade("sample/mse-by-hand", answer)
    assert verdict.status == "passed" and verdict.stdout.startswith("debugging 42")
    assert len(verdict.stdout) < 9000 and "more characters not shown" in verdict.stdout


def test_forbid_resolves_aliases_and_from_imports(grader) -> None:
    for answer in [
        "import torch.nn.functional as G\ndef mse(a, b):\n    return G.mse_loss(a, b)\n",
        "from torch.nn.functional import mse_loss as m\ndef mse(a, b):\n    return m(a, b)\n",
        "from torch.nn import functional\ndef mse(a, b):\n    return functional.mse_loss(a, b)\n",
        "G = F\ndef mse(a, b):\n    return G.mse_loss(a, b)\n",
        "def mse(a, b):\n    return torch.nn.modules.loss.MSELoss()(a, b)\n",
    ]:
        assert grader.grade("sample/mse-by-hand", answer).status == "forbidden", answer


def test_dynamic_access_to_a_forbidden_function_is_caught_at_run_time(grader) -> None:
    answer = "def mse(a, b):\n    return getattr(F, 'mse_' + 'loss')(a, b)\n"
    verdict = grader.grade("sample/mse-by-hand", answer)
    assert verdict.status == "forbidden" and "forbidden in this exercise" in verdict.feedback
    exec_answer = "exec('def mse(a, b):\\n    return F.mse_loss(a, b)')\n"
    assert grader.grade("sample/mse-by-hand", exec_answer).status == "forbidden"


def test_forbidding_a_function_the_harness_itself_uses_still_grades(tmp_path) -> None:
    from grader.deck.loader import load_library
    from grader.engine.grader import Grader

    (tmp_path / "seeds.yaml").write_text(
        "exercises:\n  - id: gen\n    kind: code\n    title: t\n    prompt: p\n"
        "    solution: |\n      def draw(n):\n          g = torch.Generator().manual_seed(n)\n          return torch.rand(3, generator=g)\n"
        "    check: observe('x', draw(N))\n    params: {N: [1, 2, 3]}\n    forbid: [torch.manual_seed]\n"
    )
    with Grader(load_library([tmp_path]), "cpu") as g:
        ok = "def draw(n):\n    return torch.rand(3, generator=torch.Generator().manual_seed(n))\n"
        assert g.grade("seeds/gen", ok).status == "passed"
        cheat = "def draw(n):\n    getattr(torch, 'manual_' + 'seed')(n)\n    return torch.rand(3)\n"
        assert g.grade("seeds/gen", cheat).status == "forbidden"


def test_card_is_not_graded(grader) -> None:
    assert grader.grade("sample/stack-card", "anything").status == "invalid"


def test_unknown_exercise_is_invalid(grader) -> None:
    verdict = grader.grade("sample/nope", "1")
    assert verdict.status == "invalid" and "no exercise" in verdict.feedback


def test_every_grader_the_app_can_hold_satisfies_one_interface(grader, tmp_path) -> None:
    from support import FakeGrader

    from grader.engine.client import GraderClient
    from grader.engine.protocol import GraderHandle

    for handle in (grader, GraderClient(tmp_path), FakeGrader()):
        assert isinstance(handle, GraderHandle), type(handle).__name__
