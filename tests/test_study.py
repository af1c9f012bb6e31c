"""`torchdrill due/review/stats` through grader.study, on the public sample deck."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader import study
from grader.errors import UsageError

SAMPLE = Path(__file__).parent / "fixtures" / "sample.yaml"  # a copy of the contract's public sample deck


@pytest.fixture
def quizzes(tmp_path: Path) -> Path:
    (tmp_path / "quizzes").mkdir()
    shutil.copy(SAMPLE, tmp_path / "quizzes" / "sample.yaml")
    return tmp_path / "quizzes"


def run(fn, *args, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    out: list[str] = []
    fn(*args, echo=out.append, **kwargs)
    return out


def test_due_lists_the_new_sample_cards_as_json(quizzes: Path, tmp_path: Path) -> None:
    items = json.loads("\n".join(run(study.cli_due, quizzes, tmp_path / "db", as_json=True)))
    assert [i["exercise"] for i in items][:2] == ["sample/stack-card", "sample/nll-input"]
    for i in items:
        assert {"exercise", "kind", "due"} <= set(i)
        datetime.fromisoformat(i["due"])


def test_due_for_an_unknown_deck_is_a_usage_error(quizzes: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no deck 'nope'"):
        run(study.cli_due, quizzes, tmp_path / "db", deck="nope")


def test_review_passed_first_try_is_rated_good_and_leaves_the_due_list(quizzes: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    out = json.loads("\n".join(run(study.cli_review, quizzes, db, "sample/nll-input", "[1]", as_json=True)))
    assert (out["status"], out["score"], out["rating"]) == ("passed", 1.0, "good")
    assert datetime.fromisoformat(out["due"]) > datetime.now(UTC) + timedelta(
        minutes=5
    )  # not due again at once
    due = json.loads("\n".join(run(study.cli_due, quizzes, db, as_json=True)))
    assert "sample/nll-input" not in [i["exercise"] for i in due]


def test_review_failed_is_rated_again_and_a_given_rating_wins(quizzes: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    failed = json.loads(
        "\n".join(run(study.cli_review, quizzes, db, "sample/nll-input", "[0]", as_json=True))
    )
    assert (failed["status"], failed["rating"]) == ("failed", "again")
    easy = json.loads(
        "\n".join(run(study.cli_review, quizzes, db, "sample/nll-input", "[1]", rating="easy", as_json=True))
    )
    assert easy["rating"] == "easy"


def test_review_prints_the_verdict_for_a_person(quizzes: Path, tmp_path: Path) -> None:
    out = run(study.cli_review, quizzes, tmp_path / "db", "sample/nll-input", "[0]")
    assert out[0].startswith("sample/nll-input: failed")
    assert any(line.startswith("rated again; next review in") for line in out)


def test_a_card_needs_a_rating(quizzes: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--rating"):
        run(study.cli_review, quizzes, tmp_path / "db", "sample/stack-card", "")
    out = json.loads(
        "\n".join(
            run(
                study.cli_review,
                quizzes,
                tmp_path / "db",
                "sample/stack-card",
                "",
                rating="hard",
                as_json=True,
            )
        )
    )
    assert out["rating"] == "hard" and out["status"] is None


def test_review_of_an_unknown_exercise_is_a_usage_error(quizzes: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no exercise 'sample/no-such-card'"):
        run(study.cli_review, quizzes, tmp_path / "db", "sample/no-such-card", "1")


def test_stats_as_json_and_text(quizzes: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    run(study.cli_review, quizzes, db, "sample/nll-input", "[0]")
    data = json.loads("\n".join(run(study.cli_stats, quizzes, db, as_json=True)))
    assert data["total_reviews"] == 1 and len(data["forecast"]) == 30
    text = run(study.cli_stats, quizzes, db)
    assert any("reviews: 1 in all" in line for line in text)


def test_a_file_that_is_not_a_database_is_a_usage_error(quizzes: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("not a database, just text " * 100)
    with pytest.raises(UsageError, match="cannot open the database"):
        run(study.cli_due, quizzes, bad)


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
