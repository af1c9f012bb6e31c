"""The command line as a user types it: global options, exit codes, nothing recorded by mistake."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

TORCHDRILL = [sys.executable, "-m", "grader.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TORCHDRILL, *args], capture_output=True, text=True, cwd=cwd)


def reviews(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM reviews").fetchone()[0]


def test_top_level_quizzes_and_db_apply_to_subcommands(sample_quizzes: Path, tmp_path: Path) -> None:
    db = tmp_path / "global.db"
    result = run("--quizzes", str(sample_quizzes), "--db", str(db), "due", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {d["exercise"] for d in json.loads(result.stdout)} >= {"sample/mse-by-hand"} and db.exists()


def test_an_unreadable_answer_records_nothing_and_exits_2(sample_quizzes: Path, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    ok = run(
        "review", "sample/mean-of-range", "--answer", "2.0", "--quizzes", str(sample_quizzes), "--db", str(db)
    )
    assert ok.returncode == 0 and reviews(db) == 1
    for answer in ("two", "[0, 1] x"):
        bad = run(
            "review",
            "sample/mean-of-range",
            "--answer",
            answer,
            "--quizzes",
            str(sample_quizzes),
            "--db",
            str(db),
        )
        assert bad.returncode == 2 and "nothing was recorded" in bad.stderr and "Traceback" not in bad.stderr
    as_json = run(
        "review",
        "sample/einsum-trace",
        "--answer",
        '["a", "b"]',
        "--json",
        "--quizzes",
        str(sample_quizzes),
        "--db",
        str(db),
    )
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["status"] == "invalid"
    assert reviews(db) == 1


def test_a_card_is_reviewed_with_a_rating_alone(sample_quizzes: Path, tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    result = run(
        "review",
        "sample/stack-card",
        "--rating",
        "good",
        "--json",
        "--quizzes",
        str(sample_quizzes),
        "--db",
        str(db),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rating"] == "good" and reviews(db) == 1
    assert (
        run("review", "sample/stack-card", "--quizzes", str(sample_quizzes), "--db", str(db)).returncode == 2
    )


def test_doctor_on_a_missing_device_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the message for a missing device cannot be seen here")
    result = run("doctor", "--device", "cuda", cwd=tmp_path)
    assert result.returncode == 2 and "no CUDA device" in result.stderr and "Traceback" not in result.stderr


def test_every_help_reads_without_a_traceback() -> None:
    for sub in [
        "",
        "grade",
        "validate",
        "due",
        "review",
        "stats",
        "doctor",
        "schema",
        "new",
        "show",
        "suspend",
        "unsuspend",
        "bury",
        "reset",
        "undo",
    ]:
        result = run(*([sub] if sub else []), "--help")
        assert result.returncode == 0 and len(result.stdout) > 100 and "Traceback" not in result.stderr, sub


def test_a_db_flag_before_or_after_the_subcommand_beats_the_variable(
    sample_quizzes: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("TORCHDRILL_DB", str(tmp_path / "env.db"))
    for args in (["--db", str(tmp_path / "root.db"), "due"], ["due", "--db", str(tmp_path / "sub.db")]):
        assert run("--quizzes", str(sample_quizzes), *args, cwd=tmp_path).returncode == 0
    assert (
        (tmp_path / "root.db").exists()
        and (tmp_path / "sub.db").exists()
        and not (tmp_path / "env.db").exists()
    )
    assert run("--quizzes", str(sample_quizzes), "due", cwd=tmp_path).returncode == 0
    assert (tmp_path / "env.db").exists()


def test_debug_is_one_root_option_that_shows_the_traceback(tmp_path: Path) -> None:
    quiet = run("review", "x/y", "--answer", "1", "--quizzes", str(tmp_path / "none"), cwd=tmp_path)
    loud = run("--debug", "review", "x/y", "--answer", "1", "--quizzes", str(tmp_path / "none"), cwd=tmp_path)
    assert quiet.returncode == 2 and "Traceback" not in quiet.stderr and "no decks" in quiet.stderr
    assert "Traceback" in loud.stderr and "UsageError" in loud.stderr
    assert run("grade", "--debug", "x.jsonl").returncode == 2  # not a subcommand option any more
