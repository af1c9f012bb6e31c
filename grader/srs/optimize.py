"""`torchdrill optimize`: FSRS parameters fitted to the learner's own review log.

The log is read as card histories, each from the card's first review (a reset card starts over, as
in Anki; a card whose first review is not in the log is left out), and split by time: the fsrs
package's optimiser fits on the first 80% of the reviews, and the fitted and the default parameters
then predict the last 20% (accuracy.py). The parameters stored are those fitted on the first 80%,
so the figures printed are theirs, and they are stored only when they predict the later reviews
better than the defaults; the scheduler reads them from the settings from then on.

The optimiser needs torch and pandas (the `optimize` extra), imported only when a fit runs; the app
runs a fit as a child process (`fit_in_child`), so its own process never imports torch.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fsrs

from grader.errors import UsageError
from grader.srs import settings as settings_mod
from grader.srs.accuracy import RATING, Accuracy, Logged, accuracy, elapsed_days, predict
from grader.srs.store import Store

FIT_SHARE = 0.8  # fit on the first 80% of the reviews in time, check on the last 20%
# fsrs's Optimizer (6.x) returns its defaults unchanged below one mini-batch (512) of reviews made a
# day or more after the card's previous one, and reads only the first 64 reviews of each card.
MIN_FIT = 512
MAX_SEQ = 64
MIN_CHECK = 128  # such reviews in the last 20% (512 / 0.8 - 512): fewer, and the figures are noise
# compute_optimal_retention refuses fewer review logs than this, and any log without a duration.
MIN_TIMED = 512
FIT_KEY = "fsrs_fit"  # in the settings table: when the stored parameters were fitted, and how well
DEFAULTS = fsrs.Scheduler().parameters
EXTRA = "pip install 'torchdrill[optimize]' (with pipx: pipx inject torchdrill 'fsrs[optimizer]')"


@dataclass(frozen=True)
class Fit:
    """What a run of the optimiser found, and what it changed."""

    reviews: int  # in the card histories read
    fitted_on: int  # the first 80% of them, which the parameters were fitted to
    parameters: tuple[float, ...]
    default: Accuracy  # FSRS's default parameters on the last 20%
    fitted: Accuracy  # the fitted ones on the same reviews
    stored: bool  # False when the fit predicts no better than the defaults
    previous_fit: str | None  # when the parameters used before this run were fitted; None: the defaults
    retention_now: float
    optimal_retention: float | None
    retention_note: str  # why there is no optimal retention; empty when there is one
    retention_applied: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fit:
        return cls(**{**data, "parameters": tuple(data["parameters"]),
                      "default": Accuracy(**data["default"]), "fitted": Accuracy(**data["fitted"])})  # fmt: skip


def histories(store: Store) -> list[list[Logged]]:
    """Each card's reviews from its last first review (state_before 'new'), oldest first."""
    rows = store.all(
        "SELECT gid, reviewed_at, rating, state_before, seconds FROM reviews ORDER BY reviewed_at, id"
    )
    by_card: dict[str, list[Any]] = {}
    for row in rows:
        if row["state_before"] == "new":  # a first review, or the first after a reset: it starts over
            by_card[row["gid"]] = []
        if row["gid"] in by_card:
            by_card[row["gid"]].append(row)
    return [
        [Logged(number, r["reviewed_at"], r["rating"], r["seconds"]) for r in reviews]
        for number, reviews in enumerate(by_card.values(), start=1)
    ]


