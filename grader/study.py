"""The review use case, shared by the terminal app and `torchdrill due/review/stats`.

Next card, suggest a rating, show each rating's next interval, record (committed before
returning), undo, bury, suspend. Torch-free: grading is the caller's business, except in
`cli_review`, which imports the grader service lazily.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from grader.deck.loader import Entry, Library, load_library
from grader.engine.verdict import Verdict
from grader.errors import UsageError
from grader.srs import queue, scheduler
from grader.srs import rating as rating_mod
from grader.srs import settings as settings_mod
from grader.srs import stats as stats_mod
from grader.srs.migrations import NewerSchema
from grader.srs.settings import Settings
from grader.srs.stats import Stats
from grader.srs.store import Store

RATINGS = rating_mod.RATINGS
# What undo puts back: the schedule. Deck, position and fingerprints belong to sync.
UNDONE = (
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "buried_until",
    "leech",
)
Echo = Callable[[str], Any]


@dataclass(frozen=True)
class Attempt:
    """What happened before the rating: the verdict (None for a card) and how it was reached."""

    verdict: Verdict | None
    submits: int = 1
    failed_submits: int = 0
    hints_used: int = 0
    gave_up: bool = False
    seconds: float = 0.0
    answer: str = ""


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
        queue.sync(self.store, library.entries, now or datetime.now(UTC))

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
    def suggest(self, attempt: Attempt) -> str:
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
        rating_name = rating
        if rating_name not in RATINGS:
            raise ValueError(f"rating must be one of {', '.join(RATINGS)}, not {rating_name!r}")
        entry = self._entry(gid)
        with self.store.write() as conn:
            row = self._card(gid)
            before = scheduler.CardState.from_row(row)
            after = scheduler.next_state(self._scheduler, gid, row["reps"], before, rating_name, now)
            lapsed = before.state == "review" and rating_name == "again"
            lapses = row["lapses"] + lapsed
            leech = lapsed and lapses >= self._settings.leech_threshold and not row["leech"]
            conn.execute(
                "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?, "
                "reps = reps + 1, lapses = ?, leech = leech OR ?, suspended = suspended OR ?, buried_until = 0 "
                "WHERE gid = ?",
                (
                    after.state,
                    after.step,
                    after.stability,
                    after.difficulty,
                    after.due,
                    after.last_review,
                    lapses,
                    leech,
                    leech,
                    gid,
                ),
            )
            self._log(conn, entry, row, attempt, rating_name, now, after.due)
        message = f"{gid} is a leech: failed {lapses} times. Suspended; rewrite or reset it." if leech else ""
        return Recorded(gid, rating_name, scheduler.at(after.due), leech, message)

    def _log(
        self,
        conn: Any,
        entry: Entry,
        row: Any,
        attempt: Attempt,
        rating_name: str,
        now: datetime,
        due_after: float,
    ) -> None:
        v = attempt.verdict
        day = queue.day_key(now, self._settings)
        failed = rating_name == "again"
        conn.execute(
            "INSERT INTO reviews (gid, reviewed_at, day, rating, state_before, status, score, submits, "
            "failed_submits, hints_used, gave_up, seconds, answer, tags, fingerprint, due_after, card_before) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.gid,
                now.timestamp(),
                day,
                rating_name,
                row["state"],
                v.status if v else None,
                v.score if v else None,
                attempt.submits,
                attempt.failed_submits,
                attempt.hints_used,
                int(attempt.gave_up),
                attempt.seconds,
                attempt.answer,
                json.dumps(list(entry.exercise.tags)),
                row["fingerprint"],
                due_after,
                json.dumps({c: row[c] for c in UNDONE}),
            ),
        )
        _bump(conn, day, row["state"], failed, list(entry.exercise.tags), +1)

    def undo(self, now: datetime) -> str | None:
        """Undo the last review: the card's schedule and the counts go back to what they were."""
        with self.store.write() as conn:
            last = self.store.one(
                "SELECT id, gid, day, rating, state_before, tags, card_before FROM reviews "
                "ORDER BY id DESC LIMIT 1"
            )
            if last is None:
                return None
            before = json.loads(last["card_before"])
            columns = [c for c in UNDONE if c in before]
            conn.execute(
                f"UPDATE cards SET {', '.join(f'{c} = ?' for c in columns)} WHERE gid = ?",
                [before[c] for c in columns] + [last["gid"]],
            )
            conn.execute("DELETE FROM reviews WHERE id = ?", (last["id"],))
            _bump(
                conn,
                last["day"],
                last["state_before"],
                last["rating"] == "again",
                json.loads(last["tags"]),
                -1,
            )
        return last["gid"]

    # -- everyday controls -----------------------------------------------------------------------
    def bury(self, gid: str, now: datetime) -> None:
        self._card(gid)
        queue.bury(self.store, gid, now, self._settings)

    def suspend(self, gid: str) -> None:
        self._card(gid)
        queue.set_suspended(self.store, gid, True)

    def unsuspend(self, gid: str) -> None:
        self._card(gid)
        queue.set_suspended(self.store, gid, False)

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

    def card_info(self, gid: str) -> dict[str, Any]:
        """The card's row (state, due, reps, lapses, suspended, leech, ...), for the UI and tests."""
        return dict(self._card(gid))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Study:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _card(self, gid: str) -> Any:
        row = self.store.one("SELECT * FROM cards WHERE gid = ? AND removed = 0", (gid,))
        if row is None:
            raise UsageError(_unknown(gid, self.library))
        return row

    def _entry(self, gid: str) -> Entry:
        entry = self.library.get(gid)
        if entry is None:
            raise UsageError(_unknown(gid, self.library))
        return entry


