"""`torchdrill due/review/stats` (the CLI over grader.study), on the public sample deck."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import SAMPLE

from grader.cli import main


@pytest.fixture
def quizzes(tmp_path: Path) -> Path:
    (tmp_path / "quizzes").mkdir()
    shutil.copy(SAMPLE, tmp_path / "quizzes" / "sample.yaml")
    return tmp_path / "quizzes"


def cli(quizzes: Path, db: Path, *args: str, code: int = 0) -> str:
    """Run `torchdrill --quizzes Q --db D ARGS` in-process; return stdout, or stderr when it fails."""
    result = CliRunner().invoke(main, ["--quizzes", str(quizzes), "--db", str(db), *args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result.stdout if code == 0 else result.stderr


def test_due_lists_the_new_sample_cards_as_json(quizzes: Path, tmp_path: Path) -> None:
    items = json.loads(cli(quizzes, tmp_path / "db", "due", "--json"))
    assert [i["exercise"] for i in items][:2] == ["sample/stack-card", "sample/nll-input"]
    for i in items:
        assert {"exercise", "kind", "due"} <= set(i)
        datetime.fromisoformat(i["due"])


def test_due_for_an_unknown_deck_is_a_usage_error(quizzes: Path, tmp_path: Path) -> None:
    assert "no deck 'nope'" in cli(quizzes, tmp_path / "db", "due", "--deck", "nope", code=2)


def test_review_passed_first_try_is_rated_good_and_leaves_the_due_list(quizzes: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    out = json.loads(cli(quizzes, db, "review", "sample/nll-input", "--answer", "[1]", "--json"))
    assert (out["status"], out["score"], out["rating"]) == ("passed", 1.0, "good")
    assert datetime.fromisoformat(out["due"]) > datetime.now(UTC) + timedelta(
        minutes=5
    )  # not due again at once
    due = json.loads(cli(quizzes, db, "due", "--json"))
    assert "sample/nll-input" not in [i["exercise"] for i in due]


def test_review_failed_is_rated_again_and_a_given_rating_wins(quizzes: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    failed = json.loads(cli(quizzes, db, "review", "sample/nll-input", "--answer", "[0]", "--json"))
    assert (failed["status"], failed["rating"]) == ("failed", "again")
    easy = json.loads(
        cli(quizzes, db, "review", "sample/nll-input", "--answer", "[1]", "--rating", "easy", "--json")
    )
    assert easy["rating"] == "easy"


def test_review_prints_the_verdict_for_a_person(quizzes: Path, tmp_path: Path) -> None:
    out = cli(quizzes, tmp_path / "db", "review", "sample/nll-input", "--answer", "[0]").splitlines()
    assert out[0].startswith("sample/nll-input: failed")
    assert any(line.startswith("rated again; next review in") for line in out)


def test_a_card_needs_a_rating(quizzes: Path, tmp_path: Path) -> None:
    assert "--rating" in cli(quizzes, tmp_path / "db", "review", "sample/stack-card", code=2)
    out = json.loads(
        cli(quizzes, tmp_path / "db", "review", "sample/stack-card", "--rating", "hard", "--json")
    )
    assert out["rating"] == "hard" and out["status"] is None


def test_a_review_from_the_command_line_records_its_duration_as_unknown(
    quizzes: Path, tmp_path: Path
) -> None:
    import sqlite3

    cli(quizzes, tmp_path / "db", "review", "sample/nll-input", "--answer", "[1]")
    with sqlite3.connect(tmp_path / "db") as conn:
        assert conn.execute("SELECT seconds FROM reviews").fetchall() == [(None,)]


def test_review_of_an_unknown_exercise_is_a_usage_error(quizzes: Path, tmp_path: Path) -> None:
    err = cli(quizzes, tmp_path / "db", "review", "sample/no-such-card", "--answer", "1", code=2)
    assert "no exercise 'sample/no-such-card'" in err


def test_stats_as_json_and_text(quizzes: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    cli(quizzes, db, "review", "sample/nll-input", "--answer", "[0]")
    data = json.loads(cli(quizzes, db, "stats", "--json"))
    assert data["total_reviews"] == 1 and len(data["forecast"]) == 30
    assert "reviews: 1 in all" in cli(quizzes, db, "stats")


def test_a_file_that_is_not_a_database_is_a_usage_error(quizzes: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("not a database, just text " * 100)
    assert "cannot open the database" in cli(quizzes, bad, "due", code=2)


def test_study_imports_no_torch() -> None:
    import subprocess
    import sys

    code = "import sys, grader.study; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


def test_today_applies_the_daily_new_limit(quizzes: Path, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from grader.deck.loader import load_library
    from grader.study import Study

    now = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
    with Study(load_library([quizzes]), tmp_path / "today.db") as s:
        assert s.today(now).new == 7 and s.counts(now)["sample"].new == 7
        s.update_settings(new_per_day=3)
        assert s.today(now).new == 3 and s.counts(now)["sample"].new == 3


def test_show_prints_the_exercise_as_the_learner_sees_it(quizzes: Path, tmp_path: Path) -> None:
    card = cli(quizzes, tmp_path / "db", "show", "sample/stack-card")
    assert "cat vs stack" in card and "back:" in card and "stack" in card.split("back:")[1]
    fill = cli(quizzes, tmp_path / "db", "show", "sample/einsum-trace")
    assert "setup:" in fill and "template" in fill and '"___"' in fill
    assert "no exercise" in cli(quizzes, tmp_path / "db", "show", "sample/nope", code=2)


def test_card_actions_from_the_command_line_are_undone_one_at_a_time(quizzes: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    cli(quizzes, db, "review", "sample/nll-input", "--answer", "[1]")
    for verb in ("suspend", "bury"):
        assert verb in cli(quizzes, db, verb, "sample/nll-input")
    assert "undid the bury of sample/nll-input" in cli(quizzes, db, "undo")
    assert "undid the suspend of sample/nll-input" in cli(quizzes, db, "undo")
    assert "undid the review of sample/nll-input" in cli(quizzes, db, "undo")
    assert "nothing to undo" in cli(quizzes, db, "undo")
    assert "no exercise" in cli(quizzes, db, "reset", "sample/nope", code=2)
