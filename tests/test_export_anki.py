"""`torchdrill export anki`: real .apkg files, opened as the zip and SQLite collection they are."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import subprocess
import sys
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from grader.cli import main
from tests.support import SAMPLE

ROOT = Path(__file__).resolve().parent.parent

FIXTURE = """\
deck: fixture
title: Export fixture
tags: [export test]
exercises:
  - id: two-right
    kind: choice
    title: Which keep the shape
    prompt: Which of these keep the shape of `x`?
    options: ["`x + 1`", "`x.sum()`", "`x * 2`"]
    answer: [0, 2]
    explanation: |
      Element-wise operations keep the shape:
      ```python
      def double(x):
          return x * 2
      ```
  - id: sum-tripled
    kind: numeric
    title: A sum, tripled
    prompt: What is `x.sum() * 3`?
    setup: |
      x = torch.arange(4.0)
    solution: x.sum() * 3
  - id: keepdim
    kind: predict
    title: Sum with keepdim
    prompt: What is `x.sum(1, keepdim=True).shape`?
    setup: |
      x = torch.zeros(2, 5, 3)
    solution: x.sum(1, keepdim=True).shape
    hints: ["keepdim leaves a 1 where the dimension was."]
    source: "[torch.sum](https://pytorch.org/docs/stable/generated/torch.sum.html)"
"""

CONV = """\
deck: var
exercises:
  - id: conv-weight
    kind: predict
    title: Weight of a grouped conv
    prompt: What is `tuple(nn.Conv2d({C}, {O}, 3, groups={G}).weight.shape)`?
    params: {C: [4, 8], O: [8, 16], G: [2, 4]}
    solution: tuple(nn.Conv2d({C}, {O}, 3, groups={G}).weight.shape)
"""

BROKEN = """\
deck: broken
exercises:
  - id: no-such-attribute
    kind: predict
    title: Broken on purpose
    prompt: What is `x.nope`?
    setup: x = torch.zeros(2)
    solution: x.nope
  - id: fine
    kind: card
    title: Still exported
    prompt: Front
    back: Back
"""

ONLY_CODE = """\
deck: code-only
exercises:
  - id: mse
    kind: code
    title: MSE
    prompt: Write `mse(a, b)`.
    solution: |
      def mse(a, b):
          return ((a - b) ** 2).mean()
    check: observe("loss", mse(torch.ones(2), torch.zeros(2)))
"""


@dataclass
class Note:
    guid: str
    fields: dict[str, str]
    tags: list[str]
    deck: str  # the name of the deck its card is in

    def text(self, name: str) -> str:
        """A field as a reader sees it: tags stripped, entities decoded, whitespace collapsed."""
        blocks = re.sub(r"</?(?:div|p|li|ol|pre|br|hr)\b[^>]*>", " ", self.fields[name])
        return " ".join(html.unescape(re.sub(r"<[^>]+>", "", blocks)).split())


@dataclass
class Apkg:
    notes: dict[str, Note]  # by the Exercise field (the gid)
    models: dict[str, dict[str, Any]]  # by id
    decks: dict[str, str]  # name -> id


def read_apkg(path: Path, tmp: Path) -> Apkg:
    with zipfile.ZipFile(path) as z:
        assert "collection.anki2" in z.namelist()
        z.extract("collection.anki2", tmp)
    db = sqlite3.connect(tmp / "collection.anki2")
    models_json, decks_json = db.execute("SELECT models, decks FROM col").fetchone()
    models, decks = json.loads(models_json), json.loads(decks_json)
    deck_names = {int(i): d["name"] for i, d in decks.items()}
    notes = {}
    rows = db.execute("SELECT n.guid, n.mid, n.flds, n.tags, c.did FROM notes n JOIN cards c ON c.nid = n.id")
    for guid, mid, flds, tags, did in rows:
        names = [f["name"] for f in models[str(mid)]["flds"]]
        fields = dict(zip(names, flds.split("\x1f"), strict=True))
        notes[fields["Exercise"]] = Note(guid, fields, tags.split(), deck_names[did])
    db.close()
    (tmp / "collection.anki2").unlink()
    return Apkg(notes, models, {d["name"]: i for i, d in decks.items()})


def deck_dir(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / f"decks-{name}"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.yaml").write_text(text)
    return folder


def export(out: Path, *quizzes: Path, args: tuple[str, ...] = ()) -> Result:
    flags = [arg for q in quizzes for arg in ("--quizzes", str(q))]
    return CliRunner().invoke(main, ["export", "anki", str(out), *flags, *args])


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Apkg, Result]:
    """The contract's sample deck and the fixture deck, exported once for the tests that only read."""
    tmp = tmp_path_factory.mktemp("export")
    result = export(tmp / "out.apkg", SAMPLE, deck_dir(tmp, "fixture", FIXTURE))
    assert result.exit_code == 0, result.output
    return read_apkg(tmp / "out.apkg", tmp), result


