"""Reviews per day, true retention, the 30-day due forecast, the weakest tags; a year of reviews
as a calendar, retention and answer time week by week, and a habit that forgives a day off.

Everything but answer time comes from small aggregate tables kept in the same transaction as each
change: `daily` and `tag_stats` by the review use case, `card_counts` and `due_hours` by triggers on
`cards`; so they cost the same at 100,000 cards and a million reviews as at a hundred. Answer time
needs the review log itself (durations are not aggregated): it is read backwards from the newest
row for as many rows as `daily` counts in its 12 weeks, never more than MAX_TIMED, so its cost
follows the recent pace of study, bounded, and not the length of the whole log.

The figures are pure functions of those rows (`habit`, `calendar`, `weekly_retention`,
`weekly_answer_seconds`), so tests can give them any history.
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from grader.srs.queue import day_start
from grader.srs.settings import Settings
from grader.srs.store import Store

DAYS = 30
MIN_TAG_REVIEWS = 3
WEEKS = 12  # retention and answer time, week by week
CALENDAR_WEEKS = 53  # this week and the 52 before it: a year, as Anki's Review Heatmap draws it
MAX_TIMED = 4_000  # answer time reads at most this many of the newest reviews: 12 weeks at ~48 a day (stats under 5 ms)


@dataclass(frozen=True)
class TagStat:
    tag: str
    reviews: int
    fails: int

    @property
    def failure_rate(self) -> float:
        return self.fails / self.reviews if self.reviews else 0.0


@dataclass(frozen=True)
class Habit:
    """A streak that forgives: how often and how much over the last `days` days, days off allowed,
    instead of a count that one missed day sets back to zero."""

    days_studied: int
    days: int
    reviews_per_day: float  # averaged over all `days`, the days off included


@dataclass(frozen=True)
class Week:
    """One week's figure, None when no review in the week measures it, and how many reviews it rests on."""

    start: str  # the Monday (a study day, ISO date)
    value: float | None
    reviews: int


@dataclass(frozen=True)
class CalendarWeek:
    """A column of the review calendar: reviews on each day, Monday to Sunday; None after today."""

    start: str  # the Monday
    counts: tuple[int | None, ...]


@dataclass(frozen=True)
class Stats:
    total_reviews: int
    reviews_per_day: list[tuple[str, int]]  # the last 30 study days, oldest first
    true_retention: float | None  # passes among reviews of cards in the review state, last 30 days
    forecast: list[tuple[str, int]]  # due per day for the next 30 days; today includes the overdue
    weakest_tags: list[TagStat] = field(default_factory=list)
    cards: dict[str, int] = field(default_factory=dict)  # new/learning/review/suspended/leech
    habit: Habit = Habit(0, DAYS, 0.0)
    calendar: list[CalendarWeek] = field(default_factory=list)  # the past year, oldest week first
    retention_by_week: list[Week] = field(default_factory=list)  # true retention, the last 12 weeks
    answer_seconds_by_week: list[Week] = field(default_factory=list)  # median seconds, the last 12 weeks
    answer_seconds: float | None = None  # median seconds a review, last 30 days; unknown times left out

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["reviews_per_day"] = [{"day": d, "reviews": n} for d, n in self.reviews_per_day]
        data["forecast"] = [{"day": d, "due": n} for d, n in self.forecast]
        data["weakest_tags"] = [
            {**asdict(t), "failure_rate": round(t.failure_rate, 3)} for t in self.weakest_tags
        ]
        return data


def _days(start: datetime, count: int) -> list[str]:
    return [(start + timedelta(days=i)).date().isoformat() for i in range(count)]


def per_day(
    store: Store, now: datetime, settings: Settings
) -> tuple[list[tuple[str, int]], float | None, int]:
    days = _days(day_start(now, settings) - timedelta(days=DAYS - 1), DAYS)
    rows = {
        r["day"]: r for r in store.all("SELECT * FROM daily WHERE day >= ? AND day <= ?", (days[0], days[-1]))
    }
    checked = sum(r["review_cards"] for r in rows.values())
    passed = sum(r["review_passes"] for r in rows.values())
    total = store.one("SELECT coalesce(sum(reviews), 0) AS n FROM daily")["n"]
    return (
        [(d, rows[d]["reviews"] if d in rows else 0) for d in days],
        (passed / checked if checked else None),
        total,
    )


