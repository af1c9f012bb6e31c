"""Authoring tools: `torchdrill new` writes skeletons that validate; the shipped schema is current."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.authoring.skeletons import new_exercise
from grader.deck.loader import load_library
from grader.deck.schema import deck_schema
from grader.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
KINDS = ["card", "choice", "numeric", "predict", "expr", "fill", "code"]


def test_new_skeleton_of_every_kind_validates(tmp_path: Path) -> None:
    for kind in KINDS:
        new_exercise(kind, f"demo/my-{kind}", tmp_path)
    library = load_library([tmp_path])
    assert library.problems == [] and [e.exercise.kind for e in library.entries] == KINDS
    result = subprocess.run(
        [sys.executable, "-m", "grader.cli", "validate", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_new_appends_to_an_existing_deck_file(tmp_path: Path) -> None:
    (tmp_path / "03-losses.yaml").write_text(
        "deck: losses\ntitle: Losses\nexercises:\n  - {id: a, kind: card, title: t, prompt: p, back: b}\n"
    )
    path = new_exercise("numeric", "losses/bce", tmp_path)
    assert path.name == "03-losses.yaml"
    assert [e.gid for e in load_library([tmp_path]).entries] == ["losses/a", "losses/bce"]


def test_new_refuses_a_duplicate_id_and_a_bad_target(tmp_path: Path) -> None:
    new_exercise("card", "demo/one", tmp_path)
    with pytest.raises(UsageError, match="already exists"):
        new_exercise("card", "demo/one", tmp_path)
    with pytest.raises(UsageError, match="lowercase"):
        new_exercise("card", "Demo/One", tmp_path)


def test_shipped_schema_matches_the_model() -> None:
    shipped = json.loads((ROOT / "quizzes" / "torchdrill.schema.json").read_text())
    assert shipped == deck_schema(), "regenerate it: torchdrill schema > quizzes/torchdrill.schema.json"


def test_shipped_decks_point_editors_at_the_schema() -> None:
    for deck in sorted((ROOT / "quizzes").glob("*.yaml")):
        assert deck.read_text().startswith("# yaml-language-server: $schema=torchdrill.schema.json"), (
            deck.name
        )


def test_every_example_in_the_authoring_guide_validates(tmp_path: Path) -> None:
    guide = (ROOT / "docs" / "authoring.md").read_text()
    blocks = [b.split("```", 1)[0] for b in guide.split("```yaml\n")[1:]]
    exercises = [b for b in blocks if b.startswith("  - id:")]
    assert {b.split("kind: ", 1)[1].split()[0] for b in exercises} == set(KINDS)  # every kind shown
    (tmp_path / "guide.yaml").write_text("deck: guide\nexercises:\n" + "\n".join(exercises))
    result = subprocess.run(
        [sys.executable, "-m", "grader.cli", "validate", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
