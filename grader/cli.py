"""The `torchdrill` command. Each subcommand is small and delegates to library functions.

Bare `torchdrill` opens the terminal app; that is the only place `tui` is imported, and
lazily, so `torchdrill grade --help` never loads Textual and the app never loads torch.
"""

from __future__ import annotations

import json
import shlex
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from grader.deck.kinds import KINDS
from grader.errors import UsageError
from grader.paths import DB_ENV, bundled_decks, deck_roots, default_db, own_decks
from grader.srs.rating import RATINGS

if TYPE_CHECKING:  # the study commands import these when they run; --help stays light
    from grader.deck.loader import Library
    from grader.engine.verdict import Verdict
    from grader.srs.stats import Stats
    from grader.study import Recorded, Study

QUIZZES_HELP = (
    "A folder of YAML decks; repeat for several (default: TORCHDRILL_QUIZZES, else ./quizzes, "
    "else the bundled decks and your own, see `torchdrill doctor`)."
)


def quizzes_option(f: Any) -> Any:
    return click.option(
        "--quizzes", "quizzes", type=click.Path(path_type=Path), multiple=True, help=QUIZZES_HELP
    )(f)


def db_option(f: Any) -> Any:
    # No click envvar here: the variable is read last, in _db, so a flag before or after the
    # subcommand always beats it.
    return click.option(
        "--db",
        type=click.Path(path_type=Path),
        default=None,
        help=f"SQLite file of your reviews (env {DB_ENV}; default: your data directory, see `torchdrill doctor`).",
    )(f)


def _root_option(name: str) -> Any:
    """`torchdrill --db X due` means the same as `torchdrill due --db X`."""
    ctx = click.get_current_context(silent=True)
    return ctx.find_root().params.get(name) if ctx is not None else None


def _quizzes(given: tuple[Path, ...] = ()) -> list[Path]:
    """The deck folders: this command's --quizzes, the root's, TORCHDRILL_QUIZZES, ./quizzes, the bundled."""
    roots = deck_roots(list(given) or list(_root_option("quizzes") or ()))
    if not roots:
        raise UsageError("no decks found: pass --quizzes DIR, set TORCHDRILL_QUIZZES, or reinstall torchdrill "
                         "(its bundled decks are missing)")  # fmt: skip
    missing = [r for r in roots if not r.exists()]
    if missing:
        raise UsageError(
            f"no decks at {missing[0]}: check the path given with --quizzes or TORCHDRILL_QUIZZES"
        )
    return roots


def _db(path: Path | None) -> Path:
    chosen = path or _root_option("db")
    if chosen is not None and not chosen.parent.exists():
        # An explicit path with a typo must not quietly start a new, empty history.
        raise UsageError(f"cannot use the database {chosen}: its folder {chosen.parent} does not exist")
    return chosen or default_db()


