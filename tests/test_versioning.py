"""Content versioning: what resets a card's schedule, what does not, and renames that keep it.

Each test writes a deck, reviews through Study into a real SQLite file, edits the deck file, opens
Study again (as the app and the CLI do at start) and reads the card back. The legacy test opens a
database written by torchdrill before verdict hashes (tests/fixtures/before-versioning).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader.deck import fingerprint
from grader.deck.loader import MODELS, load_library
from grader.srs.migrations import SCHEMA_VERSION
from grader.study import Attempt, Study

NOW = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)  # when the edited deck is opened
ROOT = Path(__file__).resolve().parents[1]
LEGACY = Path(__file__).parent / "fixtures" / "before-versioning"
SCHEDULE = ("state", "step", "due", "stability", "difficulty", "reps", "lapses", "last_review")

DECK = """\
deck: basics
title: Basics
exercises:
  - id: stack-card
    kind: card
    title: cat vs stack
    prompt: What is the difference between `torch.cat` and `torch.stack`?
    back: "`cat` joins along an existing dimension; `stack` adds a new one."

  - id: nll-input
    kind: choice
    title: What NLLLoss expects
    prompt: Which inputs does `nn.NLLLoss` expect?
    options: [probabilities, log-probabilities, raw logits]
    answer: [1]

  - id: mean-of-range
    kind: numeric
    title: Mean of a range
    prompt: What is `torch.arange(5.0).mean()`?
    solution: torch.arange(5.0).mean()
    tolerance: 0.001

  - id: view-shape
    kind: predict
    title: Shape after view
    prompt: What is `x.view(3, -1).shape`?
    setup: |
      x = torch.zeros(2, 6)
    solution: x.view(3, -1).shape

  - id: last-forward
    kind: expr
    title: Last forward state
    prompt: Write an expression over `output` equal to `h_n[0]`.
    setup: |
      H = 4
      rnn = nn.GRU(3, H, bidirectional=True, batch_first=True)
      output, h_n = rnn(torch.randn(2, T, 3))
    params:
      T: [3, 5, 6]
    solution: output[:, -1, :H]
    forbid: [h_n, torch.flip]

  - id: einsum-trace
    kind: fill
    title: Trace with einsum
    prompt: Fill in the subscripts so that the result is the trace of `A`.
    setup: |
      A = torch.randn(4, 4)
    template: torch.einsum("___", A)
    solution: ["ii->"]

  - id: mse-by-hand
    kind: code
    title: Mean squared error by hand
    prompt: Write `mse(a, b)` without `F.mse_loss`.
    starter: |
      def mse(a, b):
          ...
    solution: |
      def mse(a, b):
          return ((a - b) ** 2).mean()
    check: |
      a, b = torch.randn(5), torch.randn(5)
      observe("loss", mse(a, b))
"""


def write(quizzes: Path, text: str, name: str = "basics.yaml") -> None:
    quizzes.mkdir(parents=True, exist_ok=True)
    (quizzes / name).write_text(text)


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def open_study(quizzes: Path, db: Path, now: datetime = NOW) -> Study:
    library = load_library([quizzes])
    assert not library.problems, library.problems
    return Study(library, db, now)


def review(quizzes: Path, db: Path, gid: str, rating: str = "good") -> dict:
    """Study the card into review (good, good, good; or easy) and return its row."""
    with open_study(quizzes, db) as study:
        at = NOW
        while study.card_info(gid)["state"] != "review":
            at = study.record(gid, Attempt(None, answer="mine"), rating, at).due
        return study.card_info(gid)


def reopen(quizzes: Path, db: Path, gid: str) -> tuple[dict, list]:
    """The card's row and history after opening the edited decks at LATER."""
    with open_study(quizzes, db, LATER) as study:
        return study.card_info(gid), study.history(gid)


def schedule(row: dict) -> dict:
    return {k: row[k] for k in SCHEDULE}


def assert_counts_agree(db: Path) -> None:
    """The trigger-kept counts (card_counts) still match the cards after rows changed their key."""
    with sqlite3.connect(db) as conn:
        kept = dict(conn.execute("SELECT key, n FROM card_counts WHERE n != 0"))
        actual = dict(
            conn.execute(
                "SELECT CASE state WHEN 'relearning' THEN 'learning' ELSE state END AS k, count(*) FROM cards "
                "WHERE removed = 0 GROUP BY k"
            )
        )
    conn.close()
    assert kept == actual


