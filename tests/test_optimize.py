"""`torchdrill optimize` on the review log of a simulated learner.

The learner's memory is an FSRS-6 model with parameters of its own (it forgets new cards much faster
than FSRS's defaults assume); each review's outcome is drawn from that model's recall probability,
and recorded through Study.record with a fixed clock stepping forward, as the app records it. Every
tenth card is studied from the command line, where a review has no clock: its durations are unknown.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fsrs
import pytest
from click.testing import CliRunner
from support import FakeGrader, sync
from textual.widgets import Button

from grader.cli import main
from grader.deck.loader import load_library
from grader.srs import optimize, settings
from grader.srs.accuracy import Prediction, accuracy, log_loss, predict, rmse_bins
from grader.srs.scheduler import make_scheduler
from grader.srs.store import Store
from grader.study import Attempt, Study

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
DEFAULTS = fsrs.Scheduler().parameters
# FSRS-6's defaults, but a learner who forgets new cards faster (initial stabilities of 0.1-2 days instead
# of 0.2-8), whose stability grows less after a success (w8) and whose forgetting curve is steeper (w20).
TRUE = (0.1, 0.3, 0.6, 2.0, *DEFAULTS[4:8], 1.0, *DEFAULTS[9:20], 0.3)


def deck(directory: Path, cards: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["deck: sim", "title: A simulated learner's facts", "exercises:"]
    for n in range(cards):
        lines += [f"  - id: c{n:04d}", "    kind: card", f"    title: fact {n}", f"    prompt: fact {n}?",
                  f"    back: answer {n}"]  # fmt: skip
    (directory / "sim.yaml").write_text("\n".join(lines) + "\n")
    return directory


def simulate(quizzes: Path, db: Path, days: int, new_per_day: int, seed: int = 7) -> int:
    """Study every day at 09:00 until nothing is due, 20 s a review; return how many reviews."""
    truth = fsrs.Scheduler(parameters=TRUE, enable_fuzzing=False)
    rng = random.Random(seed)
    memory: dict[str, fsrs.Card] = {}
    reviews = 0
    with Study(load_library([quizzes]), db, now=START) as study:
        study.update_settings(new_per_day=new_per_day, reviews_per_day=10_000)
        for day in range(days):
            now = START + timedelta(days=day)
            while (entry := study.next_card(now)) is not None:
                card = memory.get(entry.gid) or fsrs.Card(card_id=len(memory) + 1, due=now)
                recall = truth.get_card_retrievability(card, now) if card.last_review else 0.8
                rating = "again" if rng.random() >= recall else "hard" if rng.random() < 0.1 else "good"
                memory[entry.gid], _ = truth.review_card(card, fsrs.Rating[rating.title()], now)
                timed = int(entry.gid[-4:]) % 10 != 0
                study.record(
                    entry.gid, Attempt(None, seconds=rng.uniform(5, 40) if timed else None), rating, now
                )
                reviews += 1
                now += timedelta(seconds=20)
    return reviews


def cli(db: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), "optimize", *args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result.stdout if code == 0 else result.stderr


def intervals(quizzes: Path, db: Path, gid: str) -> dict[str, str]:
    """The four ratings' next intervals for a card, as the app shows them, at its due time."""
    with Study(load_library([quizzes]), db, now=START) as study:
        due = study.schedules()[gid].due
        return study.intervals(gid, due)


@dataclass(frozen=True)
class Learner:
    quizzes: Path
    db: Path  # optimised
    pristine: Path  # a copy of the log before `optimize`
    reviews: int
    fit: dict[str, Any]
    card: str  # a card in review, and its intervals with the default parameters
    before: dict[str, str]


@pytest.fixture(scope="module")
def learner(tmp_path_factory: pytest.TempPathFactory) -> Learner:
    """120 cards over 100 days: about 1,600 reviews, just over what the optimiser needs."""
    home = tmp_path_factory.mktemp("learner")
    quizzes, db = deck(home / "quizzes", 120), home / "td.db"
    reviews = simulate(quizzes, db, days=100, new_per_day=10)
    pristine = home / "pristine.db"
    shutil.copy(db, pristine)  # every connection is closed: the WAL is checkpointed into the file
    with closing(Store(db)) as store:
        card = store.one("SELECT gid FROM cards WHERE state = 'review' ORDER BY gid LIMIT 1")["gid"]
    before = intervals(quizzes, db, card)
    fit = json.loads(cli(db, "--json"))
    return Learner(quizzes, db, pristine, reviews, fit, card, before)


