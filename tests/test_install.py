"""The package is the product: a wheel installed without extras into a fresh virtual environment,
run from an empty folder, opens on the bundled decks, grades every executable kind, and keeps the
history in the user's data directory. Slow (it installs torch and the wheel's dependencies)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.deck.loader import load_library

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def sh(*args: str | Path, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)


def right_answer(gid: str) -> object:
    entry = load_library([ROOT / "quizzes"]).get(gid)
    return next(e.answer for e in entry.exercise.examples if e.passes)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("install")
    built = sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", where / "dist", ROOT)
    if built.returncode != 0:
        pytest.skip(f"cannot build the wheel here: {built.stderr.strip()[-300:]}")
    venv = where / "venv"
    sh(sys.executable, "-m", "venv", venv, check=True)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q"]
    # torch first, the version this machine has a local copy of, so the package's range takes it as is
    for step in (["torch==2.13.0"], [next((where / "dist").glob("torchdrill-*.whl"))]):
        got = sh(*pip, *step)
        if got.returncode != 0:
            pytest.skip(f"cannot install {step[0]} here (no package index?): {got.stderr.strip()[-300:]}")
    return venv


def test_the_wheel_runs_anywhere_on_its_bundled_decks(installed: Path, tmp_path: Path) -> None:
    empty = tmp_path / "anywhere"
    empty.mkdir()
    home = tmp_path / "home"
    env = {
        "PATH": f"{installed / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
    }

    def torchdrill(*args: str) -> subprocess.CompletedProcess[str]:
        return sh(installed / "bin" / "torchdrill", *args, cwd=empty, env=env)

    assert (
        sh(installed / "bin" / "python", "-c", "import numpy", env=env).returncode != 0
    )  # no extras, no numpy
    due = torchdrill("due", "--json")
    assert due.returncode == 0, due.stderr
    listed = [d["exercise"] for d in json.loads(due.stdout)]
    assert "tensors/broadcast-shape" in listed and len(listed) == 20  # the bundled decks, today's new cards
    for gid in ("tensors/keepdim-bug", "einsum/batch-matmul", "losses/bce-code", "tensors/broadcast-shape"):
        answer = right_answer(gid)
        text = answer if isinstance(answer, str) else json.dumps(answer)
        result = torchdrill("review", gid, "--answer", text, "--json")
        assert result.returncode == 0 and json.loads(result.stdout)["status"] == "passed", (
            gid,
            result.stderr,
        )
    stats = torchdrill("stats", "--json")
    assert stats.returncode == 0 and json.loads(stats.stdout)["total_reviews"] == 4
    assert (home / "data" / "torchdrill" / "torchdrill.db").exists()
    assert not list(empty.iterdir())  # nothing written where the learner happened to be
    validate = torchdrill("validate", "--quick")
    assert validate.returncode == 0, validate.stdout + validate.stderr
