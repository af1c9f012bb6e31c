"""Grading on a real GPU: every kind, every shipped exercise with its examples, and hostile answers
on CUDA. Marked `cuda`: skipped, with the reason, where torch sees no CUDA device; run on a GPU
machine by bench/gpu_check.sh."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.deck.loader import load_library

pytestmark = pytest.mark.cuda
QUIZZES = Path(__file__).resolve().parent.parent / "quizzes"
SHIPPED = load_library([QUIZZES])
HONEST = "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"


@pytest.fixture(scope="module")
def cuda_grader(tmp_path_factory: pytest.TempPathFactory):
    from support import SAMPLE

    from grader.engine.grader import Grader

    quizzes = tmp_path_factory.mktemp("cuda-quizzes")
    shutil.copy(SAMPLE, quizzes / "sample.yaml")
    deck = (
        (quizzes / "sample.yaml")
        .read_text()
        .replace("    kind: code\n", "    kind: code\n    timeout: 3\n", 1)
    )
    (quizzes / "sample.yaml").write_text(deck)
    with Grader(load_library([quizzes]), "cuda") as g:
        g.start()
        yield g


@pytest.fixture(scope="module")
def shipped_cuda_grader():
    from grader.engine.grader import Grader

    with Grader(SHIPPED, "cuda") as g:
        yield g


def test_every_kind_grades_on_cuda(cuda_grader) -> None:
    from grader.authoring.validate import check_entry

    assert cuda_grader.device == "cuda" and cuda_grader.sandbox.protections
    for entry in cuda_grader.library.entries:
        assert [str(p) for p in check_entry(cuda_grader, entry) if p.severity == "error"] == [], entry.gid


@pytest.mark.parametrize("gid", [e.gid for e in SHIPPED.entries])
def test_every_shipped_exercise_and_its_examples_validate_on_cuda(shipped_cuda_grader, gid: str) -> None:
    from grader.authoring.validate import check_entry

    problems = check_entry(shipped_cuda_grader, SHIPPED.get(gid))
    assert [str(p) for p in problems if p.severity == "error"] == []


def test_observations_come_back_to_the_cpu_and_compare_across_devices(cuda_grader) -> None:
    """The answer's tensors are on CUDA in the child; what comes back is CPU data, compared with the
    reference (computed on CUDA here) with the exercise's tolerances."""
    verdict = cuda_grader.grade(
        "sample/mse-by-hand", "def mse(a, b):\n    return ((a - b) ** 2).mean().to(device)\n"
    )
    assert verdict.status == "passed", verdict.feedback


HOSTILE = {
    "memory bomb": (
        "def mse(a, b):\n    x = torch.empty(10**13, device=device)\n    return x.sum()\n",
        {"memory", "error"},
    ),
    "allocate until OOM": (
        "def mse(a, b):\n    keep = []\n    while True:\n        keep.append(torch.empty(2**30, device=device))\n",
        {"memory", "error", "timeout"},
    ),
    "a kernel that never finishes": (
        "def mse(a, b):\n    x = torch.ones(1, device=device)\n    while True:\n        x = x * 1.0000001\n",
        {"timeout"},
    ),
    "raising the memory fraction": (
        "torch.cuda.set_per_process_memory_fraction(1.0)\n"
        "def mse(a, b):\n    x = torch.empty(10**13, device=device)\n    return x.sum()\n",
        {"memory", "error"},
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_cuda_answer_gets_a_clear_status_and_frees_the_gpu(cuda_grader, name: str) -> None:
    import torch

    answer, statuses = HOSTILE[name]
    free_before, _ = torch.cuda.mem_get_info()
    verdict = cuda_grader.grade("sample/mse-by-hand", answer)
    assert verdict.status in statuses, (verdict.status, verdict.feedback)
    assert cuda_grader.grade("sample/mse-by-hand", HONEST).status == "passed"
    free_after, _ = torch.cuda.mem_get_info()
    assert free_after >= free_before - 2 * 2**30  # what the dead child held was given back (spares aside)
