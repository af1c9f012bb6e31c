"""Every loader problem is reported at the offending node as file:line:col; other decks still load,
and so do the other exercises of a deck with a broken one."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.deck.loader import load_library

GOOD = """deck: good
title: Good
exercises:
  - {id: a, kind: card, title: t, prompt: p, back: b}
"""

CASES = {
    # name: (text, line, col, words in the message)
    "typo": (
        "deck: typo\ntitle: x\nexercises:\n  - id: a\n    kind: numeric\n    title: t\n    prompt: p\n"
        "    solution: 1\n    tolerence: 0.1\n",
        9,
        5,
        ["unknown field 'tolerence'", "did you mean 'tolerance'"],
    ),
    "soluton": (
        "exercises:\n  - id: a\n    kind: expr\n    title: t\n    prompt: p\n    soluton: x\n",
        6,
        5,
        ["unknown field 'soluton'", "solution"],
    ),
    "syntax": (
        "deck: syntax\ntitle: x\nexercises:\n  - id: a\n    kind: numeric\n   title: bad indent\n",
        6,
        4,
        ["YAML syntax error"],
    ),
    "kind": (
        "deck: kind\ntitle: x\nexercises:\n  - id: a\n    kind: essay\n    title: t\n    prompt: p\n",
        5,
        11,
        ["unknown kind 'essay'"],
    ),
    "dupe": (
        "deck: dupe\ntitle: x\nexercises:\n  - {id: a, kind: card, title: t, prompt: p, back: b}\n"
        "  - {id: a, kind: card, title: t, prompt: p, back: b}\n",
        5,
        10,
        ["duplicate id 'a'"],
    ),
    "list": ("- id: a\n  kind: card\n", 1, 1, ["must be a mapping", "list"]),
    "empty": ("", 1, 1, ["empty deck file"]),
    "tabs": ("deck: tabs\nexercises:\n\t- id: a\n", 3, 1, ["tab character"]),
    "missing": (
        "exercises:\n  - id: a\n    kind: card\n    title: t\n    prompt: p\n",
        2,
        5,
        ["missing required field 'back'"],
    ),
    "wrongtype": (
        "exercises:\n  - id: a\n    kind: code\n    title: t\n    prompt: p\n    solution: 'x=1'\n"
        "    check: 'observe(1, 2)'\n    trials: many\n",
        8,
        13,
        ["trials", "integer"],
    ),
    "badid": (
        "exercises:\n  - {id: Bad_Id, kind: card, title: t, prompt: p, back: b}\n",
        2,
        10,
        ["lowercase"],
    ),
    "dupkey": (
        "exercises:\n  - id: a\n    kind: card\n    title: t\n    title: u\n    prompt: p\n    back: b\n",
        5,
        5,
        ["duplicate key 'title'"],
    ),
    "choice-range": (
        "exercises:\n  - id: a\n    kind: choice\n    title: t\n    prompt: p\n    options: [x, y]\n"
        "    answer: [2]\n",
        2,
        5,
        ["out of range"],
    ),
    "fill-count": (
        "exercises:\n  - id: a\n    kind: fill\n    title: t\n    prompt: p\n    template: x = ___ + ___\n"
        "    solution: ['1']\n",
        2,
        5,
        ["2 blank(s)", "gives 1"],
    ),
    "bad-python": (
        "exercises:\n  - id: a\n    kind: expr\n    title: t\n    prompt: p\n    setup: 'x = ('\n"
        "    solution: x\n",
        6,
        17,  # the `(` itself, inside the quoted value, not where the value starts
        ["setup is not valid Python", "never closed"],
    ),
}
# Problems of the file or the deck itself: nothing in it can be loaded. The other cases break one exercise.
WHOLE_FILE = {"syntax", "list", "empty", "tabs"}
FINE = "  - {id: zz-fine, kind: card, title: t, prompt: p, back: b}\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_broken_deck_is_reported_at_its_node(tmp_path: Path, name: str) -> None:
    text, line, col, words = CASES[name]
    # A fine exercise after the broken one: it loads unless the file itself is broken.
    (tmp_path / f"{name}.yaml").write_text(text if name in WHOLE_FILE else text + FINE)
    (tmp_path / "good.yaml").write_text(GOOD)
    library = load_library([tmp_path])
    if name in WHOLE_FILE:
        assert [d.name for d in library.decks] == ["good"], (
            "the good deck still loads, the broken one is skipped"
        )
    else:
        assert sorted(d.name for d in library.decks) == sorted([name, "good"]), "the rest of the deck loads"
        loaded = [e.gid for e in library.deck(name).entries]
        assert loaded == (["dupe/a"] if name == "dupe" else []) + [f"{name}/zz-fine"], loaded
    assert len(library.problems) == 1, [str(p) for p in library.problems]
    problem = library.problems[0]
    assert (Path(problem.path).name, problem.line, problem.col) == (f"{name}.yaml", line, col), str(problem)
    for word in words:
        assert word in problem.message
    assert str(problem).startswith(f"{tmp_path / name}.yaml:{line}:{col}: ")


def test_global_ids_and_deck_tags(tmp_path: Path) -> None:
    (tmp_path / "losses.yaml").write_text(
        "title: Losses\ntags: [losses]\nexercises:\n  - {id: bce, kind: card, title: t, prompt: p, back: b, tags: [bce]}\n"
    )
    library = load_library([tmp_path])
    entry = library.get("losses/bce")
    assert entry is not None and entry.exercise.tags == ["bce", "losses"]
    assert library.decks[0].title == "Losses" and entry.line == 4


def test_same_deck_name_in_two_files_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("deck: same\n" + GOOD.split("\n", 1)[1])
    (tmp_path / "b.yaml").write_text("deck: same\n" + GOOD.split("\n", 1)[1])
    library = load_library([tmp_path])
    assert len(library.decks) == 1 and "already used" in library.problems[0].message


def test_missing_path_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    library = load_library([tmp_path / "nope"])
    assert library.decks == [] and "no such file" in library.problems[0].message


def test_sample_deck_loads_every_kind(sample_quizzes: Path) -> None:
    library = load_library([sample_quizzes])
    assert library.problems == []
    assert {e.exercise.kind for e in library.entries} == {
        "card",
        "choice",
        "numeric",
        "predict",
        "expr",
        "fill",
        "code",
    }


def test_the_apps_deck_cache_follows_every_edit(tmp_path, monkeypatch) -> None:
    """The pickled copy the app starts from is used only while no deck file changed."""
    import shutil

    from grader.deck.cache import cached_library

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    decks = tmp_path / "decks"
    decks.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "variants.yaml", decks / "v.yaml")
    first = cached_library([decks])
    assert list((tmp_path / "cache" / "torchdrill").glob("library-*.pickle"))
    again = cached_library([decks])
    assert [e.gid for e in again.entries] == [e.gid for e in first.entries] and again is not first
    text = (decks / "v.yaml").read_text()
    (decks / "v.yaml").write_text(text.replace("title: Mean of a range", "title: Mean of a range, edited"))
    assert cached_library([decks]).get("var/mean").exercise.title == "Mean of a range, edited"
    (decks / "w.yaml").write_text(
        "deck: w\nexercises:\n  - id: c\n    kind: card\n    title: t\n    prompt: p\n    back: b\n"
    )
    assert cached_library([decks]).get("w/c") is not None  # a new file
    (decks / "w.yaml").unlink()
    assert cached_library([decks]).get("w/c") is None  # a removed one
    for copy in (tmp_path / "cache" / "torchdrill").glob("library-*.pickle"):
        copy.write_bytes(b"not a pickle")  # a damaged copy is rebuilt, not an error
    assert cached_library([decks]).get("var/mean") is not None