def optimize(store: Store, now: datetime, apply_retention: bool = False) -> Fit:
    """Fit, check, store when better, and work out the desired retention with the least work."""
    cards = histories(store)
    first, cut = split(cards)
    _enough(first, cards, cut)
    parameters = tuple(_optimizer(first).compute_optimal_parameters())
    default, fitted = (accuracy(predict(cards, p, since=cut)) for p in (DEFAULTS, parameters))
    before, previous = settings_mod.load(store), last_fit(store)
    stored = fitted.log_loss < default.log_loss
    if stored:
        record = {"fitted_at": now.isoformat(), "reviews": sum(map(len, first)),
                  "log_loss": fitted.log_loss, "default_log_loss": default.log_loss}  # fmt: skip
        _store(store, parameters, record)
    optimal, note = optimal_retention(cards, parameters if stored else before.fsrs_parameters or DEFAULTS)
    applied = apply_retention and optimal is not None and optimal != before.desired_retention
    if applied:
        settings_mod.update(store, desired_retention=optimal)
    return Fit(sum(map(len, cards)), sum(map(len, first)), parameters, default, fitted, stored,
               previous["fitted_at"] if previous else None, before.desired_retention, optimal, note,
               applied)  # fmt: skip


def split(cards: list[list[Logged]]) -> tuple[list[list[Logged]], float]:
    """The first 80% of the reviews in time, as card histories, and the moment the last 20% start."""
    reviews = sorted(r.at for history in cards for r in history)
    cut = reviews[int(len(reviews) * FIT_SHARE)] if reviews else 0.0
    return [part for history in cards if (part := [r for r in history if r.at < cut])], cut


def _spaced(history: Sequence[Logged]) -> list[Logged]:
    """The reviews made a day or more after the card's previous review: the ones FSRS learns from."""
    return [r for before, r in zip(history, history[1:], strict=False) if elapsed_days(before.at, r.at) > 0]


def _enough(first: list[list[Logged]], cards: list[list[Logged]], cut: float) -> None:
    to_fit = sum(len(_spaced(history[:MAX_SEQ])) for history in first)
    to_check = sum(1 for history in cards for r in _spaced(history) if r.at >= cut)
    if to_fit >= MIN_FIT and to_check >= MIN_CHECK:
        return
    raise UsageError(
        f"not enough reviews to fit the scheduler to you yet: it needs {MIN_FIT + MIN_CHECK} reviews made a "
        f"day or more after the card's previous one, {MIN_FIT} in the first 80% of your log to fit on (the "
        f"fsrs optimiser's minimum) and {MIN_CHECK} in the last 20% to check the fit on. You have {to_fit} "
        f"and {to_check} ({sum(map(len, cards))} reviews in all, same-day learning steps included). "
        f"Keep studying, and fit again later."
    )


def _optimizer(cards: list[list[Logged]]) -> Any:
    from fsrs import Optimizer  # torch and pandas: the optimize extra, imported only for a fit

    logs = [
        fsrs.ReviewLog(
            r.card,
            RATING[r.rating],
            datetime.fromtimestamp(r.at, tz=UTC),
            None if r.seconds is None else round(r.seconds * 1000),
        )
        for history in cards
        for r in history
    ]
    try:
        return Optimizer(logs)
    except ImportError:
        raise UsageError(
            f"fitting the scheduler needs the optimize extra (torch and pandas): {EXTRA}"
        ) from None


def optimal_retention(cards: list[list[Logged]], parameters: Sequence[float]) -> tuple[float | None, str]:
    """The desired retention (of 0.70-0.95) with the least review time per card remembered, simulated
    by fsrs from the learner's own ratings and answer times; or None and why not.

    Only cards whose every review was timed: an unknown duration is not 0 seconds, and leaving out
    single reviews would make a card's second review look like its first."""
    timed = [history for history in cards if all(r.seconds is not None for r in history)]
    count = sum(map(len, timed))
    if count < MIN_TIMED:
        return None, (
            f"it needs {MIN_TIMED} timed reviews, in cards whose every review was timed (reviews in the app "
            f"are; `torchdrill review` has no clock): you have {count}"
        )
    try:
        return float(_optimizer(timed).compute_optimal_retention(list(parameters))), ""
    except ZeroDivisionError:  # no card was ever recalled after its first review
        return None, "it needs cards you recalled after their first review, and there are none"


