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


def _closure(name: str, seen: dict[str, object]) -> None:
    """`name`'s distribution and everything it needs, by metadata (markers with extras left out)."""
    import re
    from importlib.metadata import distribution

    dist = distribution(name)
    key = dist.metadata["Name"].lower().replace("-", "_")
    if key in seen:
        return
    seen[key] = dist
    for requirement in dist.requires or []:
        if "extra ==" not in requirement:
            _closure(re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0], seen)


def _lend_torch(venv: Path, where: Path) -> None:
    """The fresh venv sees this environment's torch and what torch itself needs (linked, not copied:
    installing torch again costs half a minute), and nothing else: no numpy, no torchdrill."""
    dists: dict[str, object] = {}
    _closure("torch", dists)
    lent = where / "lent"
    lent.mkdir()
    for dist in dists.values():
        site = Path(dist.locate_file(""))  # type: ignore[attr-defined]
        for top in {f.parts[0] for f in dist.files or [] if f.parts and f.parts[0] != ".."}:  # type: ignore[attr-defined]
            if not (lent / top).exists() and (site / top).exists():
                (lent / top).symlink_to(site / top)
    site_packages = next((venv / "lib").glob("python3*/site-packages"))
    (site_packages / "lent-torch.pth").write_text(str(lent) + "\n")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("install")
    built = sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", where / "dist", ROOT)
    if built.returncode != 0:
        pytest.skip(f"cannot build the wheel here: {built.stderr.strip()[-300:]}")
    venv = where / "venv"
    sh(sys.executable, "-m", "venv", venv, check=True)
    _lend_torch(venv, where)
    wheel = next((where / "dist").glob("torchdrill-*.whl"))
    got = sh(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel)  # without extras
    if got.returncode != 0:
        pytest.skip(
            f"cannot install the wheel's dependencies here (no package index?): {got.stderr.strip()[-300:]}"
        )
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
    for gid in ("tensors/keepdim-bug", "einsum/batch-matmul", "losses/bce-code"):  # expr, fill, code
        answer = right_answer(gid)
        text = answer if isinstance(answer, str) else json.dumps(answer)
        result = torchdrill("review", gid, "--answer", text, "--json")
        assert result.returncode == 0 and json.loads(result.stdout)["status"] == "passed", (
            gid,
            result.stderr,
        )
    stats = torchdrill("stats", "--json")
    assert stats.returncode == 0 and json.loads(stats.stdout)["total_reviews"] == 3
    assert (home / "data" / "torchdrill" / "torchdrill.db").exists()
    assert not list(empty.iterdir())  # nothing written where the learner happened to be
    validate = torchdrill("validate", "--quick")
    assert validate.returncode == 0, validate.stdout + validate.stderr
