"""The package is the product: a wheel installed without extras into a fresh virtual environment,
run from an empty folder, opens on the bundled decks, grades every executable kind, and keeps the
history in the user's data directory. Slow (it installs torch and the wheel's dependencies)."""

from __future__ import annotations

import json
import shutil
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
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("dist")
    built = sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", where, ROOT)
    if built.returncode != 0:
        pytest.skip(f"cannot build the wheel here: {built.stderr.strip()[-300:]}")
    return next(where.glob("torchdrill-*.whl"))


def install(wheel: Path, python: str | Path, where: Path) -> Path:
    """A fresh venv of `python` in `where` with the wheel installed without extras; torch lent."""
    venv = where / "venv"
    sh(python, "-m", "venv", venv, check=True)
    _lend_torch(venv, where)
    got = sh(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel)  # without extras
    if got.returncode != 0:
        pytest.skip(
            f"cannot install the wheel's dependencies here (no package index?): {got.stderr.strip()[-300:]}"
        )
    return venv


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install(wheel, sys.executable, tmp_path_factory.mktemp("install"))


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


# -- as a user who is not root -------------------------------------------------------------------------
SYSTEM_PYTHON = Path("/usr/bin/python3")


@pytest.fixture
def learner(wheel: Path):
    """A throw-away user, a venv that user can read (a system Python: this one may sit under /root),
    and a home and an empty working folder of the user's own. Removed afterwards."""
    import os
    import tempfile
    import uuid

    if os.geteuid() != 0:
        pytest.skip("not root: this suite already runs as a user (the test creates one only when root)")
    if not (shutil.which("useradd") and shutil.which("userdel") and shutil.which("runuser")):
        pytest.skip("no useradd/userdel/runuser here to create a throw-away user")
    version = sh(SYSTEM_PYTHON, "-c", "import sys; print(sys.version_info[:2])")
    if version.stdout.strip() != str(sys.version_info[:2]):
        pytest.skip(
            f"{SYSTEM_PYTHON} is not Python {sys.version_info[0]}.{sys.version_info[1]}: torch cannot be lent"
        )
    base = Path(tempfile.mkdtemp(prefix="torchdrill-user-"))
    base.chmod(0o755)
    name = f"td{uuid.uuid4().hex[:8]}"
    try:
        venv = install(wheel, SYSTEM_PYTHON, base)
        made = sh("useradd", "--no-create-home", "--home-dir", base / "home", "--shell", "/bin/sh", name)
        if made.returncode != 0:
            pytest.skip(f"cannot create a user: {made.stderr.strip()}")
        for folder in ("home", "work"):
            (base / folder).mkdir()
            shutil.chown(base / folder, name)
        probe = as_user(name, base, venv, "python", "-c", "import torch, grader")
        if probe.returncode != 0:
            pytest.skip(
                f"the user cannot read the lent torch (is the checkout private?): {probe.stderr[-300:]}"
            )
        yield name, base, venv
    finally:
        sh("userdel", name)
        shutil.rmtree(base, ignore_errors=True)


def as_user(name: str, base: Path, venv: Path, program: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = [
        "env",
        "-i",
        "PATH=/usr/bin:/bin",
        f"HOME={base / 'home'}",
        f"XDG_DATA_HOME={base / 'home' / 'data'}",
    ]
    return sh("runuser", "-u", name, "--", *env, venv / "bin" / program, *args, cwd=base / "work")


def test_a_user_who_is_not_root_studies_and_grades(learner) -> None:
    name, base, venv = learner
    doctor = as_user(name, base, venv, "torchdrill", "doctor")
    assert doctor.returncode == 0, doctor.stderr
    assert "the bundled decks" in doctor.stdout
    # not root: the sandbox makes its own user namespace, and says what uid 0 there means
    assert "inside its own user namespace" in doctor.stdout and "capabilities" not in doctor.stdout
    gid = "losses/bce-code"
    review = as_user(name, base, venv, "torchdrill", "review", gid, "--answer", right_answer(gid), "--json")
    assert review.returncode == 0 and json.loads(review.stdout)["status"] == "passed", review.stderr
    assert (base / "home" / "data" / "torchdrill" / "torchdrill.db").owner() == name
    lines = [
        {"learner": "ana", "exercise": gid, "answer": right_answer(gid)},
        {"learner": "bo", "exercise": gid, "answer": "def bce(p, y):\n    return (p - y).mean()\n"},
    ]
    subs = base / "work" / "subs.jsonl"
    subs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    shutil.chown(subs, name)
    grade = as_user(name, base, venv, "torchdrill", "grade", "subs.jsonl", "--out", "report.json")
    assert grade.returncode == 0, grade.stdout + grade.stderr
    report = json.loads((base / "work" / "report.json").read_text())
    assert [r["status"] for r in report["results"]] == ["passed", "failed"]
