"""The review use case, shared by the terminal app and the command line.

Next card, suggest a rating, show each rating's next interval, record (committed before
returning), undo, bury, suspend. No SQL (srs/ holds it), no printing (the CLI prints), and
torch-free: grading is the caller's business.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from grader.deck import variants
from grader.deck.loader import Entry, Library
from grader.engine.verdict import Verdict
from grader.errors import UsageError
from grader.srs import queue, review_log, scheduler
from grader.srs import rating as rating_mod
from grader.srs import settings as settings_mod
from grader.srs import stats as stats_mod
from grader.srs.migrations import NewerSchema
from grader.srs.rating import RATINGS, Rating
from grader.srs.settings import Settings
from grader.srs.stats import Stats
from grader.srs.store import Store


@dataclass(frozen=True)
class Attempt:
    """What happened before the rating: the verdict (None for a card) and how it was reached."""

    verdict: Verdict | None
    submits: int = 1
    failed_submits: int = 0
    hints_used: int = 0
    gave_up: bool = False
    seconds: float | None = None  # unknown unless the caller timed it
    answer: str = ""
    variant: int | None = None  # the draw of `{param}` placeholders answered; None without them


@dataclass(frozen=True)
class DeckCounts:
    new: int
    learning: int
    due: int


@dataclass(frozen=True)
class DueItem:
    gid: str
    kind: str
    due: datetime
    state: str  # new / learning / review / relearning


@dataclass(frozen=True)
class Recorded:
    gid: str
    rating: str
    due: datetime
    leech: bool
    message: str


class Study:
    """One learner's database over one library of decks."""

    def __init__(self, library: Library, db_path: Path, now: datetime | None = None) -> None:
        """`now` stamps exercises seen for the first time (tests and the app pass their clock)."""
        self.library = library
        try:
            self.store = Store(db_path)
        except NewerSchema as e:
            raise UsageError(f"{db_path}: {e}") from None
        self._settings = settings_mod.load(self.store)
        self._scheduler = scheduler.make_scheduler(self._settings)
        former = {deck.name: deck.aliases for deck in library.decks}
        queue.sync(self.store, library.entries, now or datetime.now(UTC), former)

    # -- what to study ---------------------------------------------------------------------------
    def counts(self, now: datetime) -> dict[str, DeckCounts]:
        found = queue.counts(self.store, now, self._settings)
        return {d.name: DeckCounts(*found.get(d.name, (0, 0, 0))) for d in self.library.decks}

    def today(self, now: datetime) -> DeckCounts:
        """What is left to study today across decks: the daily new and review limits applied."""
        states = [item.state for item in self.queue(now)]
        return DeckCounts(
            states.count("new"), states.count("learning") + states.count("relearning"), states.count("review")
        )

    def queue(self, now: datetime, deck: str | None = None) -> list[DueItem]:
        items = []
        for d in queue.due_now(self.store, now, self._settings, deck):
            entry = self.library.get(d.gid)
            if entry is not None:
                items.append(DueItem(d.gid, entry.exercise.kind, scheduler.at(d.due), d.state))
        return items

    def next_card(self, now: datetime, deck: str | None = None) -> Entry | None:
        items = self.queue(now, deck)
        if not items:  # as Anki does: a learning card due within the next minutes rather than nothing
            ahead = timedelta(minutes=self._settings.learn_ahead_minutes)
            items = [
                d
                for d in queue.due_now(self.store, now, self._settings, deck, ahead=ahead)
                if d.state in ("learning", "relearning")
            ]
            return self.library.get(items[0].gid) if items else None
        return self.library.get(items[0].gid)

    # -- rating ----------------------------------------------------------------------------------
    def suggest(self, attempt: Attempt) -> Rating:
        return rating_mod.suggest(
            attempt.verdict, attempt.failed_submits, attempt.hints_used, attempt.gave_up
        )

    def intervals(self, gid: str, now: datetime) -> dict[str, str]:
        row = self._card(gid)
        card = scheduler.CardState.from_row(row)
        return {
            r: scheduler.label(
                scheduler.at(scheduler.next_state(self._scheduler, gid, row["reps"], card, r, now).due) - now
            )
            for r in RATINGS
        }

    def record(self, gid: str, attempt: Attempt, rating: str, now: datetime) -> Recorded:
        rating = Rating(rating).value  # raises ValueError, naming the four, for anything else
        entry = self._entry(gid)
        with self.store.write() as conn:
            row = self._card(gid)
            before = scheduler.CardState.from_row(row)
            after = scheduler.next_state(self._scheduler, gid, row["reps"], before, rating, now)
            lapsed = before.state == "review" and rating == Rating.AGAIN
            lapses = row["lapses"] + lapsed
            leech = lapsed and scheduler.is_leech(lapses, self._settings.leech_threshold)
            review_log.record(conn, row, self._review(entry, attempt, rating, now), after, lapses, leech)
        message = (
            f"{gid} is a leech: failed {lapses} times. Suspended: rewrite it, or unsuspend or reset it "
            f"in Browse (b), or run torchdrill reset {gid}."
            if leech
            else ""
        )
        return Recorded(gid, rating, scheduler.at(after.due), leech, message)

    def _review(self, entry: Entry, attempt: Attempt, rating: str, now: datetime) -> review_log.Review:
        v = attempt.verdict
        return review_log.Review(
            entry.gid, now.timestamp(), queue.day_key(now, self._settings), rating,
            v.status if v else None, v.score if v else None, attempt.submits, attempt.failed_submits,
            attempt.hints_used, attempt.gave_up, attempt.seconds, attempt.answer, list(entry.exercise.tags),
            attempt.variant,
        )  # fmt: skip

    def undo(self, now: datetime) -> review_log.Undone | None:
        """Undo the last action of any kind (review, bury, suspend, unsuspend, reset): only what it
        changed goes back; for a review, the counts too."""
        return review_log.undo_last(self.store)

    # -- everyday controls -----------------------------------------------------------------------
    def bury(self, gid: str, now: datetime) -> None:
        self._card(gid)
        queue.bury(self.store, gid, now, self._settings)

    def suspend(self, gid: str, now: datetime | None = None) -> None:
        self._card(gid)
        queue.set_suspended(self.store, gid, True, now or datetime.now(UTC))

    def unsuspend(self, gid: str, now: datetime | None = None) -> None:
        self._card(gid)
        queue.set_suspended(self.store, gid, False, now or datetime.now(UTC))

    def reset(self, gid: str, now: datetime | None = None) -> None:
        self._card(gid)
        queue.reset(self.store, gid, now or datetime.now(UTC))

    def stats(self, now: datetime) -> Stats:
        return stats_mod.compute(self.store, now, self._settings)

    def settings(self) -> Settings:
        return self._settings

    def update_settings(self, **changes: Any) -> Settings:
        self._settings = settings_mod.update(self.store, **changes)
        self._scheduler = scheduler.make_scheduler(self._settings)
        return self._settings

    def variant(self, gid: str) -> int | None:
        """The draw of `{param}` placeholders the card's next review shows (its review number), so a
        learner computes the answer again instead of remembering it; None without placeholders."""
        return variants.review_variant(self._entry(gid).exercise, self._card(gid)["reps"])

    def shown(self, gid: str, variant: int | None = None) -> Any:
        """The exercise as the learner sees it now: its placeholders filled with this review's draw."""
        entry = self._entry(gid)
        chosen = self.variant(gid) if variant is None else variant
        return entry.exercise if chosen is None else variants.instantiate(entry.exercise, gid, chosen)

    def card_info(self, gid: str) -> dict[str, Any]:
        """The card's row (state, due, reps, lapses, suspended, leech, ...), for the UI and tests."""
        return dict(self._card(gid))

    def schedules(self) -> dict[str, queue.Schedule]:
        """Every card's schedule (due, interval, lapses, ...), by exercise id, for Browse."""
        return queue.schedules(self.store)

    def last_outcomes(self) -> dict[str, review_log.Past]:
        """Each reviewed card's latest review (its verdict and rating), by exercise id."""
        return review_log.last_outcomes(self.store)

    def history(self, gid: str) -> list[review_log.Past]:
        """The card's reviews and resets, oldest first."""
        self._card(gid)
        return review_log.history(self.store, gid)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Study:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _card(self, gid: str) -> Any:
        row = self.store.one("SELECT * FROM cards WHERE gid = ? AND removed = 0", (gid,))
        if row is None:
            raise UsageError(unknown_exercise(gid, self.library))
        return row

    def _entry(self, gid: str) -> Entry:
        entry = self.library.get(gid)
        if entry is None:
            raise UsageError(unknown_exercise(gid, self.library))
        return entry


def unknown_exercise(gid: str, library: Library) -> str:
    close = difflib.get_close_matches(gid, [e.gid for e in library.entries], n=1)
    hint = f"; did you mean {close[0]}?" if close else "; `torchdrill due` lists the exercises"
    return f"no exercise {gid!r} in the loaded decks{hint}"
