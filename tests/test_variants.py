"""`{param}` placeholders: new numbers at each review, the same numbers when a review is replayed,
and grading against the draw the learner saw: in the grader, the command line, the app's store
and batch mode. On tests/fixtures/variants.yaml, through the real grader."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.deck import variants
from grader.deck.loader import load_library
from grader.engine.grader import Grader

FIXTURE = Path(__file__).parent / "fixtures" / "variants.yaml"


@pytest.fixture(scope="module")
def quizzes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("variants")
    shutil.copy(FIXTURE, folder / "variants.yaml")
    return folder


@pytest.fixture(scope="module")
def grader(quizzes: Path):
    with Grader(load_library([quizzes]), "cpu") as g:
        yield g


def entry(quizzes: Path, gid: str):
    return load_library([quizzes]).get(gid)


def variant_where(exercise, gid: str, **wanted) -> int:
    return next(
        v for v in range(200) if all(variants.draw(exercise, gid, v)[k] == w for k, w in wanted.items())
    )


def test_a_draw_is_the_same_for_the_same_review_and_changes_between_reviews(quizzes: Path) -> None:
    ex = entry(quizzes, "var/conv-shape").exercise
    assert variants.names(ex) == ["C", "G", "O"]
    assert variants.draw(ex, "var/conv-shape", 3) == variants.draw(ex, "var/conv-shape", 3)
    assert len({tuple(variants.draw(ex, "var/conv-shape", v).items()) for v in range(12)}) > 1
    shown = variants.instantiate(ex, "var/conv-shape", 3)
    drawn = variants.draw(ex, "var/conv-shape", 3)
    assert f"nn.Conv2d({drawn['C']}, {drawn['O']}, 3, groups={drawn['G']})" in shown.prompt
    assert "{" not in shown.solution and not variants.has_variants(shown)
    assert variants.render("{'a': {N}}", {"N": 3}) == "{'a': 3}"  # other braces are left alone


def test_the_grader_grades_the_draw_the_learner_saw(quizzes: Path, grader) -> None:
    ex = entry(quizzes, "var/mean").exercise
    v3, v9 = variant_where(ex, "var/mean", N=3), variant_where(ex, "var/mean", N=9)
    assert grader.grade("var/mean", "1.0", v3).passed and not grader.grade("var/mean", "1.0", v9).passed
    assert grader.grade("var/mean", "4", v9).passed
    conv = entry(quizzes, "var/conv-shape").exercise
    v = variant_where(conv, "var/conv-shape", C=8, O=16, G=4)
    assert grader.grade("var/conv-shape", "(16, 2, 3, 3)", v).passed
    assert not grader.grade("var/conv-shape", "(16, 8, 3, 3)", v).passed
    # an executable kind: every trial uses the drawn T, the other params still vary
    last = entry(quizzes, "var/last-step").exercise
    t5, t3 = variant_where(last, "var/last-step", T=5), variant_where(last, "var/last-step", T=3)
    assert grader.grade("var/last-step", "x[:, 4]", t5).passed
    assert grader.grade("var/last-step", "x[:, 4]", t3).status in ("failed", "error")
    assert grader.grade("var/last-step", "x[:, T - 1]", t3).passed


def cli(*args: str) -> dict | str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (0, 1, 2), result.output
    return result.output


def test_show_then_review_on_the_command_line_follow_the_card(quizzes: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "h.db")
    ex = entry(quizzes, "var/mean").exercise
    seen = []
    for _ in range(3):
        shown = cli("--quizzes", str(quizzes), "--db", db, "show", "var/mean")
        n = variants.draw(ex, "var/mean", len(seen))["N"]
        assert f"torch.arange({n})" in shown and f"[variant {len(seen)}]" in shown
        out = json.loads(cli("--quizzes", str(quizzes), "--db", db, "review", "var/mean", "--answer",
                             repr((n - 1) / 2), "--json"))  # fmt: skip
        assert out["status"] == "passed" and out["variant"] == len(seen)
        seen.append(n)
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT variant FROM reviews ORDER BY id")] == [0, 1, 2]
    replay = cli("--quizzes", str(quizzes), "--db", db, "show", "var/mean", "--variant", "1")
    assert f"torch.arange({seen[1]})" in replay


def test_a_batch_line_names_its_variant(quizzes: Path, tmp_path: Path) -> None:
    ex = entry(quizzes, "var/mean").exercise
    v3, v9 = variant_where(ex, "var/mean", N=3), variant_where(ex, "var/mean", N=9)
    lines = [
        {"learner": "ana", "exercise": "var/mean", "answer": "1.0", "variant": v3},
        {"learner": "bo", "exercise": "var/mean", "answer": "1.0", "variant": v9},
        {"learner": "cy", "exercise": "var/mean", "answer": "1.0", "variant": "seven"},
    ]
    subs = tmp_path / "subs.jsonl"
    subs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = tmp_path / "report.json"
    cli("--quizzes", str(quizzes), "grade", str(subs), "--out", str(report), "--workers", "1")
    results = json.loads(report.read_text())["results"]
    assert [(r["status"], r.get("variant")) for r in results] == [
        ("passed", v3),
        ("failed", v9),
        ("invalid", None),
    ]
    assert "variant must be a whole number" in results[2]["feedback"]


def test_validate_tries_every_value_and_names_the_variant(tmp_path: Path) -> None:
    text = (
        FIXTURE.read_text()
        .replace(
            "solution: torch.arange({N}).float().mean()",
            "solution: torch.arange({N}).float().mean() / ({N} != 9)",
        )
        .replace("N: [3, 5, 7, 9]", "N: [3, 5, 7, 9, 0]")
    )
    (tmp_path / "v.yaml").write_text(text)
    out = cli("validate", str(tmp_path))
    assert "var/mean (variant" in out  # the draws with N = 9 (a division by zero) or N = 0 (nan) fail
    covered = variants.covering(load_library([tmp_path]).get("var/mean").exercise, "var/mean")
    drawn = {
        variants.draw(load_library([tmp_path]).get("var/mean").exercise, "var/mean", v)["N"] for v in covered
    }
    assert drawn == {3, 5, 7, 9, 0}