def _bump(conn: Any, day: str, state_before: str, failed: bool, tags: list[str], sign: int) -> None:
    """Keep the per-day and per-tag counts in the same transaction as the review row."""
    is_new, is_review = state_before == "new", state_before == "review"
    conn.execute("INSERT OR IGNORE INTO daily (day) VALUES (?)", (day,))
    conn.execute(
        "UPDATE daily SET reviews = reviews + ?, new_cards = new_cards + ?, review_cards = review_cards + ?, "
        "review_passes = review_passes + ?, fails = fails + ? WHERE day = ?",
        (sign, sign * is_new, sign * is_review, sign * (is_review and not failed), sign * failed, day),
    )
    for tag in tags:
        conn.execute("INSERT OR IGNORE INTO tag_stats (tag) VALUES (?)", (tag,))
        conn.execute(
            "UPDATE tag_stats SET reviews = reviews + ?, fails = fails + ? WHERE tag = ?",
            (sign, sign * failed, tag),
        )


def _unknown(gid: str, library: Library) -> str:
    close = difflib.get_close_matches(gid, [e.gid for e in library.entries], n=1)
    hint = f"; did you mean {close[0]}?" if close else "; `torchdrill due` lists the exercises"
    return f"no exercise {gid!r} in the loaded decks{hint}"


# -- the command line -----------------------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(UTC)


def _library(quizzes_dir: Path, echo: Echo) -> Library:
    library = load_library([quizzes_dir])
    for problem in library.problems:
        echo(f"warning: {problem}")
    return library


def _open(library: Library, db_path: Path) -> Study:
    try:
        return Study(library, db_path)
    except OSError as e:
        raise UsageError(f"cannot open the database {db_path}: {e}") from None
    except Exception as e:  # sqlite3.DatabaseError: not a database, unreadable
        if type(e).__module__ == "sqlite3":
            raise UsageError(f"cannot open the database {db_path}: {e}") from None
        raise


def _err(message: str) -> None:
    import click

    click.echo(message, err=True)


def cli_due(
    quizzes_dir: Path, db_path: Path, deck: str | None = None, as_json: bool = False, echo: Echo = print
) -> None:
    library = _library(quizzes_dir, _err)
    if deck is not None and library.deck(deck) is None:
        names = ", ".join(d.name for d in library.decks) or "none"
        raise UsageError(f"no deck {deck!r}; decks: {names}")
    now = _now()
    with _open(library, db_path) as study:
        items = study.queue(now, deck)
    if as_json:
        echo(
            json.dumps(
                [
                    {
                        "exercise": i.gid,
                        "kind": i.kind,
                        "due": i.due.isoformat(),
                        "state": i.state,
                        "title": library.get(i.gid).exercise.title,
                    }
                    for i in items
                ],
                indent=2,
            )
        )
        return
    if not items:
        echo("Nothing due. Come back later.")
        return
    for i in items:
        when = "new" if i.state == "new" else _ago(now - i.due)
        echo(f"{i.gid:40} {i.kind:8} {when:>12}  {library.get(i.gid).exercise.title}")
    echo(f"{len(items)} to study")


def _ago(delta: timedelta) -> str:
    return "due now" if delta < timedelta(minutes=1) else f"{scheduler.label(delta)} overdue"


