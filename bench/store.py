"""Store benchmark: due query, review commit and stats at 100,000 cards and 1,000,000 reviews.

Target: each under 5 ms median. Prints figures; asserts nothing. Baseline in the same run:
the same three operations on a fresh 100-card database.

    .venv/bin/python bench/store.py [--cards 100000] [--reviews 1000000] [--runs 200]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.deck.loader import Entry, Library, LoadedDeck  # noqa: E402
from grader.deck.model import Numeric  # noqa: E402
from grader.engine.verdict import Verdict  # noqa: E402
from grader.srs.review_log import SCHEDULE as UNDONE  # noqa: E402
from grader.study import Attempt, Study  # noqa: E402

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DECK_SIZE = 1000


def library(cards: int) -> Library:
    decks = []
    for d in range(max(1, cards // DECK_SIZE)):
        name = f"deck-{d:03d}"
        entries = tuple(
            Entry(
                name,
                Numeric(
                    id=f"ex-{i:04d}",
                    kind="numeric",
                    title=f"Exercise {i}",
                    prompt="How much?",
                    solution="1.0",
                    tags=[name, f"tag-{i % 50}"],
                ),
                Path(f"{name}.yaml"),
                i + 1,
            )
            for i in range(min(DECK_SIZE, cards))
        )
        decks.append(LoadedDeck(name, name, Path(f"{name}.yaml"), entries))
    return Library(decks)


def fill(study: Study, reviews: int, rng: random.Random) -> None:
    """Most cards in review with due dates spread over ±60 days, and a year of review history."""
    t = NOW.timestamp()
    gids = [g for (g,) in study.store.conn.execute("SELECT gid FROM cards")]
    conn = study.store.conn
    with study.store.write():
        conn.executemany(
            "UPDATE cards SET state = 'review', stability = ?, difficulty = 5.0, due = ?, last_review = ?, "
            "reps = 10 WHERE gid = ?",
            [
                (rng.uniform(1, 100), t + rng.uniform(-60, 60) * 86400, t - 86400, g)
                for g in gids[: int(len(gids) * 0.9)]
            ],
        )
    before = json.dumps({c: study.card_info(gids[0])[c] for c in UNDONE})
    batch = 100_000
    for start in range(0, reviews, batch):
        rows = []
        for k in range(start, min(start + batch, reviews)):
            at = t - rng.uniform(1, 365) * 86400  # up to yesterday: today's limits are untouched
            day = datetime.fromtimestamp(at, UTC).date().isoformat()
            rating = "again" if rng.random() < 0.15 else "good"
            rows.append(
                (
                    gids[k % len(gids)],
                    at,
                    day,
                    rating,
                    "review",
                    "passed",
                    1.0,
                    "0.25",
                    '["deck"]',
                    at,
                    before,
                )
            )
        with study.store.write() as c:
            c.executemany(
                "INSERT INTO reviews (gid, reviewed_at, day, rating, state_before, status, score, answer, "
                "tags, due_after, card_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    with study.store.write() as c:
        c.execute(
            "INSERT OR REPLACE INTO daily (day, reviews, review_cards, review_passes, fails) "
            "SELECT day, count(*), count(*), sum(rating != 'again'), sum(rating = 'again') FROM reviews "
            "GROUP BY day"
        )
        c.execute("INSERT OR REPLACE INTO tag_stats VALUES ('deck', ?, ?)", (reviews, reviews // 7))


def median_ms(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for i in range(runs):
        started = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(study: Study, runs: int) -> dict[str, float]:
    gids = [e.gid for e in study.library.entries]
    attempt = Attempt(Verdict("passed", 1.0), answer="0.25")
    return {
        "due query": median_ms(lambda i: study.queue(NOW), runs),
        "review commit": median_ms(
            lambda i: study.record(gids[i * 7919 % len(gids)], attempt, "good", NOW), runs
        ),
        "stats": median_ms(lambda i: study.stats(NOW), runs),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cards", type=int, default=100_000)
    ap.add_argument("--reviews", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory(prefix="td-bench-") as tmp:
        started = time.perf_counter()
        small = Study(library(100), Path(tmp) / "small.db")
        baseline = measure(small, args.runs)
        small.close()
        lib = library(args.cards)
        big = Study(lib, Path(tmp) / "big.db")
        fill(big, args.reviews, rng)
        size = (Path(tmp) / "big.db").stat().st_size / 2**20
        print(
            f"built {args.cards:,} cards, {args.reviews:,} reviews ({size:.0f} MiB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        reopen = time.perf_counter()
        big.close()
        big = Study(lib, Path(tmp) / "big.db")
        print(f"open + sync of {args.cards:,} exercises: {(time.perf_counter() - reopen) * 1000:.0f} ms")
        figures = measure(big, args.runs)
        big.close()
    print(
        f"{'operation':16} {'100 cards':>12} {f'{args.cards:,} cards':>16}   target < 5 ms (median of {args.runs})"
    )
    for name, ms in figures.items():
        print(f"{name:16} {baseline[name]:9.3f} ms {ms:13.3f} ms   x{ms / baseline[name]:.1f}")


if __name__ == "__main__":
    main()
