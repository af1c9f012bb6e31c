"""How well a set of FSRS parameters predicts a learner's reviews: log loss and RMSE(bins), measured
as the open-spaced-repetition benchmark (srs-benchmark) measures them.

A review counts when it comes a day or more after the card's previous review (same-day learning
steps say little about memory, and FSRS predicts them poorly by design); its outcome is 1 unless it
was rated Again. The memory model replays each card's whole history with the parameters, so a
prediction uses everything before the review and nothing after it. Pure Python: no numpy here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import fsrs

from grader.srs.scheduler import RATING

DAY = 86400.0
# sklearn's log_loss clips probabilities at float64's epsilon; srs-benchmark uses it.
EPSILON = 2.220446049250313e-16


@dataclass(frozen=True)
class Logged:
    """One review as the optimiser reads it. `seconds` is None when its duration is unknown."""

    card: int  # one number per card history (fsrs wants integers)
    at: float  # seconds since the epoch
    rating: str  # again / hard / good / easy
    seconds: float | None


@dataclass(frozen=True)
class Prediction:
    """A predicted recall probability and what happened, with srs-benchmark's binning features."""

    p: float
    y: int  # 1 recalled, 0 forgot (rated Again)
    elapsed_days: int  # since the card's previous review
    i: int  # 1 + the card's reviews a day or more after their previous one, this one included
    lapses: int  # the card's earlier such reviews rated Again


@dataclass(frozen=True)
class Accuracy:
    log_loss: float
    rmse_bins: float
    reviews: int  # how many predictions the figures are over

    def to_json(self) -> dict[str, float]:
        return {"log_loss": self.log_loss, "rmse_bins": self.rmse_bins, "reviews": self.reviews}


def elapsed_days(before: float, after: float) -> int:
    """Whole days between two reviews, as fsrs counts them (`timedelta.days`)."""
    return int((after - before) // DAY)


def predict(
    histories: Iterable[Sequence[Logged]], parameters: Sequence[float], since: float
) -> list[Prediction]:
    """Predictions for every review at or after `since` that comes a day or more after the previous
    review of its card, each card's history replayed from its first review with `parameters`."""
    scheduler = fsrs.Scheduler(parameters=parameters, enable_fuzzing=False)
    found = []
    for history in histories:
        card = fsrs.Card(card_id=history[0].card, due=_at(history[0].at))
        spaced, lapses = 0, 0
        for previous, review in zip([None, *history], history, strict=False):
            moment = _at(review.at)
            days = 0 if previous is None else elapsed_days(previous.at, review.at)
            if days > 0:
                spaced += 1
                y = int(review.rating != "again")
                if review.at >= since:
                    p = scheduler.get_card_retrievability(card, current_datetime=moment)
                    found.append(Prediction(p, y, days, spaced + 1, lapses))
                lapses += 1 - y
            card, _ = scheduler.review_card(card, RATING[review.rating], review_datetime=moment)
    return found


def accuracy(predictions: Sequence[Prediction]) -> Accuracy:
    return Accuracy(log_loss(predictions), rmse_bins(predictions), len(predictions))


def log_loss(predictions: Sequence[Prediction]) -> float:
    """Mean binary cross-entropy of the predicted recall probabilities."""
    total = 0.0
    for pr in predictions:
        p = min(max(pr.p, EPSILON), 1 - EPSILON)
        total -= math.log(p) if pr.y else math.log(1 - p)
    return total / len(predictions)


def rmse_bins(predictions: Sequence[Prediction]) -> float:
    """srs-benchmark's RMSE(bins): reviews grouped by (interval, review number, lapses), each on a
    logarithmic grid; per group the mean prediction against the mean outcome; the root of the mean
    squared difference, each group weighted by its size. Calibration, robust to noisy single reviews."""
    groups: dict[tuple[float, float, float], list[Prediction]] = defaultdict(list)
    for pr in predictions:
        groups[(_delta_t_bin(pr.elapsed_days), _i_bin(pr.i), _lapse_bin(pr.lapses))].append(pr)
    squared = sum(len(g) * (_mean(x.y for x in g) - _mean(x.p for x in g)) ** 2 for g in groups.values())
    return math.sqrt(squared / len(predictions))


# The bin edges of srs-benchmark's rmse_matrix: geometric grids with these bases and scales.
def _delta_t_bin(days: int) -> float:
    return round(2.48 * 3.62 ** math.floor(math.log(max(days, 1e-6)) / math.log(3.62)), 2)


def _i_bin(i: int) -> float:
    return round(1.99 * 1.89 ** math.floor(math.log(i) / math.log(1.89)), 0)


def _lapse_bin(lapses: int) -> float:
    return 0 if lapses == 0 else round(1.65 * 1.73 ** math.floor(math.log(lapses) / math.log(1.73)), 0)


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values)


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
