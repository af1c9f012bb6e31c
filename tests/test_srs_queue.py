"""The queue and the everyday controls, on a real SQLite file with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader.deck.loader import load_library
from grader.engine.verdict import Verdict
from grader.errors import UsageError
from grader.study import Attempt, Study

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PASS = Attempt(Verdict("passed", 1.0))
FAIL = Attempt(Verdict("failed", 0.0))


def write_deck(
    root: Path, n: int = 3, name: str = "basics", solution: str = "1.0", prompt: str = "How much?"
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    lines = [f"deck: {name}", f"tags: [{name}]", "exercises:"]
    for i in range(n):
        lines += [
            f"  - id: ex-{i:03d}",
            "    kind: numeric",
            f"    title: Exercise {i}",
            f"    prompt: {prompt}",
            f"    solution: {solution}",
        ]
    (root / f"{name}.yaml").write_text("\n".join(lines) + "\n")
    return root


def open_study(tmp_path: Path, **deck: object) -> Study:
    quizzes = write_deck(tmp_path / "quizzes", **deck)  # type: ignore[arg-type]
    return Study(load_library([quizzes]), tmp_path / "db.sqlite")


def test_new_cards_come_in_deck_order_on_a_fresh_database(tmp_path: Path) -> None:
    with open_study(tmp_path, n=5) as study:
        items = study.queue(NOW)
        assert [i.gid for i in items] == [f"basics/ex-{i:03d}" for i in range(5)]
        assert {i.state for i in items} == {"new"} and items[0].kind == "numeric"
        assert study.counts(NOW)["basics"].new == 5


def test_new_cards_per_day_limit(tmp_path: Path) -> None:
    with open_study(tmp_path, n=30) as study:
        assert len(study.queue(NOW)) == 20
        for item in study.queue(NOW)[:20]:
            study.record(item.gid, PASS, "easy", NOW)
        assert study.queue(NOW + timedelta(minutes=1)) == []
        assert len([i for i in study.queue(NOW + timedelta(days=1)) if i.state == "new"]) == 10


def test_good_reviews_leave_the_queue_until_due(tmp_path: Path) -> None:
    with open_study(tmp_path, n=1) as study:
        rec = study.record("basics/ex-000", PASS, "good", NOW)
        assert rec.due > NOW
        assert study.queue(NOW) == []
        assert [i.gid for i in study.queue(rec.due)] == ["basics/ex-000"]


def test_next_card_learns_ahead_within_twenty_minutes(tmp_path: Path) -> None:
    with open_study(tmp_path, n=1) as study:
        study.record("basics/ex-000", FAIL, "again", NOW)  # learning step: back in a minute
        assert study.next_card(NOW).gid == "basics/ex-000"


def test_undo_restores_the_schedule_and_the_counts(tmp_path: Path) -> None:
    with open_study(tmp_path, n=2) as study:
        before = study.card_info("basics/ex-000")
        study.record("basics/ex-000", PASS, "good", NOW)
        assert study.undo(NOW).gid == "basics/ex-000"
        assert study.card_info("basics/ex-000") == before
        assert study.stats(NOW).total_reviews == 0
        assert [i.gid for i in study.queue(NOW)][0] == "basics/ex-000"
        assert study.undo(NOW) is None


def test_undo_takes_back_the_last_action_of_any_kind_and_only_what_it_changed(tmp_path: Path) -> None:
    gid = "basics/ex-000"
    with open_study(tmp_path, n=2) as study:
        fresh = study.card_info(gid)
        study.record(gid, PASS, "good", NOW)
        reviewed = study.card_info(gid)
        study.suspend(gid, NOW)
        assert study.undo(NOW).kind == "suspend" and study.card_info(gid) == reviewed  # the review stays
        study.suspend(gid, NOW)
        assert study.undo(NOW).kind == "suspend"
        study.bury(gid, NOW)
        assert (
            study.undo(NOW).kind == "bury"
            and study.card_info(gid)["buried_until"] == reviewed["buried_until"]
        )
        study.reset(gid, NOW)
        assert study.card_info(gid)["state"] == "new"
        assert study.undo(NOW).kind == "reset" and study.card_info(gid) == reviewed
        assert study.undo(NOW).kind == "review" and study.card_info(gid) == fresh
        assert study.stats(NOW).total_reviews == 0 and study.undo(NOW) is None


def test_undoing_a_review_does_not_revert_a_suspend_made_after_it_elsewhere(tmp_path: Path) -> None:
    """The second card's suspend is the last action: undo takes it back, not the review before it."""
    with open_study(tmp_path, n=2) as study:
        study.record("basics/ex-000", PASS, "good", NOW)
        study.suspend("basics/ex-001", NOW)
        assert study.undo(NOW).gid == "basics/ex-001" and not study.card_info("basics/ex-001")["suspended"]
        assert study.card_info("basics/ex-000")["reps"] == 1


def test_bury_hides_a_card_until_tomorrow(tmp_path: Path) -> None:
    with open_study(tmp_path, n=2) as study:
        study.bury("basics/ex-000", NOW)
        assert [i.gid for i in study.queue(NOW)] == ["basics/ex-001"]
        assert "basics/ex-000" in [i.gid for i in study.queue(NOW + timedelta(days=1))]


