from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from support import SAMPLE


@pytest.fixture(scope="session")
def sample_quizzes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A quizzes directory holding the contract's sample deck (one exercise of every kind)."""
    quizzes = tmp_path_factory.mktemp("quizzes")
    shutil.copy(SAMPLE, quizzes / "sample.yaml")
    return quizzes


@pytest.fixture(scope="session")
def grader(sample_quizzes: Path):
    from grader.deck.loader import load_library
    from grader.engine.grader import Grader

    with Grader(load_library([sample_quizzes]), "cpu") as g:
        yield g


@pytest.fixture(autouse=True)
def _hermetic_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Whatever TORCHDRILL_* the caller has set, tests (and the processes they start) never see it;
    the app's deck cache goes to a folder of the test run's, not the user's cache directory."""
    for name in [n for n in os.environ if n.startswith("TORCHDRILL_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `cuda` run where torch sees a CUDA device, and say why they are skipped elsewhere."""
    cuda_items = [item for item in items if "cuda" in item.keywords]
    if not cuda_items:
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(
        reason="needs a CUDA device: torch sees none here (bench/gpu_check.sh runs these on a GPU)"
    )
    for item in cuda_items:
        item.add_marker(skip)