def test_every_flashcard_kind_becomes_a_note_and_code_is_left_out(exported: tuple[Apkg, Result]) -> None:
    apkg, result = exported
    assert sorted(apkg.notes) == [
        "fixture/keepdim", "fixture/sum-tripled", "fixture/two-right", "sample/einsum-trace",
        "sample/last-forward", "sample/mean-of-range", "sample/nll-input", "sample/stack-card",
        "sample/view-shape",
    ]  # fmt: skip
    assert "sample/mse-by-hand" not in apkg.notes
    assert "1 code exercise left out: it needs the grader" in result.stdout
    assert "wrote" in result.stdout and "9 notes in 2 deck(s)" in result.stdout


def test_a_card_shows_its_prompt_on_the_front_and_its_back_behind(exported: tuple[Apkg, Result]) -> None:
    card = exported[0].notes["sample/stack-card"]
    assert "What is the difference between torch.cat and torch.stack?" in card.text("Front")
    assert "<code>torch.cat</code>" in card.fields["Front"]  # the prompt's Markdown, as HTML
    assert card.text("Back") == "cat joins along an existing dimension; stack adds a new one."
    assert "adds a new one" not in card.fields["Front"]


def test_a_choice_numbers_its_options_from_1_and_names_the_right_ones_on_the_back(
    exported: tuple[Apkg, Result],
) -> None:
    choice = exported[0].notes["fixture/two-right"]
    assert "1. x + 1 2. x.sum() 3. x * 2" in choice.text("Front")
    back = choice.text("Back")
    assert "the right options 1. x + 1 3. x * 2" in back
    assert "x.sum()" not in back
    single = exported[0].notes["sample/nll-input"]
    assert "the right option 2. log-probabilities" in single.text("Back")


def test_a_predict_or_numeric_back_holds_the_value_its_reference_computes(
    exported: tuple[Apkg, Result],
) -> None:
    notes = exported[0].notes
    keepdim = notes["fixture/keepdim"]
    assert "x = torch.zeros(2, 5, 3)" in keepdim.text("Front")  # the setup is on the front
    assert "answer (2, 1, 3)" in keepdim.text("Back")  # the value, as a learner would type it
    assert "(2, 1, 3)" not in keepdim.text("Front")
    tripled = notes["fixture/sum-tripled"]
    assert "answer 18 within 0.001" in tripled.text("Back")  # (0+1+2+3)*3, computed, written nowhere
    assert "18" not in tripled.text("Front")
    assert "answer 2 within 0.001" in notes["sample/mean-of-range"].text("Back")
    assert "answer (3, 4)" in notes["sample/view-shape"].text("Back")


def test_expr_and_fill_ask_what_you_would_write_and_show_the_reference(exported: tuple[Apkg, Result]) -> None:
    expr = exported[0].notes["sample/last-forward"]
    assert "What expression would you write?" in expr.text("Front")
    assert "T is one of 3, 5, 6" in expr.text("Front")  # the answer must work for each
    assert "the reference output[:, -1, :H]" in expr.text("Back")
    assert "output[:, -1, :H]" not in expr.text("Front")
    fill = exported[0].notes["sample/einsum-trace"]
    assert 'torch.einsum("___", A)' in fill.text("Front")
    assert "What would you write in each ___?" in fill.text("Front")
    assert 'the blanks ii-> filled in torch.einsum("ii->", A)' in fill.text("Back")