# Edits that do not change what any answer is judged by: the schedule stays.
KEPT = {
    "a comment in setup": ("basics/view-shape", "      x = torch.zeros(2, 6)\n",
                           "      # two rows of six\n      x = torch.zeros(2, 6)  # zeros\n"),
    "setup reformatted": ("basics/view-shape", "x = torch.zeros(2, 6)", "x = torch.zeros( 2,6 )"),
    "the prompt reworded": ("basics/last-forward", "equal to `h_n[0]`.", "that equals `h_n[0]`, the last forward state."),
    "a hint and an explanation": ("basics/mse-by-hand", "    starter: |",
                                  "    hints: [Square first.]\n    explanation: The mean of squares.\n    starter: |"),
    "the starter code": ("basics/mse-by-hand", "          ...", "          pass"),
    "the timeout": ("basics/mse-by-hand", "    check: |", "    timeout: 20\n    check: |"),
    "the title": ("basics/stack-card", "title: cat vs stack", "title: torch.cat versus torch.stack"),
    "forbid reordered": ("basics/last-forward", "forbid: [h_n, torch.flip]", "forbid: [torch.flip, h_n]"),
    "options reordered, answer following": ("basics/nll-input",
                                            "options: [probabilities, log-probabilities, raw logits]\n    answer: [1]",
                                            "options: [log-probabilities, raw logits, probabilities]\n    answer: [0]"),
    "a default written out": ("basics/mse-by-hand", "    check: |", "    trials: 3\n    tolerance: 0.00001\n    check: |"),
    "a comment in a code solution": ("basics/mse-by-hand", "          return ((a - b) ** 2).mean()",
                                     "          # the mean of squared differences\n"
                                     "          return ((a - b)**2).mean()"),
}  # fmt: skip

# Edits that change the verdict of some answer: the card relearns, its history stays.
RESET = {
    "numeric tolerance": ("basics/mean-of-range", "tolerance: 0.001", "tolerance: 0.1"),
    "numeric rtol": ("basics/mean-of-range", "tolerance: 0.001", "tolerance: 0.001\n    rtol: 0.01"),
    "expr params": ("basics/last-forward", "T: [3, 5, 6]", "T: [3, 5, 7]"),
    "expr forbid": ("basics/last-forward", "forbid: [h_n, torch.flip]", "forbid: [h_n]"),
    "expr allow": ("basics/last-forward", "    forbid:", "    allow: [Tensor.shape]\n    forbid:"),
    "code trials": ("basics/mse-by-hand", "    check: |", "    trials: 10\n    check: |"),
    "code tolerance": ("basics/mse-by-hand", "    check: |", "    tolerance: 0.1\n    check: |"),
    "code check": ("basics/mse-by-hand", "torch.randn(5), torch.randn(5)", "torch.randn(7), torch.randn(7)"),
    "choice answer": ("basics/nll-input", "answer: [1]", "answer: [1, 2]"),
    "choice option text": ("basics/nll-input", "raw logits]", "logits]"),
    "card back": ("basics/stack-card", "`stack` adds a new one.", "`stack` adds a new one in front."),
    "fill blank": ("basics/einsum-trace", '["ii->"]', '["ii"]'),
    "predict setup value": ("basics/view-shape", "torch.zeros(2, 6)", "torch.zeros(3, 6)"),
}


@pytest.mark.parametrize("change", list(KEPT))
def test_an_edit_that_does_not_change_the_verdict_keeps_the_schedule(tmp_path: Path, change: str) -> None:
    gid, old, new = KEPT[change]
    quizzes, db = tmp_path / "quizzes", tmp_path / "db.sqlite"
    write(quizzes, DECK)
    before = review(quizzes, db, gid)
    write(quizzes, edit(DECK, old, new))
    after, history = reopen(quizzes, db, gid)
    assert schedule(after) == schedule(before) and after["state"] == "review"
    assert after["graded_fingerprint"] == before["graded_fingerprint"]
    assert len(history) == before["reps"]


@pytest.mark.parametrize("change", list(RESET))
def test_an_edit_that_changes_the_verdict_sends_the_card_back_to_learning(
    tmp_path: Path, change: str
) -> None:
    gid, old, new = RESET[change]
    quizzes, db = tmp_path / "quizzes", tmp_path / "db.sqlite"
    write(quizzes, DECK)
    before = review(quizzes, db, gid)
    with open_study(quizzes, db) as study:
        history_before = study.history(gid)
    write(quizzes, edit(DECK, old, new))
    after, history = reopen(quizzes, db, gid)
    assert (after["state"], after["step"], after["due"]) == ("learning", 0, LATER.timestamp())
    assert (after["stability"], after["difficulty"], after["reps"]) == (
        before["stability"], before["difficulty"], before["reps"],
    )  # fmt: skip
    assert history == history_before and len(history) == before["reps"]