def test_the_fitted_parameters_predict_the_later_reviews_better_than_the_defaults(learner: Learner) -> None:
    fit = learner.fit
    assert fit["reviews"] == learner.reviews
    assert fit["fitted_on"] == pytest.approx(0.8 * learner.reviews, abs=2)
    default, fitted = fit["default"], fit["fitted"]
    assert default["reviews"] == fitted["reviews"] >= optimize.MIN_CHECK
    assert fitted["log_loss"] < default["log_loss"]
    assert fitted["rmse_bins"] < default["rmse_bins"]
    # The learner's own parameters predict best of all; the fit closes most of the gap to them.
    with closing(Store(learner.pristine)) as store:
        cards = optimize.histories(store)
    best = accuracy(predict(cards, TRUE, since=optimize.split(cards)[1]))
    assert best.reviews == fitted["reviews"]
    assert fitted["log_loss"] - best.log_loss < 0.5 * (default["log_loss"] - best.log_loss)
    print(f"\n{learner.reviews} reviews; on the last 20% ({fitted['reviews']} reviews a day or more apart): "
          f"log loss {default['log_loss']:.4f} -> {fitted['log_loss']:.4f}, "
          f"RMSE(bins) {default['rmse_bins']:.4f} -> {fitted['rmse_bins']:.4f}; the learner's own parameters: "
          f"{best.log_loss:.4f}, {best.rmse_bins:.4f}")  # fmt: skip


def test_the_fitted_parameters_are_stored_and_schedule_from_then_on(learner: Learner) -> None:
    assert learner.fit["stored"]
    with closing(Store(learner.db)) as store:
        stored = settings.load(store)
        assert optimize.last_fit(store)["reviews"] == learner.fit["fitted_on"]
    assert stored.fsrs_parameters == tuple(learner.fit["parameters"]) != DEFAULTS
    assert make_scheduler(stored).fsrs.parameters == stored.fsrs_parameters
    after = intervals(learner.quizzes, learner.db, learner.card)
    assert after != learner.before, (after, learner.before)


def test_the_retention_with_the_least_work_is_offered_not_applied(learner: Learner) -> None:
    fit = learner.fit
    assert fit["optimal_retention"] in (0.7, 0.75, 0.8, 0.85, 0.9, 0.95), fit["retention_note"]
    assert not fit["retention_applied"]
    with closing(Store(learner.db)) as store:
        assert settings.load(store).desired_retention == 0.9
    report = "\n".join(optimize.describe(optimize.Fit.from_json(fit)))
    assert f"{fit['optimal_retention']:.2f}" in report
    if fit["optimal_retention"] != 0.9:
        assert "torchdrill optimize --apply-retention" in report


def test_unknown_durations_stay_unknown_and_are_left_out_of_the_retention(learner: Learner) -> None:
    with closing(Store(learner.pristine)) as store:
        cards = optimize.histories(store)
    untimed = [h for h in cards if any(r.seconds is None for r in h)]
    assert untimed and all(r.seconds is None for h in untimed for r in h)  # the command-line cards, never 0
    assert 0 not in {r.seconds for h in cards for r in h}
    optimal, note = optimize.optimal_retention(untimed, DEFAULTS)
    assert optimal is None and "needs 512 timed reviews" in note and "you have 0" in note


def test_reset_goes_back_to_the_default_parameters(learner: Learner, tmp_path: Path) -> None:
    db = tmp_path / "td.db"
    shutil.copy(learner.db, db)
    assert "default parameters again" in cli(db, "--reset")
    with closing(Store(db)) as store:
        assert settings.load(store).fsrs_parameters == ()
        assert optimize.last_fit(store) is None
    assert intervals(learner.quizzes, db, learner.card) == learner.before
    assert "(as before)" in cli(db, "--reset")


def test_a_short_log_is_refused_with_how_many_reviews_it_needs(tmp_path: Path) -> None:
    quizzes, db = deck(tmp_path / "quizzes", 30), tmp_path / "td.db"
    reviews = simulate(quizzes, db, days=20, new_per_day=5)
    message = cli(db, code=2)
    assert "not enough reviews" in message and "needs 640 reviews made a day or more" in message
    assert f"({reviews} reviews in all" in message
    with closing(Store(db)) as store:
        assert settings.load(store).fsrs_parameters == () and optimize.last_fit(store) is None


def test_a_refusal_comes_before_torch_is_imported(tmp_path: Path) -> None:
    """The Settings button runs the command in a child: a short log is answered in a moment."""
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom grader.cli import main\n"
        f"r = CliRunner().invoke(main, ['--db', {str(tmp_path / 'td.db')!r}, 'optimize'])\n"
        "print(r.exit_code, 'torch' in sys.modules, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["2", "False", "False"]