def test_the_explanation_hints_and_code_are_html_with_highlighting(exported: tuple[Apkg, Result]) -> None:
    apkg = exported[0]
    choice = apkg.notes["fixture/two-right"]
    assert "why Element-wise operations keep the shape:" in choice.text("Back")
    # Pygments' classes on the explanation's code fence: `def` a keyword, `double` a function name.
    assert '<span class="k">def</span>' in choice.fields["Back"]
    assert '<span class="nf">double</span>' in choice.fields["Back"]
    assert '<pre class="highlight">' in apkg.notes["sample/view-shape"].fields["Front"]  # the setup
    keepdim = apkg.notes["fixture/keepdim"]
    assert keepdim.text("Hints") == "keepdim leaves a 1 where the dimension was."
    assert '<a href="https://pytorch.org/docs/stable/generated/torch.sum.html">' in keepdim.fields["Back"]
    (model,) = apkg.models.values()
    assert ".highlight .k {" in model["css"] and ".nightMode .highlight .k {" in model["css"]
    assert "{{hint:Hints}}" in model["tmpls"][0]["qfmt"]


def test_each_deck_is_an_anki_deck_under_torchdrill(exported: tuple[Apkg, Result]) -> None:
    apkg = exported[0]
    assert {"torchdrill", "torchdrill::sample", "torchdrill::fixture"} <= set(apkg.decks)
    assert {n.deck for gid, n in apkg.notes.items() if gid.startswith("sample/")} == {"torchdrill::sample"}
    assert apkg.notes["fixture/keepdim"].deck == "torchdrill::fixture"
    assert {"export_test", "torchdrill::predict"} <= set(apkg.notes["fixture/keepdim"].tags)


def test_exporting_again_gives_the_same_guids_model_and_deck_ids(
    tmp_path: Path, exported: tuple[Apkg, Result]
) -> None:
    first = exported[0]
    # In another process: no id may come from the state of this one (a seeded random, a counter).
    command = [sys.executable, "-m", "grader.cli", "export", "anki", str(tmp_path / "again.apkg"),
               "--quizzes", str(SAMPLE), "--quizzes", str(deck_dir(tmp_path, "fixture", FIXTURE))]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    second = read_apkg(tmp_path / "again.apkg", tmp_path)
    assert {g: n.guid for g, n in second.notes.items()} == {g: n.guid for g, n in first.notes.items()}
    assert len({n.guid for n in second.notes.values()}) == len(second.notes)
    assert second.models.keys() == first.models.keys()
    assert second.decks == first.decks


def test_an_edited_exercise_keeps_its_guid_and_shows_the_edit(tmp_path: Path) -> None:
    folder = deck_dir(tmp_path, "fixture", FIXTURE)
    assert export(tmp_path / "before.apkg", folder).exit_code == 0
    edited = FIXTURE.replace("x.sum() * 3", "x.sum() * 4").replace("A sum, tripled", "A sum, times four")
    (folder / "fixture.yaml").write_text(edited)
    result = export(tmp_path / "after.apkg", folder)
    assert result.exit_code == 0, result.output
    before = read_apkg(tmp_path / "before.apkg", tmp_path).notes["fixture/sum-tripled"]
    after = read_apkg(tmp_path / "after.apkg", tmp_path).notes["fixture/sum-tripled"]
    assert after.guid == before.guid
    assert "A sum, times four" in after.text("Front")
    assert "answer 24 within" in after.text("Back")


def test_deck_option_exports_only_the_named_decks(tmp_path: Path) -> None:
    result = export(
        tmp_path / "one.apkg", SAMPLE, deck_dir(tmp_path, "fixture", FIXTURE), args=("--deck", "fixture")
    )
    assert result.exit_code == 0, result.output
    apkg = read_apkg(tmp_path / "one.apkg", tmp_path)
    assert sorted(apkg.notes) == ["fixture/keepdim", "fixture/sum-tripled", "fixture/two-right"]
    assert "torchdrill::sample" not in apkg.decks
    assert "code exercise" not in result.stdout  # the fixture has none