def test_only_the_edited_card_relearns(tmp_path: Path) -> None:
    quizzes, db = tmp_path / "quizzes", tmp_path / "db.sqlite"
    write(quizzes, DECK)
    rows = {gid: review(quizzes, db, gid) for gid in ("basics/mean-of-range", "basics/view-shape")}
    write(quizzes, edit(DECK, "tolerance: 0.001", "tolerance: 0.1"))
    assert reopen(quizzes, db, "basics/mean-of-range")[0]["state"] == "learning"
    assert schedule(reopen(quizzes, db, "basics/view-shape")[0]) == schedule(rows["basics/view-shape"])


# -- renames ------------------------------------------------------------------------------------


def test_a_renamed_exercise_with_an_alias_keeps_its_schedule_and_history(tmp_path: Path) -> None:
    quizzes, db = tmp_path / "quizzes", tmp_path / "db.sqlite"
    write(quizzes, DECK)
    before = review(quizzes, db, "basics/view-shape")
    with open_study(quizzes, db) as study:
        history = study.history("basics/view-shape")
    write(
        quizzes, edit(DECK, "  - id: view-shape\n", "  - id: shape-after-view\n    aliases: [view-shape]\n")
    )
    with open_study(quizzes, db, LATER) as study:
        after = study.card_info("basics/shape-after-view")
        assert schedule(after) == schedule(before)
        assert study.history("basics/shape-after-view") == history
        undone = study.undo(LATER)  # the undo log moved too: the last review is taken back
        assert undone is not None and undone.gid == "basics/shape-after-view"
    with sqlite3.connect(db) as conn:
        for table in ("cards", "reviews", "versions", "actions"):
            assert conn.execute(
                f"SELECT count(*) FROM {table} WHERE gid = 'basics/view-shape'"
            ).fetchone() == (0,)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_rename_without_an_alias_starts_a_new_card(tmp_path: Path) -> None:
    quizzes, db = tmp_path / "quizzes", tmp_path / "db.sqlite"
    write(quizzes, DECK)
    review(quizzes, db, "basics/view-shape")
    write(quizzes, edit(DECK, "  - id: view-shape\n", "  - id: shape-after-view\n"))
    after, history = reopen(quizzes, db, "basics/shape-after-view")
    assert (after["state"], after["reps"], history) == ("new", 0, [])


def test_an_alias_added_after_the_rename_was_opened_still_brings_the_history(tmp_path: Path) -> None:
    """The learner opened the renamed deck before its author added the alias: the new card was never
    studied, so the old one replaces it."""
    quizzes, db = tmp_path / "quizzes", tmp_path / "db.sqlite"
    write(quizzes, DECK)
    before = review(quizzes, db, "basics/view-shape")
    renamed = edit(DECK, "  - id: view-shape\n", "  - id: shape-after-view\n")
    write(quizzes, renamed)
    assert reopen(quizzes, db, "basics/shape-after-view")[0]["state"] == "new"
    write(
        quizzes,
        edit(renamed, "  - id: shape-after-view\n", "  - id: shape-after-view\n    aliases: [view-shape]\n"),
    )
    after, history = reopen(quizzes, db, "basics/shape-after-view")
    assert schedule(after) == schedule(before) and len(history) == before["reps"]
    assert_counts_agree(db)


def test_a_studied_card_under_the_new_id_is_not_replaced_by_an_alias(tmp_path: Path) -> None:
    quizzes, db = tmp_path / "quizzes", tmp_path / "db.sqlite"
    write(quizzes, DECK)
    before = review(quizzes, db, "basics/view-shape")
    renamed = edit(DECK, "  - id: view-shape\n", "  - id: shape-after-view\n")
    write(quizzes, renamed)
    mine = review(quizzes, db, "basics/shape-after-view", "easy")
    assert schedule(mine) != schedule(before)
    write(
        quizzes,
        edit(renamed, "  - id: shape-after-view\n", "  - id: shape-after-view\n    aliases: [view-shape]\n"),
    )
    assert schedule(reopen(quizzes, db, "basics/shape-after-view")[0]) == schedule(mine)


