"""Grading on a Dask cluster gives the same results and the same gradebook as a local run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.batch.runner import run_batch

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow  # a Dask cluster takes seconds to start

ANSWERS = [
    ("sample/mean-of-range", "2"),
    ("sample/nll-input", [0]),
    ("sample/einsum-trace", ["ii->"]),
    ("sample/mse-by-hand", "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"),
    ("sample/mse-by-hand", "def mse(a, b):\n    return a.sum()\n"),
    ("sample/last-forward", "h_n[0]"),
    ("sample/mean-of-range", ["2"]),
]


def test_a_local_dask_cluster_grades_like_local_workers_and_fills_the_same_gradebook(
    tmp_path: Path, sample_quizzes: Path
) -> None:
    subs = tmp_path / "s.jsonl"
    subs.write_text(
        "".join(
            json.dumps({"learner": f"l{i}", "exercise": gid, "answer": a}) + "\n"
            for i in range(4)
            for gid, a in ANSWERS
        )
        + "not json\n"
    )
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_cluster = run_batch(
            subs,
            sample_quizzes,
            db=tmp_path / "td.db",
            device="cpu",
            progress=False,
            scheduler=cluster.scheduler_address,
            echo=lambda *a: None,
        )
    local = run_batch(
        subs,
        sample_quizzes,
        db=tmp_path / "local.db",
        device="cpu",
        workers=1,
        progress=False,
        echo=lambda *a: None,
    )
    assert [r.status for r in on_cluster.results] == [r.status for r in local.results]
    assert [r.status for r in on_cluster.results[:7]] == [
        "passed",
        "failed",
        "passed",
        "passed",
        "failed",
        "forbidden",
        "invalid",
    ]
    resumed = run_batch(
        subs,
        sample_quizzes,
        db=tmp_path / "td.db",
        device="cpu",
        workers=1,
        progress=False,
        echo=lambda *a: None,
    )
    assert (resumed.graded, resumed.reused) == (0, on_cluster.graded)


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path: Path, sample_quizzes: Path, monkeypatch) -> None:
    from grader.batch import distributed as module
    from grader.errors import UsageError

    monkeypatch.setattr(module, "CONNECT_TIMEOUT", "2s")  # the message, not the wait, is under test
    subs = tmp_path / "s.jsonl"
    subs.write_text(json.dumps({"learner": "a", "exercise": "sample/mean-of-range", "answer": "2"}) + "\n")
    with pytest.raises(UsageError, match="cannot reach the Dask scheduler"):
        run_batch(subs, sample_quizzes, scheduler="tcp://127.0.0.1:1", progress=False, echo=lambda *a: None)
