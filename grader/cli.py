"""The `torchdrill` command. Each subcommand is small and delegates to library functions.

Bare `torchdrill` opens the terminal app; that is the only place `tui` is imported, and
lazily, so `torchdrill grade --help` never loads Textual and the app never loads torch.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from grader.errors import UsageError
from grader.paths import DB_ENV, DEFAULT_QUIZZES, default_db

QUIZZES_HELP = "Directory of YAML decks (default: ./quizzes)."


def quizzes_option(f: Any) -> Any:
    return click.option(
        "--quizzes", "quizzes", type=click.Path(path_type=Path), default=None, help=QUIZZES_HELP
    )(f)


def db_option(f: Any) -> Any:
    # No click envvar here: the variable is read last, in _db, so a flag before or after the
    # subcommand always beats it.
    return click.option(
        "--db",
        type=click.Path(path_type=Path),
        default=None,
        help=f"SQLite file of your reviews (env {DB_ENV}; default data/torchdrill.db).",
    )(f)


def _root_option(name: str) -> Any:
    """`torchdrill --db X due` means the same as `torchdrill due --db X`."""
    ctx = click.get_current_context(silent=True)
    return ctx.find_root().params.get(name) if ctx is not None else None


def _quizzes(path: Path | None) -> Path:
    path = path or _root_option("quizzes") or DEFAULT_QUIZZES
    if not path.exists():
        raise UsageError(f"no decks at {path}: pass --quizzes DIR, or run from a directory that has quizzes/")
    return path


def _db(path: Path | None) -> Path:
    return path or _root_option("db") or default_db()


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
def main(ctx: click.Context, quizzes: Path | None, db: Path | None, debug: bool) -> None:
    """torchdrill: spaced-repetition drills for the nuts and bolts of PyTorch.

    Run without a command to open the terminal app on the decks in ./quizzes.
    Every answer is graded by running it against real torch, in a sandbox.

    \b
    Study:     torchdrill            (the app)
               torchdrill due / review ID --answer ... / stats
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
    paths: tuple[Path, ...], quizzes: Path | None, device: str | None, quick: bool, db: Path | None
) -> None:
    """Check decks as an author would want.

    Schema, ids, and, for every exercise, that its reference passes its own checks and that an
    obviously wrong answer (the starter, an empty answer) does not. Prints one
    `file:line:col: message` line per problem and exits 1 if there is any.
    """
    from grader.validate import run_validate

    targets = list(paths) or [_quizzes(quizzes)]
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
    quizzes: Path | None,
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
    unknown exercises are reported as `invalid`; the rest are graded. Every verdict is kept in the
    gradebook (--db), so a re-run or a run after an interruption grades only what is missing.
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
def due(deck: str | None, as_json: bool, quizzes: Path | None, db: Path | None) -> None:
    """List the exercises due now (and today's new ones), most overdue first."""
    from grader import study

    study.cli_due(_quizzes(quizzes), _db(db), deck=deck, as_json=as_json, echo=click.echo)


@main.command()
@click.argument("exercise")
@click.option("--answer", default=None, help="The answer: text; a JSON list for fill blanks or choices.")
@click.option(
    "--answer-file", type=click.Path(path_type=Path), default=None, help="Read the answer from a file."
)
@click.option(
    "--rating",
    type=click.Choice(["again", "hard", "good", "easy"]),
    default=None,
    help="Record this rating instead of the suggested one.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default=None, help="Where to run the answer.")
@quizzes_option
@db_option
def review(
    exercise: str,
    answer: str | None,
    answer_file: Path | None,
    rating: str | None,
    as_json: bool,
    device: str | None,
    quizzes: Path | None,
    db: Path | None,
) -> None:
    """Grade one answer as the app would, record the review, print the verdict and next due date.

    A card needs only --rating. An answer that cannot be read (not a number, bad syntax, the
    wrong number of blanks) records nothing and exits 2, so a typo never counts as a lapse.
    """
    from grader import study

    if answer is not None and answer_file is not None:
        raise UsageError("give the answer with one of --answer TEXT or --answer-file FILE, not both")
    if answer_file is not None:
        try:
            answer = answer_file.read_text()
        except OSError as e:
            raise UsageError(f"cannot read {answer_file}: {e.strerror}") from None
    study.cli_review(
        _quizzes(quizzes),
        _db(db),
        exercise,
        answer,
        rating=rating,
        as_json=as_json,
        device=device,
        echo=click.echo,
    )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@quizzes_option
@db_option
def stats(as_json: bool, quizzes: Path | None, db: Path | None) -> None:
    """Reviews per day, true retention, the due forecast for 30 days, the weakest tags."""
    from grader import study

    study.cli_stats(_quizzes(quizzes), _db(db), as_json=as_json, echo=click.echo)


@main.command()
@click.option(
    "--device",
    type=click.Choice(["cpu", "cuda"]),
    default=None,
    help="Check grading on this device (default: cuda when available).",
)
@quizzes_option
@db_option
def doctor(device: str | None, quizzes: Path | None, db: Path | None) -> None:
    """Show which sandbox protections are active on this machine, and the grading device."""
    from grader.engine.doctor import run_doctor

    try:
        run_doctor(quizzes or _root_option("quizzes") or DEFAULT_QUIZZES, device=device, echo=click.echo)
    except RuntimeError as e:
        raise UsageError(str(e)) from None


@main.command()
@db_option
def schema(db: Path | None) -> None:
    """Print the JSON Schema of a deck file (point your editor's YAML language server at it)."""
    from grader.deck.schema import deck_schema

    click.echo(json.dumps(deck_schema(), indent=2))


@main.command(name="new")
@click.argument("kind", type=click.Choice(["card", "choice", "numeric", "predict", "expr", "fill", "code"]))
@click.argument("target", metavar="DECK/ID")
@quizzes_option
@db_option
def new(kind: str, target: str, quizzes: Path | None, db: Path | None) -> None:
    """Append a commented skeleton exercise of KIND to the deck file, ready to edit.

    The deck file is the one whose deck is DECK, or quizzes/DECK.yaml, created if needed.
    Every field is filled with a working example; `torchdrill validate` passes on it as written.
    """
    from grader.authoring import new_exercise

    path = new_exercise(kind, target, quizzes or DEFAULT_QUIZZES)
    click.echo(f"added {kind} exercise {target} to {path}; edit it, then run: torchdrill validate {path}")


if __name__ == "__main__":
    main()
