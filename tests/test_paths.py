"""Where decks and the history are found: flags, variables, the current folder, the package, the
user's data directory; never a history that depends on the current directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from grader import paths

ROOT = Path(__file__).resolve().parent.parent


def test_decks_come_from_flags_then_the_variable_then_the_folder_then_the_package(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    monkeypatch.setenv("TORCHDRILL_QUIZZES", f"{a}{os.pathsep}{b}")
    assert paths.deck_roots([tmp_path / "flag"]) == [tmp_path / "flag"]
    assert paths.deck_roots() == [a, b]
    monkeypatch.delenv("TORCHDRILL_QUIZZES")
    (tmp_path / "quizzes").mkdir()
    assert paths.deck_roots() == [Path("quizzes")]
    (tmp_path / "quizzes").rmdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    bundled = [paths.bundled_decks()] if paths.bundled_decks() else []
    assert paths.deck_roots() == bundled
    own = tmp_path / "data" / "torchdrill" / "quizzes"
    own.mkdir(parents=True)
    assert paths.deck_roots() == [*bundled, own]  # the learner's own decks beside the bundled ones


def test_new_writes_into_the_learners_own_folder_never_into_the_package(tmp_path: Path) -> None:
    empty = tmp_path / "anywhere"
    empty.mkdir()
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    made = run("new", "numeric", "mine/first", cwd=empty, env=env)
    own = tmp_path / "data" / "torchdrill" / "quizzes"
    assert made.returncode == 0, made.stderr
    assert (own / "mine.yaml").exists() and not list(empty.iterdir())
    listed = run("due", "--json", "--deck", "mine", cwd=empty, env=env)
    assert listed.returncode == 0 and "mine/first" in listed.stdout, listed.stdout + listed.stderr


def test_where_a_deck_comes_from_is_named_shortly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    mine = tmp_path / "decks"
    assert paths.source_of(mine / "a.yaml", [Path("/elsewhere"), mine]) == "~/decks"
    assert paths.source_of(Path("/srv/course/b.yaml"), [Path("/srv/course")]) == "/srv/course"


def test_the_history_lives_in_the_data_directory_whatever_the_current_folder(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for folder in (tmp_path / "one", tmp_path / "two"):
        folder.mkdir()
        monkeypatch.chdir(folder)
        assert paths.default_db() == tmp_path / "data" / "torchdrill" / "torchdrill.db"
    monkeypatch.setenv("TORCHDRILL_DB", str(tmp_path / "env.db"))
    assert paths.default_db() == tmp_path / "env.db"


def run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})  # fmt: skip


def test_an_explicit_db_in_a_missing_folder_is_an_error_not_a_new_history(tmp_path: Path) -> None:
    result = run("--quizzes", str(ROOT / "tests" / "fixtures"), "--db", str(tmp_path / "nope" / "td.db"), "due",
                 cwd=tmp_path, env={})  # fmt: skip
    assert result.returncode == 2 and "does not exist" in result.stderr and not (tmp_path / "nope").exists()


def test_a_read_only_database_is_a_message_on_review(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        import pytest

        pytest.skip("root writes to a read-only file anyway")
    db = tmp_path / "td.db"
    quizzes = ["--quizzes", str(ROOT / "tests" / "fixtures")]
    assert run(*quizzes, "--db", str(db), "due", cwd=tmp_path, env={}).returncode == 0
    db.chmod(0o444)
    result = run(
        *quizzes, "--db", str(db), "review", "sample/nll-input", "--answer", "[1]", cwd=tmp_path, env={}
    )
    assert result.returncode == 2 and "nothing recorded" in result.stderr and "Traceback" not in result.stderr
