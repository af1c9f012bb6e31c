"""Reviews per day, true retention, the 30-day due forecast, the weakest tags.

Reviews per day and tag failure counts come from small aggregate tables (`daily`, `tag_stats`)
kept in the same transaction as each review, so stats cost the same at a million reviews.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from grader.srs.queue import LIVE, day_start
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
        data["weakest_tags"] = [{**asdict(t), "failure_rate": round(t.failure_rate, 3)} for t in self.weakest_tags]
        return data


def _days(start: datetime, count: int) -> list[str]:
    return [(start + timedelta(days=i)).date().isoformat() for i in range(count)]


def per_day(store: Store, now: datetime, settings: Settings) -> tuple[list[tuple[str, int]], float | None, int]:
    days = _days(day_start(now, settings) - timedelta(days=DAYS - 1), DAYS)
    rows = {r["day"]: r for r in store.all("SELECT * FROM daily WHERE day >= ? AND day <= ?", (days[0], days[-1]))}
    checked = sum(r["review_cards"] for r in rows.values())
    passed = sum(r["review_passes"] for r in rows.values())
    total = store.one("SELECT coalesce(sum(reviews), 0) AS n FROM daily")["n"]
    return [(d, rows[d]["reviews"] if d in rows else 0) for d in days], (passed / checked if checked else None), total


def forecast(store: Store, now: datetime, settings: Settings) -> list[tuple[str, int]]:
    start = day_start(now, settings)
    t0, end = start.timestamp(), (start + timedelta(days=DAYS)).timestamp()
    counts = [0] * DAYS
    for state in ("review", "learning"):
        where = "state = 'review'" if state == "review" else "state IN ('learning', 'relearning')"
        rows = store.all(f"SELECT max(CAST((due - ?) / 86400 AS INTEGER), 0) AS d, count(*) AS n FROM cards "
                         f"WHERE {where} AND {LIVE} AND due < ? GROUP BY d", (t0, end))
        for r in rows:
            counts[min(r["d"], DAYS - 1)] += r["n"]
    return list(zip(_days(start, DAYS), counts, strict=True))


def weakest_tags(store: Store, limit: int = 5) -> list[TagStat]:
    rows = store.all("SELECT tag, reviews, fails FROM tag_stats WHERE reviews >= ? AND fails > 0 "
                     "ORDER BY CAST(fails AS REAL) / reviews DESC, reviews DESC LIMIT ?", (MIN_TAG_REVIEWS, limit))
    return [TagStat(r["tag"], r["reviews"], r["fails"]) for r in rows]


def card_counts(store: Store) -> dict[str, int]:
    row = store.one(
        "SELECT sum(state = 'new' AND removed = 0) AS new, "
        "sum(state IN ('learning', 'relearning') AND removed = 0) AS learning, "
        "sum(state = 'review' AND removed = 0) AS review, sum(suspended = 1 AND removed = 0) AS suspended, "
        "sum(leech = 1 AND removed = 0) AS leech FROM cards")
    return {k: row[k] or 0 for k in row.keys()}


def compute(store: Store, now: datetime, settings: Settings, with_cards: bool = True) -> Stats:
    days, retention, total = per_day(store, now, settings)
    return Stats(total, days, retention, forecast(store, now, settings), weakest_tags(store),
                 card_counts(store) if with_cards else {})