def test_a_renamed_deck_with_an_alias_keeps_every_card(tmp_path: Path) -> None:
    quizzes, db = tmp_path / "quizzes", tmp_path / "db.sqlite"
    write(quizzes, DECK)
    gids = [f"basics/{i}" for i in ("stack-card", "nll-input", "mse-by-hand")]
    before = {gid: review(quizzes, db, gid) for gid in gids}
    write(quizzes, edit(DECK, "deck: basics\n", "deck: fundamentals\naliases: [basics]\n"))
    with open_study(quizzes, db, LATER) as study:
        for gid in gids:
            moved = gid.replace("basics/", "fundamentals/")
            assert schedule(study.card_info(moved)) == schedule(before[gid])
            assert len(study.history(moved)) == before[gid]["reps"]
        assert study.counts(LATER)["fundamentals"].new == 4  # the four never studied are new there
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM cards WHERE gid LIKE 'basics/%'").fetchone() == (0,)
        assert conn.execute("SELECT DISTINCT deck FROM cards").fetchall() == [("fundamentals",)]
    assert_counts_agree(db)


def test_a_deck_and_an_exercise_renamed_at_once_keep_the_card(tmp_path: Path) -> None:
    quizzes, db = tmp_path / "quizzes", tmp_path / "db.sqlite"
    write(quizzes, DECK)
    before = review(quizzes, db, "basics/view-shape")
    text = edit(DECK, "deck: basics\n", "deck: fundamentals\naliases: [basics]\n")
    write(
        quizzes, edit(text, "  - id: view-shape\n", "  - id: shape-after-view\n    aliases: [view-shape]\n")
    )
    assert schedule(reopen(quizzes, db, "fundamentals/shape-after-view")[0]) == schedule(before)


def test_an_alias_that_names_a_live_exercise_is_reported_and_never_followed(tmp_path: Path) -> None:
    quizzes, db = tmp_path / "quizzes", tmp_path / "db.sqlite"
    write(quizzes, DECK)
    before = review(quizzes, db, "basics/view-shape")
    write(quizzes, edit(DECK, "  - id: nll-input\n", "  - id: nll-input\n    aliases: [view-shape]\n"))
    library = load_library([quizzes])
    assert [str(p) for p in library.problems] == [
        f"{quizzes / 'basics.yaml'}:11:14: alias 'view-shape' of 'nll-input' is the id of the exercise at "
        "line 25: an alias names a former id, which no exercise of the deck has now"
    ]
    with Study(library, db, LATER) as study:
        assert schedule(study.card_info("basics/view-shape")) == schedule(before)
        assert study.card_info("basics/nll-input")["state"] == "new"


def test_a_deck_alias_that_names_a_loaded_deck_is_reported(tmp_path: Path) -> None:
    quizzes = tmp_path / "quizzes"
    write(quizzes, DECK)
    write(
        quizzes, "deck: other\naliases: [basics]\nexercises:\n" + DECK.split("exercises:\n")[1], "other.yaml"
    )
    problems = [str(p) for p in load_library([quizzes]).problems]
    assert problems == [
        f"{quizzes / 'other.yaml'}:2:10: deck alias 'basics' is the name of a loaded deck "
        f"({quizzes / 'basics.yaml'}): an alias names a former deck, which no deck is called now"
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  - id: view-shape\n", "  - id: view-shape\n    aliases: [view-shape]\n",
         "aliases: 'view-shape' is the current id; an alias names a former one"),
        ("  - id: view-shape\n", "  - id: view-shape\n    aliases: [a, b, a]\n", "aliases: 'a' is listed twice"),
        ("  - id: view-shape\n", "  - id: view-shape\n    aliases: [View_Shape]\n",
         "aliases 'View_Shape' must be lowercase letters"),
        ("deck: basics\n", "deck: basics\naliases: [basics]\n",
         "aliases: 'basics' is the current deck name; an alias names a former one"),
    ],
)  # fmt: skip
def test_malformed_aliases_are_located(tmp_path: Path, old: str, new: str, message: str) -> None:
    write(tmp_path, edit(DECK, old, new))
    problems = [str(p) for p in load_library([tmp_path]).problems]
    assert len(problems) == 1 and message in problems[0], problems


# -- a database from before ---------------------------------------------------------------------


def legacy_copy(tmp_path: Path) -> tuple[Path, Path, dict[str, dict]]:
    """The fixture's deck and database, copied; and each card's row as that release wrote it."""
    quizzes, db = tmp_path / "quizzes", tmp_path / "torchdrill.db"
    write(quizzes, (LEGACY / "legacy.yaml").read_text(), "legacy.yaml")
    shutil.copy(LEGACY / "torchdrill.db", db)
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
        rows = {r["gid"]: dict(r) for r in conn.execute("SELECT * FROM cards")}
    conn.close()
    return quizzes, db, rows