def _store(store: Store, parameters: tuple[float, ...], record: dict[str, Any]) -> None:
    """The parameters and how they were fitted, in one transaction; validated as any setting is."""
    replace(settings_mod.load(store), fsrs_parameters=parameters).validated()
    with store.write() as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
            [("fsrs_parameters", json.dumps(list(parameters))), (FIT_KEY, json.dumps(record))],
        )


def last_fit(store: Store) -> dict[str, Any] | None:
    """When the stored parameters were fitted, on how many reviews, how well; None with the defaults."""
    row = store.one("SELECT value FROM settings WHERE key = ?", (FIT_KEY,))
    return json.loads(row["value"]) if row else None


def reset(store: Store) -> bool:
    """Back to FSRS's default parameters; False when they were in use already."""
    with store.write() as conn:
        deleted = conn.execute(
            "DELETE FROM settings WHERE key IN ('fsrs_parameters', ?)", (FIT_KEY,)
        ).rowcount
    return deleted > 0


def describe(fit: Fit) -> list[str]:
    """The report, as `torchdrill optimize` prints it and Settings shows it."""
    d, f = fit.default, fit.fitted
    lines = [
        f"Fitted FSRS parameters to the first {fit.fitted_on} of your {fit.reviews} reviews (80%) and checked "
        f"them on the {d.reviews} later reviews made a day or more after the card's previous one:",
        f"  {'':<10}{'log loss':>10}{'RMSE(bins)':>12}",
        f"  {'defaults':<10}{d.log_loss:>10.4f}{d.rmse_bins:>12.4f}",
        f"  {'fitted':<10}{f.log_loss:>10.4f}{f.rmse_bins:>12.4f}   (lower is better)",
    ]
    if fit.stored:
        lines.append("Stored: torchdrill schedules with the fitted parameters from now on "
                     "(`torchdrill optimize --reset` goes back to the defaults).")  # fmt: skip
    else:
        using = f"the parameters fitted on {fit.previous_fit[:10]}" if fit.previous_fit else "FSRS's defaults"
        lines.append(f"Not stored: the fitted parameters predict your later reviews no better than the "
                     f"defaults, so torchdrill goes on scheduling with {using}.")  # fmt: skip
    if fit.optimal_retention is None:
        lines.append(f"The desired retention with the least work is not worked out: {fit.retention_note}.")
    elif fit.retention_applied:
        lines.append(f"Desired retention set to {fit.optimal_retention:.2f}, the one with the least work "
                     f"(it was {fit.retention_now:.2f}).")  # fmt: skip
    elif fit.optimal_retention == fit.retention_now:
        lines.append(f"Your desired retention, {fit.retention_now:.2f}, is the one with the least work.")
    else:
        lines.append(f"The desired retention with the least work for you is {fit.optimal_retention:.2f} "
                     f"(yours: {fit.retention_now:.2f}). To use it: `torchdrill optimize --apply-retention`, "
                     f"or set Desired retention in Settings.")  # fmt: skip
    return lines


def fit_in_child(db: Path, cancelled: Callable[[], bool] = lambda: False) -> Fit | None:
    """`torchdrill optimize --json` in a child process, for the app: its own process never imports
    torch, and a fit of a minute holds no lock its event loop needs. None when cancelled; a refusal
    (too few reviews, no extra) raises UsageError with the command's message."""
    command = [sys.executable, "-m", "grader.cli", "--db", str(db), "optimize", "--json"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        while True:
            try:
                out, err = child.communicate(timeout=0.25)
                break
            except subprocess.TimeoutExpired:
                if cancelled():
                    child.kill()
                    child.communicate()
                    return None
    if child.returncode != 0:
        raise UsageError(
            err.strip().removeprefix("torchdrill: ") or f"the fit failed (exit {child.returncode})"
        )
    return Fit.from_json(json.loads(out))