def test_an_unknown_deck_is_a_usage_error_that_lists_the_decks(tmp_path: Path) -> None:
    result = export(tmp_path / "x.apkg", SAMPLE, args=("--deck", "nope"))
    assert result.exit_code == 2
    assert "no deck 'nope'; decks: sample" in result.stderr
    assert not (tmp_path / "x.apkg").exists()


def test_an_exercise_whose_reference_fails_is_left_out_and_named(tmp_path: Path) -> None:
    result = export(tmp_path / "b.apkg", deck_dir(tmp_path, "broken", BROKEN))
    assert result.exit_code == 0, result.output
    assert "broken/no-such-attribute" in result.stderr and "torchdrill validate" in result.stderr
    assert "AttributeError" in result.stderr
    assert list(read_apkg(tmp_path / "b.apkg", tmp_path).notes) == ["broken/fine"]


def test_a_placeholder_exercise_is_written_as_one_draw_computed_for_it(tmp_path: Path) -> None:
    from grader.deck import variants
    from grader.deck.loader import load_library

    folder = deck_dir(tmp_path, "var", CONV)
    exercise = load_library([folder]).get("var/conv-weight").exercise
    for variant in (0, 5):
        out = tmp_path / f"v{variant}.apkg"
        assert export(out, folder, args=("--variant", str(variant))).exit_code == 0
        note = read_apkg(out, tmp_path).notes["var/conv-weight"]
        v = variants.draw(exercise, "var/conv-weight", variant)
        assert f"nn.Conv2d({v['C']}, {v['O']}, 3, groups={v['G']})" in note.text("Front")
        assert f"answer ({v['O']}, {v['C'] // v['G']}, 3, 3)" in note.text("Back")
        assert "{" not in note.text("Front")


def test_json_says_what_was_written_and_left_out(tmp_path: Path) -> None:
    result = export(tmp_path / "j.apkg", SAMPLE, args=("--json",))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["notes"] == 6 and out["kinds"]["predict"] == 1 and out["decks"] == ["torchdrill::sample"]
    assert out["left_out"] == {"code": 1, "broken": []}
    assert "computing the predict and numeric answers" in result.stderr  # the progress, on stderr


def test_a_deck_of_code_exercises_only_has_nothing_to_export(tmp_path: Path) -> None:
    result = export(tmp_path / "c.apkg", deck_dir(tmp_path, "code-only", ONLY_CODE))
    assert result.exit_code == 2
    assert "nothing to export from deck(s) code-only (1 code exercise(s) need the grader)" in result.stderr
    assert not (tmp_path / "c.apkg").exists()


def test_the_file_must_be_an_apkg(tmp_path: Path) -> None:
    result = export(tmp_path / "cards.zip", SAMPLE)
    assert result.exit_code == 2 and "name the file cards.apkg" in result.stderr


def test_without_genanki_the_command_says_which_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "genanki", None)  # `import genanki` raises ImportError
    result = export(tmp_path / "x.apkg", SAMPLE)
    assert result.exit_code == 2 and "pip install 'torchdrill[anki]'" in result.stderr


def test_the_bundled_decks_export_whole_without_html_warnings(tmp_path: Path) -> None:
    from grader.deck.loader import load_library

    library = load_library([ROOT / "quizzes"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = export(tmp_path / "all.apkg", ROOT / "quizzes", args=("--json",))
    assert result.exit_code == 0, result.output
    assert not [w for w in caught if "invalid HTML" in str(w.message)]
    out = json.loads(result.stdout)
    assert out["left_out"]["broken"] == []
    kinds = [e.exercise.kind for e in library.entries]
    assert out["notes"] == len(kinds) - kinds.count("code") and out["left_out"]["code"] == kinds.count("code")
    assert len(read_apkg(tmp_path / "all.apkg", tmp_path).notes) == out["notes"]