class Group(click.Group):
    """Turns errors into a message (exit 2 for usage, 1 for the unexpected); tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("torchdrill: interrupted", err=True)
            ctx.exit(130)
        except Exception as e:
            if ctx.params.get("debug"):
                raise
            if isinstance(e, UsageError):
                click.echo(f"torchdrill: {e}", err=True)
                ctx.exit(2)
            click.echo(
                f"torchdrill: unexpected error: {type(e).__name__}: {e}\n"
                "Run the same command as `torchdrill --debug ...` to see the traceback, and please "
                "report it.",
                err=True,
            )
            ctx.exit(1)


@click.group(
    cls=Group,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@quizzes_option
@db_option
@click.option("--debug", is_flag=True, help="Show Python tracebacks instead of short messages.")
@click.pass_context
def main(ctx: click.Context, quizzes: tuple[Path, ...], db: Path | None, debug: bool) -> None:
    """torchdrill: spaced-repetition drills for the nuts and bolts of PyTorch.

    Run without a command to open the terminal app (decks: see --quizzes).
    Every answer is graded by running it against real torch, in a sandbox.

    \b
    Study:     torchdrill            (the app; `torchdrill serve` in a browser)
               torchdrill due / review ID --answer ... / stats
               torchdrill export anki FILE.apkg   (the flashcard-like exercises, for Anki)
               torchdrill optimize   (fit the scheduler to your own reviews)
    Authors:   torchdrill validate [PATH ...]
               torchdrill new KIND DECK/ID, torchdrill schema
    Teachers:  torchdrill grade SUBMISSIONS.jsonl --out report.json
    Set-up:    torchdrill doctor     (which sandbox protections are active)
    """
    if ctx.invoked_subcommand is None:
        from tui.app import run_app  # the only import of tui, deferred: the app must not pay for the CLI

        run_app(_quizzes(quizzes), _db(db))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@quizzes_option
@click.option(
    "--device",
    type=click.Choice(["cpu", "cuda"]),
    default=None,
    help="Where to run references and answers (default: cuda when available).",
)
@click.option("--quick", is_flag=True, help="Only the schema and ids; run no code.")
@db_option
def validate(
    paths: tuple[Path, ...], quizzes: tuple[Path, ...], device: str | None, quick: bool, db: Path | None
) -> None:
    """Check decks as an author would want.

    Schema, ids, and, for every exercise, that its reference passes its own checks and that an
    obviously wrong answer (the starter, an empty answer) does not. Prints one
    `file:line:col: message` line per problem and exits 1 if there is any.
    """
    from grader.authoring.validate import run_validate

    targets = list(paths) or _quizzes(quizzes)
    sys.exit(run_validate(targets, device=device, run_code=not quick, echo=click.echo))


@main.command()
@click.argument("submissions", type=click.Path(path_type=Path))
@quizzes_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    multiple=True,
    help="Write a report here; repeat for several. Format by --format or extension: "
    ".json report, .csv score matrix, .xml JUnit, a directory for Gradescope results.",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(["json", "csv", "junit", "gradescope"]),
    multiple=True,
    help="Format of the matching --out (in order), instead of guessing from its extension.",
)
@click.option(
    "--workers", type=click.IntRange(1, 256), default=None, help="Parallel graders (default: CPU cores)."
)
@click.option(
    "--device",
    type=click.Choice(["cpu", "cuda"]),
    default=None,
    help="Where to run answers (default: cuda when available).",
)
@click.option(
    "--regrade", is_flag=True, help="Grade everything again, even answers already in the gradebook."
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Grade on a Dask cluster (e.g. tcp://host:8786) instead of local processes.",
)
@db_option
def grade(
    submissions: Path,
    quizzes: tuple[Path, ...],
    out: tuple[Path, ...],
    formats: tuple[str, ...],
    workers: int | None,
    device: str | None,
    regrade: bool,
    scheduler: str | None,
    db: Path | None,
) -> None:
    """Grade a batch of submissions and print a summary per exercise.

    SUBMISSIONS is JSON Lines, each line {"learner": ..., "exercise": "deck/id", "answer": ...}, or a
    directory ROOT/<learner>/<deck>/<id>.py (.txt or .json for non-code answers). Malformed lines and
    unknown exercises are reported as `invalid`, and the summary lists their line numbers apart from
    the learners' own unreadable answers; the rest are graded. Every verdict is kept in the
    gradebook (--db), so a re-run or a run after an interruption grades only what is missing.
    Each exercise's wrong answers are grouped by what they did (the same results in every trial, or
    the same value), largest groups first, with a known mistake's feedback where one matches.
    Exit 0 even when learners fail.
    """
    from grader.batch.runner import run_batch

    if not submissions.exists():
        raise UsageError(f"cannot read {submissions}: no such file")
    run_batch(
        submissions,
        _quizzes(quizzes),
        out=list(out),
        workers=workers,
        device=device,
        echo=click.echo,
        db=_db(db),
        regrade=regrade,
        formats=formats,
        scheduler=scheduler,
    )


@main.command()
@click.option("--deck", default=None, help="Only this deck.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of {exercise, kind, due}.")
@quizzes_option
@db_option
def due(deck: str | None, as_json: bool, quizzes: tuple[Path, ...], db: Path | None) -> None:
    """List the exercises due now (and today's new ones), most overdue first."""
    library = _library(_quizzes(quizzes))
    if deck is not None and library.deck(deck) is None:
        names = ", ".join(d.name for d in library.decks) or "none"
        raise UsageError(f"no deck {deck!r}; decks: {names}")
    now = _now()
    with _open_study(library, _db(db)) as study:
        items = study.queue(now, deck)
    titles = {i.gid: library.get(i.gid).exercise.title for i in items}
    if as_json:
        rows = [
            {
                "exercise": i.gid,
                "kind": i.kind,
                "due": i.due.isoformat(),
                "state": i.state,
                "title": titles[i.gid],
            }
            for i in items
        ]
        click.echo(json.dumps(rows, indent=2))
    elif not items:
        click.echo("Nothing due. Come back later.")
    else:
        for i in items:
            when = "new" if i.state == "new" else _ago(now - i.due)
            click.echo(f"{i.gid:40} {i.kind:8} {when:>12}  {titles[i.gid]}")
        click.echo(f"{len(items)} to study")


@main.command()
@click.argument("exercise")
@click.option(
    "--answer", default=None, help="The answer: text; a JSON list for fill blanks, or of choices (0-based)."
)
@click.option(
    "--answer-file", type=click.Path(path_type=Path), default=None, help="Read the answer from a file."
)
@click.option(
    "--rating",
    type=click.Choice(RATINGS),
    default=None,
    help="Record this rating instead of the suggested one.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default=None, help="Where to run the answer.")
@click.option(
    "--variant",
    type=click.IntRange(0),
    default=None,
    help="For an exercise with {param} placeholders: the draw answered (default: the one `show` prints now).",
)
@quizzes_option
@db_option
def review(
    exercise: str,
    answer: str | None,
    answer_file: Path | None,
    rating: str | None,
    as_json: bool,
    device: str | None,
    variant: int | None,
    quizzes: tuple[Path, ...],
    db: Path | None,
) -> None:
    """Grade one answer as the app would, record the review, print the verdict and next due date.

    A card needs only --rating. Choices are 0-based here, as in the YAML: --answer '[0, 2]' picks the
    first and the third option. An answer that cannot be read (not a number, bad syntax, the wrong
    number of blanks) records nothing and exits 2, so a typo never counts as a lapse.
    """
    from grader.study import Attempt, unknown_exercise

    if answer is not None and answer_file is not None:
        raise UsageError("give the answer with one of --answer TEXT or --answer-file FILE, not both")
    if answer_file is not None:
        answer = _read_answer_file(answer_file)
    library = _library(_quizzes(quizzes))
    entry = library.get(exercise)
    if entry is None:
        raise UsageError(unknown_exercise(exercise, library))
    is_card = entry.exercise.kind == "card"
    if is_card and rating is None:
        raise UsageError(
            f"{exercise} is a card: say how well you recalled it with --rating again|hard|good|easy"
        )
    if not is_card and answer is None:
        raise UsageError("give the answer with --answer TEXT or --answer-file FILE")
    with _open_study(library, _db(db)) as study:  # which draw the learner saw, before grading it
        drawn = study.variant(exercise)
    chosen = drawn if variant is None or drawn is None else variant
    verdict = None if is_card else _grade_in_process(library, exercise, answer, device, chosen)
    if verdict is not None and verdict.status in ("invalid", "broken"):
        _record_nothing(exercise, verdict, as_json)
    # No clock ran on the learner's thinking here: the review's duration is recorded as unknown.
    attempt = Attempt(
        verdict,
        failed_submits=0 if verdict is None or verdict.passed else 1,
        answer=answer or "",
        variant=chosen,
    )
    with _open_study(library, _db(db)) as study:
        suggested = study.suggest(attempt)
        try:
            recorded = study.record(exercise, attempt, rating or suggested, _now())
        except sqlite3.OperationalError as e:  # a read-only file or folder, a full disk
            raise UsageError(f"could not record the review in {study.store.path}: {e}; graded {verdict.status if verdict else 'a card'}, "
                             "nothing recorded") from None  # fmt: skip
    out = {
        "exercise": exercise,
        "status": verdict.status if verdict else None,
        "score": verdict.score if verdict else None,
        "feedback": verdict.feedback if verdict else "",
        "rating": recorded.rating,
        "suggested": suggested,
        "due": recorded.due.isoformat(),
        "leech": recorded.leech,
        "message": recorded.message,
        "variant": chosen,
    }
    if as_json:
        click.echo(json.dumps(out, indent=2))
    else:
        _print_review(out, recorded)


def _read_answer_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise UsageError(
            f"cannot read {path}: it is not UTF-8 text (byte {e.start}); save it as UTF-8"
        ) from None


def _grade_in_process(
    library: Library, gid: str, answer: Any, device: str | None, variant: int | None = None
) -> Verdict:
    from grader.engine.grader import Grader  # imports torch: only here, never at module level

    try:
        with Grader(library, device=device) as grader:
            return grader.grade(gid, answer, variant)
    except RuntimeError as e:
        raise UsageError(str(e)) from None


def _record_nothing(gid: str, verdict: Verdict, as_json: bool) -> None:
    """An answer that cannot be read is a typo (exit 2); an exercise that cannot be graded is the
    grader's fault (exit 1). Neither is a lapse: nothing is recorded."""
    code = 2 if verdict.status == "invalid" else 1
    if as_json:
        out = {"exercise": gid, "status": verdict.status, "score": 0.0, "feedback": verdict.feedback,
               "rating": None, "due": None, "recorded": False}  # fmt: skip
        click.echo(json.dumps(out, indent=2))
        raise SystemExit(code)
    if code == 2:
        raise UsageError(f"{gid}: the answer could not be read, so nothing was recorded: {verdict.feedback}")
    click.echo(f"{gid}: {verdict.feedback}", err=True)
    raise SystemExit(code)


def _print_review(out: dict[str, Any], recorded: Recorded) -> None:
    from grader.srs.scheduler import label

    if out["status"] is not None:
        click.echo(f"{out['exercise']}: {out['status']} (score {out['score']:.2f})")
        if out["feedback"]:
            click.echo(out["feedback"])
    interval = label(recorded.due - _now())
    click.echo(f"rated {recorded.rating}; next review in {interval} ({recorded.due:%Y-%m-%d %H:%M} UTC)")
    if recorded.message:
        click.echo(recorded.message)


@main.command()
@click.argument("exercise")
@click.option(
    "--variant",
    type=click.IntRange(0),
    default=None,
    help="For an exercise with {param} placeholders: show this draw (default: your next review's).",
)
@quizzes_option
@db_option
def show(exercise: str, variant: int | None, quizzes: tuple[Path, ...], db: Path | None) -> None:
    """Print an exercise as the learner sees it: its prompt, its setup, and for a card the back.

    Studying from your own editor: read it here, answer with `torchdrill review ID --answer ...`.
    An exercise with {param} placeholders shows new numbers at each review; `review` grades the
    numbers `show` printed.
    """
    from grader.study import unknown_exercise

    library = _library(_quizzes(quizzes))
    entry = library.get(exercise)
    if entry is None:
        raise UsageError(unknown_exercise(exercise, library))
    with _open_study(library, _db(db)) as study:
        drawn = study.variant(exercise)
        ex = study.shown(exercise, variant)
    title = f"{entry.gid} ({ex.kind}): {ex.title}"
    if drawn is not None:
        title += f"  [variant {drawn if variant is None else variant}]"
    click.echo(title + "\n")
    click.echo(ex.prompt.rstrip() + "\n")
    for label, text in _shown_parts(ex):
        click.echo(f"{label}:\n{text.rstrip()}\n")


def _shown_parts(ex: Any) -> list[tuple[str, str]]:
    parts = []
    if getattr(ex, "setup", "").strip():
        parts.append(("setup", ex.setup))
    if ex.kind == "choice":
        parts.append(
            (
                "options (answer with their numbers from 0)",
                "\n".join(f"  {i}. {o}" for i, o in enumerate(ex.options)),
            )
        )
    if ex.kind == "fill":
        parts.append(("template (answer with a JSON list, one string per ___)", ex.template))
    if ex.kind == "code" and ex.starter.strip():
        parts.append(("starter", ex.starter))
    if ex.kind == "card":
        parts.append(("back", ex.back))
    return parts


def _card_action(verb: str, help_text: str) -> None:
    """`torchdrill suspend|unsuspend|bury|reset ID`: the app's card actions, each undoable."""

    @main.command(name=verb, help=help_text)
    @click.argument("exercise")
    @quizzes_option
    @db_option
    def action(exercise: str, quizzes: tuple[Path, ...], db: Path | None) -> None:
        library = _library(_quizzes(quizzes))
        with _open_study(library, _db(db)) as study:
            getattr(study, verb)(exercise, _now())
        click.echo(f"{verb}: {exercise} (torchdrill undo takes it back)")


_card_action("suspend", "Suspend a card: it leaves the queue until you unsuspend it.")
_card_action("unsuspend", "Unsuspend a card (a leech too: it is studied again).")
_card_action("bury", "Bury a card until tomorrow.")
_card_action("reset", "Forget a card's schedule (its history stays): it is new again.")


@main.command()
@quizzes_option
@db_option
def undo(quizzes: tuple[Path, ...], db: Path | None) -> None:
    """Take back the last action of any kind (a review, bury, suspend, unsuspend, reset), and only
    what it changed."""
    library = _library(_quizzes(quizzes))
    with _open_study(library, _db(db)) as study:
        undone = study.undo(_now())
    click.echo("nothing to undo" if undone is None else f"undid the {undone.kind} of {undone.gid}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@quizzes_option
@db_option
def stats(as_json: bool, quizzes: tuple[Path, ...], db: Path | None) -> None:
    """Reviews per day, how regularly you study (days studied of the last 30, days off allowed),
    true retention, median answer time, the due forecast for 30 days, the weakest tags.

    --json adds the year's calendar and retention and answer time week by week."""
    library = _library(_quizzes(quizzes))
    with _open_study(library, _db(db)) as study:
        result = study.stats(_now())
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        _print_stats(result)


def _print_stats(s: Stats) -> None:
    c = s.cards
    click.echo(
        f"cards: {c.get('new', 0)} new, {c.get('learning', 0)} learning, {c.get('review', 0)} in review, "
        f"{c.get('suspended', 0)} suspended, {c.get('leech', 0)} leeches"
    )
    recent = sum(n for _, n in s.reviews_per_day)
    click.echo(
        f"reviews: {s.total_reviews} in all, {recent} in the last 30 days (today {s.reviews_per_day[-1][1]})"
    )
    h = s.habit
    click.echo(
        f"habit: studied {h.days_studied} of the last {h.days} days, {h.reviews_per_day:.1f} reviews a day"
    )
    answer = "unknown (no timed reviews)" if s.answer_seconds is None else f"{s.answer_seconds:.1f} s"
    click.echo(f"median answer time (30 days): {answer}")
    retention = (
        "n/a (no reviews of mature cards yet)" if s.true_retention is None else f"{s.true_retention:.0%}"
    )
    click.echo(f"true retention (30 days): {retention}")
    week = ", ".join(f"{d[5:]}: {n}" for d, n in s.forecast[:7])
    click.echo(f"due in the next 7 days: {week}; 30 days: {sum(n for _, n in s.forecast)}")
    if s.weakest_tags:
        weakest = ", ".join(f"{t.tag} ({t.failure_rate:.0%} of {t.reviews})" for t in s.weakest_tags)
        click.echo(f"weakest tags: {weakest}")


@main.command()
@click.option("--reset", is_flag=True, help="Go back to FSRS's default parameters.")
@click.option(
    "--apply-retention", is_flag=True, help="Also set desired retention to the one with the least work."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@db_option
def optimize(reset: bool, apply_retention: bool, as_json: bool, db: Path | None) -> None:
    """Fit the scheduler to your own reviews: FSRS parameters fitted to your review log, used for
    every review from then on.

    It fits on the first 80% of your reviews, prints how well the fitted and the default parameters
    predict the last 20% (log loss and RMSE(bins), lower is better), and stores the fitted ones when
    they predict better. It also works out the desired retention with the least review time, and
    sets it only with --apply-retention. Needs about 640 reviews made a day or more after the card's
    previous one, and the optimize extra: pip install 'torchdrill[optimize]'."""
    from contextlib import closing

    from grader.srs import optimize as optimize_mod
    from grader.srs.migrations import NewerSchema
    from grader.srs.store import Store

    path = _db(db)
    try:
        store = Store(path)
    except NewerSchema as e:
        raise UsageError(f"{path}: {e}") from None
    except (OSError, sqlite3.Error) as e:
        raise UsageError(f"cannot open the database {path}: {e}") from None
    with closing(store):
        if reset:
            was_fitted = optimize_mod.reset(store)
            said = f"Scheduling with FSRS's default parameters {'again.' if was_fitted else '(as before).'}"
            click.echo(json.dumps({"reset": True, "was_fitted": was_fitted}) if as_json else said)
            return
        if not as_json:
            click.echo("Fitting FSRS parameters to your reviews (about a minute per 8,000)...", err=True)
        fit = optimize_mod.optimize(store, _now(), apply_retention=apply_retention)
    click.echo(json.dumps(fit.to_json(), indent=2) if as_json else "\n".join(optimize_mod.describe(fit)))


# -- shared by the study commands -----------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(UTC)


def _ago(delta: timedelta) -> str:
    from grader.srs.scheduler import label

    return "due now" if delta < timedelta(minutes=1) else f"{label(delta)} overdue"


def _library(roots: list[Path]) -> Library:
    from grader.deck.loader import load_library

    library = load_library(roots)
    for problem in library.problems:
        click.echo(f"warning: {problem}", err=True)
    return library


def _open_study(library: Library, db_path: Path) -> Study:
    from grader.study import Study

    try:
        return Study(library, db_path)
    except (OSError, sqlite3.Error) as e:  # not a database, unreadable, a directory missing
        raise UsageError(f"cannot open the database {db_path}: {e}") from None


@main.command()
@click.option(
    "--device",
    type=click.Choice(["cpu", "cuda"]),
    default=None,
    help="Check grading on this device (default: cuda when available).",
)
@quizzes_option
@db_option
def doctor(device: str | None, quizzes: tuple[Path, ...], db: Path | None) -> None:
    """Show which sandbox protections are active on this machine, and the grading device."""
    from grader.engine.doctor import run_doctor

    try:
        # The doctor works without decks too: finding them is one of the things it reports.
        run_doctor(deck_roots(list(quizzes) or list(_root_option("quizzes") or ())), device=device,
                   echo=click.echo, db=_db(db))  # fmt: skip
    except RuntimeError as e:
        raise UsageError(str(e)) from None


@main.command()
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on."
)
@click.option(
    "--host",
    default="localhost",
    show_default=True,
    help="Interface to listen on. Anyone who can reach it can study as you and run code in your sandbox.",
)
@quizzes_option
@db_option
def serve(port: int, host: str, quizzes: tuple[Path, ...], db: Path | None) -> None:
    """Open the app in a web browser, at http://localhost:8000 by default.

    Each browser tab gets its own app and grader; all of them read and write the same history as
    the terminal app. Needs the serve extra: pip install 'torchdrill[serve]'.
    """
    try:
        from textual_serve.server import Server
    except ImportError:
        raise UsageError(
            "the browser mode needs textual-serve: pip install 'torchdrill[serve]' "
            "(with pipx: pipx inject torchdrill textual-serve)"
        ) from None
    roots = [str(r) for r in _quizzes(quizzes)]
    # Every tab runs this command: the same decks and the same database as this one.
    command = [sys.executable, "-m", "grader.cli", "--db", str(_db(db).resolve())]
    for root in roots:
        command += ["--quizzes", str(Path(root).resolve())]
    Server(shlex.join(command), host=host, port=port, title="torchdrill").serve()


@main.command()
@db_option
def schema(db: Path | None) -> None:
    """Print the JSON Schema of a deck file (point your editor's YAML language server at it)."""
    from grader.deck.schema import deck_schema

    click.echo(json.dumps(deck_schema(), indent=2))


@main.command(name="new")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("target", metavar="DECK/ID")
@quizzes_option
@db_option
def new(kind: str, target: str, quizzes: tuple[Path, ...], db: Path | None) -> None:
    """Append a commented skeleton exercise of KIND to the deck file, ready to edit.

    The deck file is the one whose deck is DECK, or DECK.yaml (created) in the first deck folder:
    --quizzes, TORCHDRILL_QUIZZES or ./quizzes, else your own decks folder, which the app then shows
    beside the bundled decks. The title comes from ID; what you must write is marked TODO, the code
    is a small working example to replace, and `torchdrill validate` passes on it as written (its
    warnings say what is left: the TODOs, hints, an explanation, tags).
    """
    from grader.authoring.skeletons import new_exercise

    given = deck_roots(list(quizzes) or list(_root_option("quizzes") or ()))
    roots = [r for r in given if r != bundled_decks()] or [own_decks()]  # never into the package
    roots[0].mkdir(parents=True, exist_ok=True)
    path = new_exercise(kind, target, roots[0])
    click.echo(f"added {kind} exercise {target} to {path}; edit it, then run: torchdrill validate {path}")


@main.group()
def export() -> None:
    """Write the decks in another tool's format (Anki)."""


@export.command(name="anki")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--deck",
    "decks",
    multiple=True,
    metavar="NAME",
    help="Only this deck; repeat for several (default: all).",
)
@click.option(
    "--variant",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="The draw written for exercises with {param} placeholders; export another for new numbers.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object: notes per kind, what was left out."
)
@quizzes_option
@db_option
def export_anki(
    file: Path,
    decks: tuple[str, ...],
    variant: int,
    as_json: bool,
    quizzes: tuple[Path, ...],
    db: Path | None,
) -> None:
    """Write the flashcard-like exercises as an Anki package FILE.apkg, one Anki deck per deck.

    Cards, choices (options numbered from 1), numeric and predict (the value, computed by the
    exercise's reference, on the back), expr and fill ("what would you write?", the reference on the
    back), with the explanation and highlighted code. Code exercises need the grader: left out.
    Import it in Anki (File > Import); importing a later export again updates the same notes.
    Needs the anki extra: pip install 'torchdrill[anki]'.
    """
    try:
        import genanki  # noqa: F401 - only to say what to install when it is missing
    except ImportError:
        raise UsageError(
            "the Anki export needs genanki: pip install 'torchdrill[anki]' (with pipx: pipx inject torchdrill genanki)"
        ) from None
    from grader.export.anki import export_anki as write
    from grader.export.flashcard import EXPORTED_KINDS

    if file.suffix.lower() != ".apkg":
        raise UsageError(f"name the file {file.stem}.apkg: Anki imports packages by that extension")
    if not file.parent.exists():
        raise UsageError(f"cannot write {file}: its folder {file.parent} does not exist")
    library = _library(_quizzes(quizzes))
    unknown = [d for d in decks if library.deck(d) is None]
    if unknown:
        names = ", ".join(d.name for d in library.decks) or "none"
        raise UsageError(f"no deck {unknown[0]!r}; decks: {names}")
    chosen = [library.deck(d) for d in dict.fromkeys(decks)] if decks else library.decks
    done = write(chosen, file, variant, progress=_progress("computing the predict and numeric answers"))
    if as_json:
        out = {"path": str(file), "notes": sum(done.notes.values()), "kinds": dict(done.notes),
               "decks": done.decks, "left_out": {"code": done.code, "broken": done.broken}}  # fmt: skip
        click.echo(json.dumps(out, indent=2))
        return
    kinds = ", ".join(f"{done.notes[k]} {k}" for k in EXPORTED_KINDS if done.notes[k])
    click.echo(f"wrote {file}: {sum(done.notes.values())} notes in {len(done.decks)} deck(s) ({kinds})")
    if done.code:
        they = "it needs" if done.code == 1 else "they need"
        click.echo(f"{done.code} code exercise{'s' * (done.code > 1)} left out: {they} the grader")
    for why in done.broken:
        click.echo(f"left out, its reference fails (run torchdrill validate): {why}", err=True)
    click.echo("In Anki: File > Import; importing a later export again updates these notes.")


def _progress(label: str) -> Any:
    """Wraps a list in a progress bar on stderr (only its label where stderr is not a terminal)."""

    def wrap(items: list[Any]) -> Any:
        with click.progressbar(items, label=label, file=sys.stderr) as bar:
            yield from bar

    return wrap


if __name__ == "__main__":
    main()
