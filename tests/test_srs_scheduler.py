"""Scheduling through the real fsrs package, with a fixed clock; the suggested rating."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_srs_queue import NOW, PASS, open_study

from grader.engine.verdict import Verdict
from grader.srs.scheduler import label
from grader.study import Attempt, Study

GID = "basics/ex-000"


def _intervals(study: Study, ratings: list[str]) -> list[timedelta]:
    now, out = NOW, []
    for r in ratings:
        due = study.record(GID, PASS, r, now).due
        out.append(due - now)
        now = due
    return out


def test_intervals_grow_on_good(tmp_path: Path) -> None:
    with open_study(tmp_path, n=1) as study:
        steps = _intervals(study, ["good"] * 8)
    review = [s for s in steps if s >= timedelta(days=1)]
    assert len(review) >= 5
    assert all(b > a for a, b in zip(review, review[1:], strict=False))
    assert review[-1] > timedelta(days=30)


def test_intervals_collapse_on_again(tmp_path: Path) -> None:
    with open_study(tmp_path, n=1) as study:
        long = _intervals(study, ["good"] * 6)[-1]
        lapse = _intervals(study, ["again"])[0]
    assert long > timedelta(days=10)
    assert lapse <= timedelta(minutes=10)


def test_the_shown_intervals_are_the_ones_recorded(tmp_path: Path) -> None:
    with open_study(tmp_path, n=1) as study:
        now = NOW
        for _ in range(6):
            shown = study.intervals(GID, now)
            assert list(shown) == ["again", "hard", "good", "easy"]
            rec = study.record(GID, PASS, "good", now)
            assert label(rec.due - now) == shown["good"]
            now = rec.due


def test_intervals_are_ordered_again_to_easy(tmp_path: Path) -> None:
    with open_study(tmp_path, n=1) as study:
        shown = study.intervals(GID, NOW)
    assert shown["again"] == "1m" and shown["easy"].endswith("d")


def test_settings_live_in_the_database(tmp_path: Path) -> None:
    with open_study(tmp_path, n=1) as study:
        study.update_settings(desired_retention=0.8, new_per_day=5, learning_steps_minutes=[2, 15])
    with open_study(tmp_path, n=1) as study:
        s = study.settings()
        assert (s.desired_retention, s.new_per_day, s.learning_steps_minutes) == (0.8, 5, (2.0, 15.0))
        assert study.intervals(GID, NOW)["again"] == "2m"


def test_labels() -> None:
    assert [
        label(timedelta(minutes=10)),
        label(timedelta(hours=5)),
        label(timedelta(days=3)),
        label(timedelta(days=75)),
        label(timedelta(days=730)),
    ] == ["10m", "5h", "3d", "2.5mo", "2y"]


def _suggest(tmp_path: Path, attempt: Attempt) -> str:
    with open_study(tmp_path, n=1) as study:
        return study.suggest(attempt)


def test_suggested_ratings(tmp_path: Path) -> None:
    passed, failed = Verdict("passed", 1.0), Verdict("failed", 0.0)
    assert _suggest(tmp_path, Attempt(passed)) == "good"
    assert _suggest(tmp_path, Attempt(passed, submits=2, failed_submits=1)) == "hard"
    assert _suggest(tmp_path, Attempt(passed, hints_used=1)) == "hard"
    assert _suggest(tmp_path, Attempt(failed)) == "again"
    assert _suggest(tmp_path, Attempt(passed, gave_up=True)) == "again"
    assert _suggest(tmp_path, Attempt(None)) == "good"


def test_times_may_be_given_in_any_timezone(tmp_path: Path) -> None:
    paris = timezone(timedelta(hours=1))
    with open_study(tmp_path, n=1) as study:
        rec = study.record(GID, PASS, "good", datetime(2026, 3, 2, 13, 0, tzinfo=paris))
    assert rec.due.tzinfo is not None


@pytest.mark.slow
def test_the_oldest_fsrs_we_allow_passes_the_scheduling_tests_and_stays_torch_free(tmp_path: Path) -> None:
    """fsrs releases change their numbers (default parameters, stability updates), so the floor is
    checked by behaviour: the scheduling tests pass on it, and importing it leaves torch out."""
    import re
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    floor = re.search(r'"fsrs>=([0-9.]+)', (root / "pyproject.toml").read_text()).group(1)
    target = tmp_path / "old"
    got = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            f"fsrs=={floor}",
        ],
        capture_output=True,
        text=True,
    )
    if got.returncode != 0:
        pytest.skip(f"cannot install fsrs=={floor} here (no package index?): {got.stderr.strip()[:200]}")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(root)])}
    probe = "import sys, fsrs; print(fsrs.__file__, 'torch' in sys.modules)"
    where, torch_loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    assert where.startswith(str(target)) and torch_loaded == "False"
    tests = [str(root / "tests" / f) for f in ("test_srs_scheduler.py", "test_srs_queue.py", "test_study.py")]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider", *tests],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
    )
    assert run.returncode == 0, run.stdout[-2000:]
