"""Reviews per day, true retention, the 30-day due forecast, the weakest tags.

Everything comes from small aggregate tables kept in the same transaction as each change:
`daily` and `tag_stats` by the review use case, `card_counts` and `due_hours` by triggers on
`cards`. So stats cost the same at 100,000 cards and a million reviews as at a hundred.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from grader.srs.queue import day_start
from grader.srs.settings import Settings
from grader.srs.store import Store

DAYS = 30
MIN_TAG_REVIEWS = 3


@dataclass(frozen=True)
class TagStat:
    tag: str
    reviews: int
    fails: int

    @property
    def failure_rate(self) -> float:
        return self.fails / self.reviews if self.reviews else 0.0


@dataclass(frozen=True)
class Stats:
    total_reviews: int
    reviews_per_day: list[tuple[str, int]]  # the last 30 study days, oldest first
    true_retention: float | None  # passes among reviews of cards in the review state, last 30 days
    forecast: list[tuple[str, int]]  # due per day for the next 30 days; today includes the overdue
    weakest_tags: list[TagStat] = field(default_factory=list)
    cards: dict[str, int] = field(default_factory=dict)  # new/learning/review/suspended/leech

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


def compute(store: Store, now: datetime, settings: Settings, with_cards: bool = True) -> Stats:
    days, retention, total = per_day(store, now, settings)
    return Stats(
        total,
        days,
        retention,
        forecast(store, now, settings),
        weakest_tags(store),
        card_counts(store) if with_cards else {},
    )