def _grade(library: Library, gid: str, answer: str, device: str | None) -> Verdict:
    from grader.engine.service import Grader  # imports torch: only here, never at module level

    try:
        with Grader(library, device=device) as grader:
            return grader.grade(gid, answer)
    except RuntimeError as e:
        raise UsageError(str(e)) from None


def cli_review(
    quizzes_dir: Path,
    db_path: Path,
    gid: str,
    answer_text: str | None,
    rating: str | None = None,
    as_json: bool = False,
    device: str | None = None,
    echo: Echo = print,
) -> None:
    library = _library(quizzes_dir, _err)
    entry = library.get(gid)
    if entry is None:
        raise UsageError(_unknown(gid, library))
    if entry.exercise.kind == "card" and rating is None:
        raise UsageError(f"{gid} is a card: say how well you recalled it with --rating again|hard|good|easy")
    if entry.exercise.kind != "card" and answer_text is None:
        raise UsageError("give the answer with --answer TEXT or --answer-file FILE")
    answer_text = answer_text or ""
    verdict = None if entry.exercise.kind == "card" else _grade(library, gid, answer_text, device)
    if verdict is not None and verdict.status == "invalid":
        _refuse_invalid(gid, verdict, as_json, echo)
    attempt = Attempt(
        verdict, failed_submits=0 if verdict is None or verdict.passed else 1, answer=answer_text
    )
    with _open(library, db_path) as study:
        suggested = study.suggest(attempt)
        recorded = study.record(gid, attempt, rating or suggested, _now())
    out = {
        "exercise": gid,
        "status": verdict.status if verdict else None,
        "score": verdict.score if verdict else None,
        "feedback": verdict.feedback if verdict else "",
        "rating": recorded.rating,
        "suggested": suggested,
        "due": recorded.due.isoformat(),
        "leech": recorded.leech,
        "message": recorded.message,
    }
    if as_json:
        echo(json.dumps(out, indent=2))
        return
    _print_review(out, recorded, echo)


def _refuse_invalid(gid: str, verdict: Verdict, as_json: bool, echo: Echo) -> None:
    """An answer that cannot be read is a typo, not a lapse: nothing is recorded, exit 2."""
    if as_json:
        echo(
            json.dumps(
                {
                    "exercise": gid,
                    "status": "invalid",
                    "score": 0.0,
                    "feedback": verdict.feedback,
                    "rating": None,
                    "due": None,
                    "recorded": False,
                },
                indent=2,
            )
        )
        raise SystemExit(2)
    raise UsageError(f"{gid}: the answer could not be read, so nothing was recorded: {verdict.feedback}")


def _print_review(out: dict[str, Any], recorded: Recorded, echo: Echo) -> None:
    if out["status"] is not None:
        echo(f"{out['exercise']}: {out['status']} (score {out['score']:.2f})")
        if out["feedback"]:
            echo(out["feedback"])
    interval = scheduler.label(recorded.due - _now())
    echo(f"rated {recorded.rating}; next review in {interval} ({recorded.due:%Y-%m-%d %H:%M} UTC)")
    if recorded.message:
        echo(recorded.message)


def cli_stats(quizzes_dir: Path, db_path: Path, as_json: bool = False, echo: Echo = print) -> None:
    library = _library(quizzes_dir, _err)
    with _open(library, db_path) as study:
        result = study.stats(_now())
    if as_json:
        echo(json.dumps(result.to_json(), indent=2))
        return
    _print_stats(result, echo)


def _print_stats(s: Stats, echo: Echo) -> None:
    c = s.cards
    echo(
        f"cards: {c.get('new', 0)} new, {c.get('learning', 0)} learning, {c.get('review', 0)} in review, "
        f"{c.get('suspended', 0)} suspended, {c.get('leech', 0)} leeches"
    )
    recent = sum(n for _, n in s.reviews_per_day)
    echo(
        f"reviews: {s.total_reviews} in all, {recent} in the last 30 days (today {s.reviews_per_day[-1][1]})"
    )
    retention = (
        "n/a (no reviews of mature cards yet)" if s.true_retention is None else f"{s.true_retention:.0%}"
    )
    echo(f"true retention (30 days): {retention}")
    week = ", ".join(f"{d[5:]}: {n}" for d, n in s.forecast[:7])
    echo(f"due in the next 7 days: {week}; 30 days: {sum(n for _, n in s.forecast)}")
    if s.weakest_tags:
        echo(
            "weakest tags: "
            + ", ".join(f"{t.tag} ({t.failure_rate:.0%} of {t.reviews})" for t in s.weakest_tags)
        )