def test_suspend_and_unsuspend(tmp_path: Path) -> None:
    with open_study(tmp_path, n=2) as study:
        study.suspend("basics/ex-001")
        assert [i.gid for i in study.queue(NOW)] == ["basics/ex-000"]
        study.unsuspend("basics/ex-001")
        assert len(study.queue(NOW)) == 2


def test_a_card_failed_eight_times_is_a_leech_tagged_and_suspended(tmp_path: Path) -> None:
    gid = "basics/ex-000"
    with open_study(tmp_path, n=1) as study:
        now = NOW
        leeches = []
        for _ in range(8):
            now = study.record(gid, PASS, "good", now).due  # graduate to review...
            while study.card_info(gid)["state"] != "review":
                now = study.record(gid, PASS, "good", now).due
            rec = study.record(gid, FAIL, "again", now)  # ...then lapse
            leeches.append(rec.leech)
            now = rec.due
        assert leeches == [False] * 7 + [True]
        assert "leech" in rec.message and "8" in rec.message
        info = study.card_info(gid)
        assert info["leech"] == 1 and info["suspended"] == 1 and info["lapses"] == 8
        assert study.queue(now + timedelta(days=400)) == []
        assert "torchdrill reset basics/ex-000" in rec.message  # reset is reachable, and named


def test_an_unsuspended_leech_is_warned_again_only_every_half_threshold(tmp_path: Path) -> None:
    """Anki's rule: 8 lapses, then 12, 16: not at every lapse after the card was unsuspended."""
    gid = "basics/ex-000"
    with open_study(tmp_path, n=1) as study:
        now, leeches = NOW, {}
        for _ in range(16):
            now = study.record(gid, PASS, "good", now).due
            while study.card_info(gid)["state"] != "review":
                now = study.record(gid, PASS, "good", now).due
            rec = study.record(gid, FAIL, "again", now)
            leeches[study.card_info(gid)["lapses"]] = rec.leech
            if rec.leech:
                study.unsuspend(gid)  # the learner keeps it
            now = rec.due
        assert [lapses for lapses, leech in leeches.items() if leech] == [8, 12, 16]


def test_reset_makes_a_card_new_and_keeps_its_history(tmp_path: Path) -> None:
    with open_study(tmp_path, n=1) as study:
        study.record("basics/ex-000", PASS, "good", NOW)
        study.reset("basics/ex-000", NOW)
        assert study.card_info("basics/ex-000")["state"] == "new"
        assert study.stats(NOW).total_reviews == 1


def test_unknown_exercise_is_a_usage_error(tmp_path: Path) -> None:
    with open_study(tmp_path, n=1) as study, pytest.raises(UsageError, match="did you mean basics/ex-000"):
        study.record("basics/ex-00", PASS, "good", NOW)


def _graduate(study: Study, gid: str) -> datetime:
    now = NOW
    while study.card_info(gid)["state"] != "review":
        now = study.record(gid, PASS, "good", now).due
    return now


def test_editing_wording_keeps_the_schedule(tmp_path: Path) -> None:
    with open_study(tmp_path, n=1) as study:
        _graduate(study, "basics/ex-000")
        before = study.card_info("basics/ex-000")
    write_deck(tmp_path / "quizzes", n=1, prompt="How much, really?")
    with Study(load_library([tmp_path / "quizzes"]), tmp_path / "db.sqlite") as study:
        after = study.card_info("basics/ex-000")
        assert {k: after[k] for k in ("state", "due", "stability")} == {
            k: before[k] for k in ("state", "due", "stability")
        }
        assert after["fingerprint"] != before["fingerprint"]
        assert study.store.one("SELECT count(*) AS n FROM versions")["n"] == 2


def test_changing_the_solution_puts_the_card_back_into_learning_and_keeps_history(tmp_path: Path) -> None:
    with open_study(tmp_path, n=1) as study:
        _graduate(study, "basics/ex-000")
        reviews = study.stats(NOW).total_reviews
    write_deck(tmp_path / "quizzes", n=1, solution="2.0")
    with Study(load_library([tmp_path / "quizzes"]), tmp_path / "db.sqlite") as study:
        info = study.card_info("basics/ex-000")
        assert info["state"] == "learning" and info["stability"] is not None
        assert study.stats(NOW).total_reviews == reviews
        later = datetime.now(UTC) + timedelta(seconds=1)
        assert "basics/ex-000" in [i.gid for i in study.queue(later)]


def test_a_removed_exercise_leaves_the_due_list_but_stays_in_the_log(tmp_path: Path) -> None:
    with open_study(tmp_path, n=2) as study:
        study.record("basics/ex-001", FAIL, "again", NOW)
    write_deck(tmp_path / "quizzes", n=1)
    with Study(load_library([tmp_path / "quizzes"]), tmp_path / "db.sqlite") as study:
        assert [i.gid for i in study.queue(NOW + timedelta(days=1))] == ["basics/ex-000"]
        assert study.store.one("SELECT count(*) AS n FROM reviews WHERE gid = 'basics/ex-001'")["n"] == 1
        assert study.stats(NOW).total_reviews == 1