def test_without_the_optimize_extra_it_says_what_to_install(learner: Learner, tmp_path: Path) -> None:
    db = tmp_path / "td.db"
    shutil.copy(learner.pristine, db)
    code = (
        "import sys\nsys.modules['pandas'] = None  # as if the extra were not installed\n"
        "from click.testing import CliRunner\nfrom grader.cli import main\n"
        f"r = CliRunner().invoke(main, ['--db', {str(db)!r}, 'optimize'])\nprint(r.exit_code, r.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.startswith("2 ") and "pip install 'torchdrill[optimize]'" in out.stdout, out.stdout
    with closing(Store(db)) as store:
        assert settings.load(store).fsrs_parameters == ()


def test_a_reset_card_starts_its_history_over(tmp_path: Path) -> None:
    quizzes = deck(tmp_path / "quizzes", 2)
    with Study(load_library([quizzes]), tmp_path / "td.db", now=START) as study:
        for day, rating in enumerate(["good", "good", "again"]):
            study.record("sim/c0000", Attempt(None, seconds=9.0), rating, START + timedelta(days=day))
        study.reset("sim/c0000", START + timedelta(days=3))
        study.record("sim/c0000", Attempt(None), "easy", START + timedelta(days=4))
        study.record("sim/c0001", Attempt(None, seconds=4.0), "good", START)
        cards = optimize.histories(study.store)
    assert [[(r.rating, r.seconds) for r in h] for h in cards] == [[("easy", None)], [("good", 4.0)]]


def test_rmse_bins_compares_mean_prediction_and_outcome_per_bin_as_srs_benchmark_does() -> None:
    # Two bins: (1 day, 2nd spaced review, no lapse) and (4 days, 4th, one lapse), 2.48/4/0 and 8.98/7/2.
    first = [Prediction(0.9, 1, 1, 2, 0), Prediction(0.7, 0, 1, 3, 0)]  # means 0.8 vs 0.5
    second = [Prediction(0.6, 1, 4, 4, 1)]  # 0.6 vs 1
    expected = ((2 * (0.8 - 0.5) ** 2 + (0.6 - 1) ** 2) / 3) ** 0.5
    assert rmse_bins(first + second) == pytest.approx(expected)
    # Calibration, not sharpness: a bin whose mean prediction is its mean outcome costs nothing.
    assert rmse_bins([Prediction(0.5, 1, 2, 2, 0), Prediction(0.5, 0, 2, 2, 0)]) == 0
    assert log_loss([Prediction(0.5, 1, 2, 2, 0)]) == pytest.approx(0.693147, abs=1e-6)


@sync
async def test_the_settings_button_says_why_a_short_log_cannot_be_fitted(tmp_path: Path) -> None:
    from tui.app import TorchDrillApp
    from tui.screens.settings import SettingsScreen

    quizzes = deck(tmp_path / "quizzes", 3)
    app = TorchDrillApp(quizzes, tmp_path / "td.db", FakeGrader(), start_grader=False)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("comma")
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one("#fit", Button).press()  # below the fold: as Enter on it would
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = str(app.screen.query_one("#fit-result").render())
        assert "not enough reviews" in shown and "needs 640 reviews" in shown
        assert "default parameters" in str(app.screen.query_one("#fit-status").render())


@pytest.mark.slow
@sync
async def test_the_settings_button_fits_and_the_app_schedules_with_the_result(
    learner: Learner, tmp_path: Path
) -> None:
    from tui.app import TorchDrillApp

    db = tmp_path / "td.db"
    shutil.copy(learner.pristine, db)
    app = TorchDrillApp(learner.quizzes, db, FakeGrader(), start_grader=False, clock=lambda: START)
    async with app.run_test(size=(110, 50)) as pilot:
        await pilot.press("comma")
        app.screen.query_one("#fit", Button).press()  # below the fold: as Enter on it would
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = str(app.screen.query_one("#fit-result").render())
        assert "Stored: torchdrill schedules with the fitted parameters" in shown, shown
        assert app.study.settings().fsrs_parameters == tuple(learner.fit["parameters"])
        assert "fitted to your reviews" in str(app.screen.query_one("#fit-status").render())


@pytest.mark.slow
def test_apply_retention_sets_the_desired_retention_it_found(learner: Learner, tmp_path: Path) -> None:
    db = tmp_path / "td.db"
    shutil.copy(learner.pristine, db)
    out = cli(db, "--apply-retention")
    optimal = learner.fit["optimal_retention"]
    with closing(Store(db)) as store:
        assert settings.load(store).desired_retention == optimal
    assert (f"set to {optimal:.2f}" if optimal != 0.9 else "is the one with the least work") in out


@pytest.mark.slow
def test_a_larger_learner_is_fitted_better_still(tmp_path: Path) -> None:
    """300 cards over 120 days (about 4,000 reviews): the figures the README quotes."""
    quizzes, db = deck(tmp_path / "quizzes", 300), tmp_path / "td.db"
    reviews = simulate(quizzes, db, days=120, new_per_day=20)
    fit = json.loads(cli(db, "--json"))
    default, fitted = fit["default"], fit["fitted"]
    assert fit["stored"] and fitted["log_loss"] < default["log_loss"]
    with closing(Store(db)) as store:
        cards = optimize.histories(store)
    best = accuracy(predict(cards, TRUE, since=optimize.split(cards)[1]))
    print(f"\n{reviews} reviews; on the last 20% ({fitted['reviews']} reviews a day or more apart): "
          f"log loss {default['log_loss']:.4f} -> {fitted['log_loss']:.4f}, "
          f"RMSE(bins) {default['rmse_bins']:.4f} -> {fitted['rmse_bins']:.4f}; "
          f"optimal retention {fit['optimal_retention']}; the learner's own parameters: "
          f"{best.log_loss:.4f}, {best.rmse_bins:.4f}")  # fmt: skip