def test_a_database_written_before_verdict_hashes_opens_without_resetting_a_card(tmp_path: Path) -> None:
    quizzes, db, before = legacy_copy(tmp_path)
    assert len(before) == 7 and {r["state"] for r in before.values()} == {"review"}
    assert not any(r["graded_fingerprint"].startswith("v2:") for r in before.values())
    with open_study(quizzes, db, LATER) as study:
        for gid, row in before.items():
            after = study.card_info(gid)
            assert schedule(after) == schedule(row), gid
            assert after["graded_fingerprint"].startswith("v2:")  # stored from now on
            assert len(study.history(gid)) == row["reps"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_after_the_upgrade_a_comment_keeps_and_a_tolerance_resets(tmp_path: Path) -> None:
    quizzes, db, before = legacy_copy(tmp_path)
    open_study(quizzes, db, LATER).close()
    text = (LEGACY / "legacy.yaml").read_text()
    text = edit(text, "      x = torch.zeros(2, 6)\n", "      x = torch.zeros(2, 6)  # two rows\n")
    write(quizzes, edit(text, "tolerance: 0.001", "tolerance: 0.5"), "legacy.yaml")
    with open_study(quizzes, db, LATER) as study:
        assert schedule(study.card_info("legacy/view-shape")) == schedule(before["legacy/view-shape"])
        assert study.card_info("legacy/mean-of-range")["state"] == "learning"


def test_a_legacy_hash_still_catches_a_change_it_covered(tmp_path: Path) -> None:
    """The deck edited and torchdrill upgraded at once: what the old hash covered still resets."""
    quizzes, db, before = legacy_copy(tmp_path)
    write(quizzes, edit((LEGACY / "legacy.yaml").read_text(), "answer: [1]", "answer: [2]"), "legacy.yaml")
    with open_study(quizzes, db, LATER) as study:
        assert study.card_info("legacy/nll-input")["state"] == "learning"
        assert schedule(study.card_info("legacy/view-shape")) == schedule(before["legacy/view-shape"])


# -- the hash itself ----------------------------------------------------------------------------


def test_code_is_compared_by_its_syntax_tree() -> None:
    shape = fingerprint.code_shape
    assert shape("x = f(1, 2)\n") == shape("# set x\nx = f( 1,2 )  # call\n\n")
    assert shape("x = f(1, 2)") != shape("x = f(1, 2.0)") != shape("x = f(1, '2')")
    assert shape("x = f(1, 2)") != shape("x = f(2, 1)")
    assert shape("ii->") == "ii->"  # not Python: the text itself
    assert (
        shape("y = x")
        == "Module(body=[Assign(targets=[Name(id='y', ctx=Store())], value=Name(id='x', ctx=Load()))])"
    )


def test_the_verdict_hash_is_pinned() -> None:
    """The stored hashes must not drift with the Python version (ast.dump's text changed in 3.13) or a
    refactoring: a drift would send every learner's every card back to learning."""
    library = load_library([LEGACY / "legacy.yaml"])
    hashes = {e.gid: fingerprint.graded_hash(e.exercise) for e in library.entries}
    assert hashes == {
        "legacy/stack-card": "v2:af6e9b5817576f37",
        "legacy/nll-input": "v2:7fc7c8e7f1056463",
        "legacy/mean-of-range": "v2:80e7632480dc55aa",
        "legacy/view-shape": "v2:18caee5dd3bf8231",
        "legacy/last-forward": "v2:3de71dd24c572b15",
        "legacy/einsum-trace": "v2:60e7e490c6a7040b",
        "legacy/mse-by-hand": "v2:e36951902124a4ed",
    }


def test_docs_store_table_says_which_field_resets_which_kind() -> None:
    """docs/store.md's table and the verdict hash agree, field by field and kind by kind."""
    text = (ROOT / "docs" / "store.md").read_text()
    table = text.split("### What changes the verdict")[1].split("\n\n")[1]
    header, _, *rows = [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()]
    kinds = header[1:]
    assert sorted(kinds) == sorted(MODELS)
    listed = set()
    for first, *cells in rows:
        for name in re.findall(r"`(\w+)`", first):
            listed.add(name)
            for kind, cell in zip(kinds, cells, strict=True):
                model = MODELS[kind]
                expected = (
                    "" if name not in model.model_fields
                    else "resets" if name in fingerprint.verdict_fields(model)
                    else "kept"
                )  # fmt: skip
                assert cell.split(" ")[0].strip("*") == expected, (name, kind, cell)
    # `id` and `aliases` are the identity, with a rule of their own below the table.
    assert listed == {name for model in MODELS.values() for name in model.model_fields} - {"id", "aliases"}