def forecast(store: Store, now: datetime, settings: Settings) -> list[tuple[str, int]]:
    """Due per study day from `due_hours` (kept by triggers): the overdue count towards today."""
    start = day_start(now, settings)
    t0 = start.timestamp()
    first, end = int(t0 // 3600), int((start + timedelta(days=DAYS)).timestamp() // 3600)
    counts = [0] * DAYS
    counts[0] = store.one("SELECT coalesce(sum(n), 0) AS n FROM due_hours WHERE hour < ?", (first,))["n"]
    for r in store.all("SELECT hour, n FROM due_hours WHERE hour >= ? AND hour < ? AND n > 0", (first, end)):
        counts[min(max(int((r["hour"] * 3600 - t0) // 86400), 0), DAYS - 1)] += r["n"]
    return list(zip(_days(start, DAYS), counts, strict=True))


def weakest_tags(store: Store, limit: int = 5) -> list[TagStat]:
    rows = store.all(
        "SELECT tag, reviews, fails FROM tag_stats WHERE reviews >= ? AND fails > 0 "
        "ORDER BY CAST(fails AS REAL) / reviews DESC, reviews DESC LIMIT ?",
        (MIN_TAG_REVIEWS, limit),
    )
    return [TagStat(r["tag"], r["reviews"], r["fails"]) for r in rows]


def card_counts(store: Store) -> dict[str, int]:
    """new / learning / review / suspended / leech, from `card_counts` (kept by triggers)."""
    found = {r["key"]: r["n"] for r in store.all("SELECT key, n FROM card_counts")}
    return {k: found.get(k, 0) for k in ("new", "learning", "review", "suspended", "leech")}


def habit(per_day: Sequence[tuple[str, int]]) -> Habit:
    """Days studied and reviews a day over `per_day`: a day off costs an average a little, not a streak."""
    counts = [n for _, n in per_day]
    return Habit(sum(1 for n in counts if n), len(counts), sum(counts) / len(counts) if counts else 0.0)


def mondays(today: date, weeks: int) -> list[date]:
    """The Monday of this week and of the `weeks - 1` before it, oldest first."""
    this = today - timedelta(days=today.weekday())
    return [this - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def calendar(per_day: Mapping[str, int], today: date, weeks: int = CALENDAR_WEEKS) -> list[CalendarWeek]:
    """Reviews per day laid out as weeks (columns) of weekdays (rows), ending with this week."""

    def count(day: date) -> int | None:
        return None if day > today else per_day.get(day.isoformat(), 0)

    return [
        CalendarWeek(monday.isoformat(), tuple(count(monday + timedelta(days=d)) for d in range(7)))
        for monday in mondays(today, weeks)
    ]


def _by_week(days: Iterable[str], starts: Sequence[date]) -> list[int | None]:
    """The index of each day's week in `starts` (Mondays, oldest first); None before the first."""
    keys = [monday.isoformat() for monday in starts]
    return [(bisect_right(keys, day) - 1 if day >= keys[0] else None) for day in days]


def weekly_retention(daily: Mapping[str, tuple[int, int]], starts: Sequence[date]) -> list[Week]:
    """True retention per week from day -> (reviews of cards in review, of which passed)."""
    checked, passed = [0] * len(starts), [0] * len(starts)
    for week, (reviews, passes) in zip(_by_week(daily, starts), daily.values(), strict=True):
        if week is not None:
            checked[week] += reviews
            passed[week] += passes
    return [
        Week(monday.isoformat(), passed[i] / checked[i] if checked[i] else None, checked[i])
        for i, monday in enumerate(starts)
    ]


def weekly_answer_seconds(timed: Sequence[tuple[str, float | None]], starts: Sequence[date]) -> list[Week]:
    """Median seconds a review per week from (day, seconds) pairs; unknown durations (None) are left
    out, not counted as 0, and a week with none known has no value."""
    seconds: list[list[float]] = [[] for _ in starts]
    for week, (_, s) in zip(_by_week((day for day, _ in timed), starts), timed, strict=True):
        if week is not None and s is not None:
            seconds[week].append(s)
    return [
        Week(monday.isoformat(), statistics.median(found) if found else None, len(found))
        for monday, found in zip(starts, seconds, strict=True)
    ]


def median_seconds(timed: Iterable[tuple[str, float | None]], since: str) -> float | None:
    """The median answer time of the reviews on or after day `since`, unknown durations left out."""
    found = [s for day, s in timed if day >= since and s is not None]
    return statistics.median(found) if found else None


def _daily_since(store: Store, first: str) -> dict[str, Any]:
    return {r["day"]: r for r in store.all("SELECT * FROM daily WHERE day >= ? ORDER BY day", (first,))}


def _answer_times(store: Store, first: str) -> list[tuple[str, float | None]]:
    """(day, seconds) of the reviews since day `first`, newest first. Reviews are written as they
    happen, so the newest ids are the newest reviews: read the log backwards for as many rows as
    `daily` counts since `first` (at most MAX_TIMED) instead of scanning all of it."""
    count = store.one("SELECT coalesce(sum(reviews), 0) AS n FROM daily WHERE day >= ?", (first,))["n"]
    rows = store.all("SELECT day, seconds FROM reviews ORDER BY id DESC LIMIT ?", (min(count, MAX_TIMED),))
    return [(r["day"], r["seconds"]) for r in rows if r["day"] >= first]


def compute(store: Store, now: datetime, settings: Settings, with_cards: bool = True) -> Stats:
    days, retention, total = per_day(store, now, settings)
    today = day_start(now, settings).date()
    year = _daily_since(store, mondays(today, CALENDAR_WEEKS)[0].isoformat())
    weeks = mondays(today, WEEKS)
    timed = _answer_times(store, weeks[0].isoformat())
    return Stats(
        total,
        days,
        retention,
        forecast(store, now, settings),
        weakest_tags(store),
        card_counts(store) if with_cards else {},
        habit=habit(days),
        calendar=calendar({day: r["reviews"] for day, r in year.items()}, today),
        retention_by_week=weekly_retention(
            {day: (r["review_cards"], r["review_passes"]) for day, r in year.items()}, weeks
        ),
        answer_seconds_by_week=weekly_answer_seconds(timed, weeks),
        answer_seconds=median_seconds(timed, since=days[0][0]),
    )
