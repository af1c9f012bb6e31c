"""Studying loses nothing and hides nothing: a reload keeps the answer, ctrl+z never eats typing,
the suggested rating is where Enter goes, a card shows its explanation and its lines, blanks grow,
and the session says how many cards are left. Pilot-driven, with the fake grader."""

from __future__ import annotations

from pathlib import Path

from support import SIZE, FakeGrader, clock, copy_sample, sync
from support import practise as _practise
from support import settle as _settle
from support import type_text as _type
from textual.widgets import Input, Markdown, TextArea

from grader.deck.loader import load_library
from grader.study import Study
from tui.app import TorchDrillApp


def _app(tmp_path: Path) -> TorchDrillApp:
    return TorchDrillApp(copy_sample(tmp_path / "quizzes"), tmp_path / "td.db", FakeGrader(), clock=clock)


def _deck(tmp_path: Path) -> Path:
    return tmp_path / "quizzes" / "sample.yaml"


@sync
async def test_a_reload_keeps_the_answer_the_hints_and_the_attempt(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        review = await _practise(app, pilot, "sample/mse-by-hand")
        editor = review.query_one(TextArea)
        editor.text = "def mse(a, b):\n    return 0  # half done\n"
        await pilot.press("ctrl+n")  # a hint
        await pilot.press("ctrl+s")  # a failed check
        await _settle(app, pilot)
        assert review.failed_submits == 1 and review.hints_used == 1
        # an author saves the deck: another exercise changed, this one did not
        deck = _deck(tmp_path)
        deck.write_text(deck.read_text().replace("title: Mean of a range", "title: Mean of a range!"))
        app.reload_decks()
        await _settle(app, pilot)
        await pilot.pause()
        assert review.query_one(TextArea).text == "def mse(a, b):\n    return 0  # half done\n"
        assert review.hints_used == 1 and len(review.query("#hints Markdown")) == 1
        assert review.submits == 1 and review.failed_submits == 1
        assert review.verdict is not None and review.query_one("#ratings").display  # the verdict stays
        # now the exercise itself changes: the text is kept and the learner is told
        deck.write_text(deck.read_text().replace("Write `mse(a, b)`", "Write the function `mse(a, b)`"))
        app.reload_decks()
        await _settle(app, pilot)
        await pilot.pause()
        assert review.query_one(TextArea).text == "def mse(a, b):\n    return 0  # half done\n"
        assert any("changed on disk" in str(n.message) for n in app._notifications)


@sync
async def test_a_reload_keeps_blanks_choices_and_a_line(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for gid, typed, read in [
            (
                "sample/einsum-trace",
                ["ii->"],
                lambda r: [b.value for b in r.query(".fill-blank").results(Input)],
            ),
            ("sample/view-shape", "(3, ", lambda r: r.query_one(Input).value),
            ("sample/nll-input", [2], lambda r: r.answer_widget.value()),
        ]:
            review = await _practise(app, pilot, gid)
            if isinstance(typed, str):
                await _type(pilot, typed)
            elif gid.endswith("nll-input"):
                await pilot.press("3")
            else:
                await _type(pilot, typed[0])
            app.reload_decks()
            for _ in range(100):  # the widget is mounted again after a reload: wait for it, not a fixed time
                await pilot.pause(0.02)
                if review.answer_widget is not None and read(review) == typed:
                    break
            assert app.screen is review and read(review) == typed, gid
            await pilot.press("escape")
            await pilot.pause()


@sync
async def test_ctrl_z_never_throws_away_what_is_typed(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # study the deck: the card first
        await pilot.pause()
        review = app.screen
        await pilot.press("space", "enter")  # turn it, accept the suggestion: one review
        await pilot.pause()
        await pilot.press("escape")  # leave the choice for the app's first line exercise
        await pilot.pause()
        review = await _practise(app, pilot, "sample/view-shape")
        await _type(pilot, "(3, 4)")
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert review.query_one(Input).value == "(3, 4)"  # kept, and the review was not undone
        with Study(load_library([tmp_path / "quizzes"]), tmp_path / "td.db") as study:
            assert study.card_info("sample/stack-card")["reps"] == 1
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        review = app.screen
        assert review.kind == "choice" and review.answer_widget.pristine
        await pilot.press("ctrl+z")  # nothing typed: Anki's undo of the last review
        await pilot.pause()
        assert review.entry.gid == "sample/stack-card"


@sync
async def test_ctrl_z_in_the_code_editor_is_text_undo(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        review = await _practise(app, pilot, "sample/mse-by-hand")
        editor = review.query_one(TextArea)
        starter = editor.text
        editor.focus()
        await pilot.press("end", "x", "y")
        await pilot.pause()
        assert editor.text != starter
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert editor.text == starter and app.screen is review


@sync
async def test_enter_on_the_ratings_is_the_suggestion(tmp_path: Path) -> None:
    """After a failed check and a hint the suggestion is Hard: Tab reaches only it, marked."""
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter", "space", "enter")  # the card, reviewed
        await pilot.pause()
        review = app.screen
        assert review.kind == "choice"
        await pilot.press("1", "ctrl+s")  # wrong
        await _settle(app, pilot)
        await pilot.press("1", "2", "ctrl+s")  # right, after a failed check: Hard
        await _settle(app, pilot)
        await pilot.press("shift+tab")  # away from the ratings...
        await pilot.press("tab")  # ...and back: the only stop is the suggestion
        await pilot.pause()
        suggested = review.query_one(".suggested")
        assert suggested.id == "rate-hard" and app.focused is suggested and "⏎" in str(suggested.label)
        assert [b.can_focus for b in review.query("RatingBar Button")] == [False, True, False, False]
        await pilot.press("enter")
        await pilot.pause()
    with Study(load_library([tmp_path / "quizzes"]), tmp_path / "td.db") as study:
        assert study.history("sample/nll-input")[0].rating == "hard"


@sync
async def test_a_card_shows_its_explanation_and_keeps_its_lines(tmp_path: Path) -> None:
    app = _app(tmp_path)
    deck = _deck(tmp_path)
    text = deck.read_text()
    start = text.index("  - id: stack-card")
    end = text.index("  - id: nll-input")
    card = (
        "  - id: stack-card\n    kind: card\n    title: Two lines\n    prompt: What are they?\n"
        "    back: |\n      first line\n      second line\n    explanation: Why it matters.\n\n"
    )
    deck.write_text(text[:start] + card + text[end:])
    async with app.run_test(size=SIZE) as pilot:
        review = await _practise(app, pilot, "sample/stack-card")
        await pilot.press("space")
        await pilot.pause()
        back = review.query_one("#card-back", Markdown)
        paragraph = back.query("MarkdownParagraph").first()
        assert "\n" in str(paragraph.render())  # two lines, not one run-on paragraph
        explanation = review.query_one("#explanation", Markdown)
        assert explanation.display and "Why it matters" in explanation.source


@sync
async def test_a_blank_grows_with_its_text(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        review = await _practise(app, pilot, "sample/einsum-trace")
        blank = review.query_one(".fill-blank", Input)
        short = blank.size.width
        await _type(pilot, "lambda g: g.clamp(-c, c)")
        await pilot.pause()
        assert blank.size.width >= len("lambda g: g.clamp(-c, c)") + 1 > short  # the text and the cursor


@sync
async def test_the_session_says_how_many_cards_are_left(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        review = app.screen
        assert "7 left today" in str(review.query_one("#card-heading").render())
        await pilot.press("space", "enter")
        await pilot.pause()
        assert "6 left today" in str(review.query_one("#card-heading").render())


@sync
async def test_a_variant_exercise_shows_this_reviews_numbers_and_records_the_draw(tmp_path: Path) -> None:
    import shutil
    import sqlite3

    from grader.deck import variants

    quizzes = tmp_path / "quizzes"
    quizzes.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "variants.yaml", quizzes / "variants.yaml")
    app = TorchDrillApp(quizzes, tmp_path / "td.db", FakeGrader(), clock=clock)
    exercise = load_library([quizzes]).get("var/conv-shape").exercise
    async with app.run_test(size=SIZE) as pilot:
        for variant in (0, 1):
            review = await _practise(app, pilot, "var/conv-shape")
            drawn = variants.draw(exercise, "var/conv-shape", variant)
            prompt = review.query_one("#prompt", Markdown).source
            assert f"nn.Conv2d({drawn['C']}, {drawn['O']}, 3, groups={drawn['G']})" in prompt
            assert review.variant == variant
            await pilot.press("escape")
            await pilot.pause()
            app.study.record("var/conv-shape", review.attempt(), "good", clock())  # as rating does
    with sqlite3.connect(tmp_path / "td.db") as conn:
        assert [r[0] for r in conn.execute("SELECT variant FROM reviews ORDER BY id")] == [0, 1]
