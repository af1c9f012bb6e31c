"""Stats: reviews per day, true retention, the due forecast, the weakest tags; the year as a
calendar, retention and answer time week by week, and a habit that forgives a day off."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_srs_queue import FAIL, NOW, PASS, open_study, write_deck

from grader.cli import main
from grader.deck.loader import load_library
from grader.srs import stats
from grader.srs.stats import Habit, calendar, habit, weekly_retention
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


def test_a_day_off_costs_the_average_a_little_and_resets_nothing() -> None:
    days = [(f"2026-02-{d:02d}", 0 if d == 14 else 10) for d in range(1, 29)] + [
        ("2026-03-01", 10),
        ("2026-03-02", 10),
    ]
    assert habit(days) == Habit(days_studied=29, days=30, reviews_per_day=290 / 30)


def test_the_habit_counts_the_days_studied_in_the_last_30(tmp_path: Path) -> None:
    with open_study(tmp_path, n=3) as study:
        for back, gid in ((40, "basics/ex-000"), (9, "basics/ex-001"), (0, "basics/ex-002")):
            study.record(gid, PASS, "good", NOW - timedelta(days=back))
        s = study.stats(NOW)
    assert s.habit == Habit(days_studied=2, days=30, reviews_per_day=2 / 30)
    assert s.to_json()["habit"] == {"days_studied": 2, "days": 30, "reviews_per_day": 2 / 30}


def test_the_calendar_is_a_year_of_weeks_by_weekday_ending_today() -> None:
    wednesday = date(2026, 3, 4)
    weeks = calendar({"2026-03-02": 5, "2026-03-04": 2, "2025-03-05": 1, "2025-03-02": 9}, wednesday)
    assert len(weeks) == 53
    assert weeks[-1].start == "2026-03-02" and weeks[-1].counts == (5, 0, 2, None, None, None, None)
    assert weeks[0].start == "2025-03-03" and weeks[0].counts == (0, 0, 1, 0, 0, 0, 0)  # 03-02 is older


def test_retention_by_week_counts_only_reviews_of_cards_in_review(tmp_path: Path) -> None:
    with open_study(tmp_path, n=2) as study:
        dues = [study.record(f"basics/ex-{i:03d}", PASS, "easy", NOW).due for i in range(2)]
        later = max(dues)
        study.record("basics/ex-000", PASS, "good", later)
        study.record("basics/ex-001", FAIL, "again", later)
        s = study.stats(later)
    assert len(s.retention_by_week) == 12
    this_week = s.retention_by_week[-1]
    assert date.fromisoformat(this_week.start).weekday() == 0
    assert (this_week.value, this_week.reviews) == (0.5, 2)
    weeks = {w.start: w for w in s.retention_by_week}
    assert (
        this_week.start != "2026-03-02" and weeks["2026-03-02"].value is None
    )  # new cards: no retention yet


def test_weekly_retention_adds_the_days_of_each_week() -> None:
    mondays = stats.mondays(date(2026, 3, 4), 2)
    assert mondays == [date(2026, 2, 23), date(2026, 3, 2)]
    days = {"2026-02-20": (9, 9), "2026-02-23": (2, 1), "2026-03-01": (2, 2), "2026-03-02": (4, 3)}
    weeks = weekly_retention(days, mondays)
    assert [(w.start, w.value, w.reviews) for w in weeks] == [
        ("2026-02-23", 0.75, 4),
        ("2026-03-02", 0.75, 4),
    ]


def test_answer_time_leaves_unknown_durations_out_instead_of_counting_them_as_zero(tmp_path: Path) -> None:
    with open_study(tmp_path, n=4) as study:
        for i, seconds in enumerate((10.0, 30.0, None, None)):
            study.record(f"basics/ex-{i:03d}", replace(PASS, seconds=seconds), "good", NOW)
        study.record("basics/ex-000", replace(PASS, seconds=None), "good", NOW - timedelta(weeks=2))
        s = study.stats(NOW)
    assert s.answer_seconds == 20.0  # with the unknowns as 0 the median would be 5
    assert (s.answer_seconds_by_week[-1].value, s.answer_seconds_by_week[-1].reviews) == (20.0, 2)
    assert s.answer_seconds_by_week[-3].value is None  # a week of untimed reviews has no answer time


def test_answer_time_reads_only_the_newest_reviews(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats, "MAX_TIMED", 2)  # stats stay cheap however long the log
    with open_study(tmp_path, n=3) as study:
        for i, seconds in enumerate((10.0, 20.0, 90.0)):
            study.record(
                f"basics/ex-{i:03d}", replace(PASS, seconds=seconds), "good", NOW + timedelta(minutes=i)
            )
        s = study.stats(NOW + timedelta(minutes=5))
    assert s.answer_seconds == 55.0


def test_stats_on_the_command_line_show_the_habit_and_answer_time(tmp_path: Path) -> None:
    quizzes = write_deck(tmp_path / "quizzes", n=2)
    now = datetime.now(UTC)
    with Study(load_library([quizzes]), tmp_path / "db.sqlite") as study:
        study.record("basics/ex-000", replace(PASS, seconds=8.0), "good", now - timedelta(days=3))
        study.record("basics/ex-001", PASS, "good", now)  # from the command line: no time
    args = ["--quizzes", str(quizzes), "--db", str(tmp_path / "db.sqlite"), "stats"]
    out = CliRunner().invoke(main, args).stdout
    assert "habit: studied 2 of the last 30 days, 0.1 reviews a day" in out
    assert "median answer time (30 days): 8.0 s" in out
