"""Stats: reviews per day, true retention, the due forecast, the weakest tags."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from test_srs_queue import FAIL, NOW, PASS, open_study, write_deck

from grader.deck.loader import load_library
from grader.study import Study


def test_stats_on_a_fresh_database(tmp_path: Path) -> None:
    with open_study(tmp_path, n=3) as study:
        s = study.stats(NOW)
    assert s.total_reviews == 0 and s.true_retention is None
    assert len(s.reviews_per_day) == 30 and len(s.forecast) == 30
    assert s.cards["new"] == 3
    assert set(s.to_json()) >= {"reviews_per_day", "true_retention", "forecast", "weakest_tags"}


def test_reviews_per_day_retention_forecast_and_weak_tags(tmp_path: Path) -> None:
    quizzes = write_deck(tmp_path / "quizzes", n=4)
    write_deck(quizzes, n=2, name="hard-stuff")
    with Study(load_library([quizzes]), tmp_path / "db.sqlite") as study:
        dues = [study.record(f"basics/ex-{i:03d}", PASS, "easy", NOW).due for i in range(4)]
        for i in range(2):
            study.record(f"hard-stuff/ex-{i:03d}", FAIL, "again", NOW)
            study.record(f"hard-stuff/ex-{i:03d}", FAIL, "again", NOW + timedelta(minutes=2))
        later = max(dues)
        study.record("basics/ex-000", PASS, "good", later)
        study.record("basics/ex-001", FAIL, "again", later)
        s = study.stats(later)
    assert s.total_reviews == 10
    assert sum(n for _, n in s.reviews_per_day) == 10
    assert s.true_retention == 0.5
    assert sum(n for _, n in s.forecast) >= 3
    assert [(t.tag, t.reviews, t.fails) for t in s.weakest_tags] == [("hard-stuff", 4, 4), ("basics", 6, 1)]
