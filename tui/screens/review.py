"""Anki's review flow for every kind: answer, check, read the feedback, rate.

The screen only orchestrates: the grader service decides verdicts (in a thread worker, so
the UI never waits on it) and `Study` suggests ratings, computes intervals and records.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown, Static, TextArea

from tui.messages import DecksChanged, Graded
from tui.widgets.answers import AnswerWidget, answer_widget_for
from tui.widgets.answers.card import CardAnswer
from tui.widgets.ratings import RATINGS, RatingBar
from tui.widgets.verdict import VerdictView

if TYPE_CHECKING:
    from grader.deck.loader import Entry
    from grader.deck.model import Exercise
    from grader.engine.verdict import Verdict
    from grader.study import Attempt
    from tui.app import TorchDrillApp

GRADER_WAIT = 120.0


@dataclass(frozen=True)
class Kept:
    """A card's attempt in progress, carried across a reload of the decks."""

    answer: Any
    exercise: Exercise | None
    submits: int
    failed_submits: int
    hints_used: int
    gave_up: bool
    verdict: Verdict | None
    started: float
    phase: str
    revealed: bool


class ReviewScreen(Screen[None]):
    """Due cards of one deck (or all decks), or one exercise practised out of schedule."""

    BINDINGS = [
        Binding("escape", "leave", "Decks"),
        Binding("space", "reveal", "Show answer"),
        Binding("ctrl+s", "submit", "Check", priority=True),
        Binding("ctrl+r", "run", "Run", priority=True),
        Binding("ctrl+n", "hint", "Hint", priority=True),
        Binding("ctrl+g", "give_up", "Solution", priority=True),
        # Priority: the screen decides whether ctrl+z undoes the text being typed or the last review.
        Binding("ctrl+z", "undo", "Undo", priority=True, show=False),  # Anki's key; in the help (f1)
        Binding("ctrl+b", "bury", "Bury", priority=True),
        # In the help (f1); the footer must fit 80 columns.
        Binding("f4", "suspend", "Suspend", show=False),
        Binding("f2", "edit", "Edit", show=False),
        *(Binding(str(n), f"number({n})", show=False) for n in range(1, 10)),
    ]

    app: TorchDrillApp

    def __init__(self, deck: str | None = None, entry: Entry | None = None) -> None:
        super().__init__()
        self.deck = deck
        self.practice = entry is not None
        self.entry: Entry | None = entry
        self.phase = "answer"  # answer -> grading -> rate; "done" when nothing is due
        self.variant: int | None = None  # the draw of the exercise's `{param}` placeholders shown
        self.shown: Exercise | None = None  # the exercise as shown: placeholders filled
        self._reset_attempt()

    # --- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="review-body"):
            yield Static(id="card-heading")
            yield Markdown(id="prompt")
            yield VerticalScroll(id="answer-slot")
            yield VerticalScroll(id="hints")
            yield VerdictView(id="verdict")
            yield RatingBar(id="ratings")
        yield Footer(compact=True)  # every key in 80 columns

    def on_mount(self) -> None:
        self.query_one("#ratings").display = False
        self.show_entry(self.entry if self.practice else self._next_entry())

    # --- which card -------------------------------------------------------------------------
    def _next_entry(self) -> Entry | None:
        return self.app.study.next_card(self.app.now(), self.deck)

    def _reset_attempt(self) -> None:
        self.submits = 0
        self.failed_submits = 0
        self.hints_used = 0
        self.gave_up = False
        self.verdict: Verdict | None = None
        self.answer: Any = ""  # text, a list of blanks or a list of options, as the widget gives it
        self.started = time.monotonic()

    def show_entry(self, entry: Entry | None, kept: Kept | None = None) -> None:
        """Show `entry` afresh, or, with `kept`, as the learner left it before a reload."""
        self.entry = entry
        self._reset_attempt()
        self.query_one(VerdictView).clear()
        self.query_one("#ratings").display = False
        self.query_one("#hints").remove_children()
        slot = self.query_one("#answer-slot")
        slot.remove_children()
        if entry is None:
            self._show_done()
            return
        ex = entry.exercise
        # An exercise with `{param}` placeholders shows this review's draw: new numbers each time.
        self.variant = self.app.study.variant(entry.gid)
        self.shown = ex if self.variant is None else self.app.study.shown(entry.gid, self.variant)
        self.phase = "answer"
        heading = Text.assemble(
            (f" {ex.kind} ", "reverse bold"), "  ", (ex.title, "bold"), "   ", (entry.gid, "dim")
        )
        if self.practice:
            heading.append("   practice: not recorded", style="italic")
        else:
            left = len(self.app.study.queue(self.app.now(), self.deck))
            heading.append(f"   {left} left today", style="bold")
        self.query_one("#card-heading", Static).update(heading)
        self.query_one("#prompt", Markdown).update(self.shown.prompt)
        self.query_one("#prompt").display = True
        widget = answer_widget_for(ex, kept.answer if kept is not None else None)
        slot.mount(widget)  # the widget focuses its own input once mounted
        self.query_one("#review-body").scroll_home(animate=False)
        self.refresh_bindings()
        if kept is not None:
            self.call_after_refresh(self._resume, kept)

    def keep(self) -> Kept:
        """Where the learner is in this card: what survives a reload of the decks."""
        widget = self.answer_widget
        return Kept(
            answer=widget.value() if widget is not None else self.answer,
            exercise=self.entry.exercise if self.entry is not None else None,
            submits=self.submits,
            failed_submits=self.failed_submits,
            hints_used=self.hints_used,
            gave_up=self.gave_up,
            verdict=self.verdict,
            started=self.started,
            phase=self.phase,
            revealed=isinstance(widget, CardAnswer) and widget.revealed,
        )

    def _resume(self, kept: Kept) -> None:
        """After a reload: the same attempt, hints and answer; the verdict only if nothing changed."""
        changed = self.entry is None or kept.exercise != self.entry.exercise
        self.submits, self.failed_submits, self.started = kept.submits, kept.failed_submits, kept.started
        for _ in range(min(kept.hints_used, len(self.entry.exercise.hints))):
            self.action_hint()
        if changed:
            if not isinstance(self.answer_widget, CardAnswer):
                self.notify("This exercise changed on disk: your answer is kept; check it again.", timeout=6)
            return
        if kept.revealed:
            self.action_reveal()
        elif kept.gave_up:
            self.verdict = kept.verdict
            self.action_give_up()
        elif kept.verdict is not None and kept.phase == "rate":
            self.verdict = kept.verdict
            self.query_one(VerdictView).show_verdict(kept.verdict, trial=False)
            if kept.verdict.passed:
                self.query_one(VerdictView).show_explanation(self.entry.exercise.explanation)
            self._offer_ratings(focus=False)

    def _show_done(self) -> None:
        self.phase = "done"
        where = f"deck {self.deck}" if self.deck else "any deck"
        self.query_one("#card-heading", Static).update(
            Text(f"Nothing more is due in {where} today. Press escape for the deck list.", style="bold")
        )
        self.query_one("#prompt").display = False
        self.refresh_bindings()

    @property
    def answer_widget(self) -> AnswerWidget | None:
        widgets = self.query(AnswerWidget)
        return widgets.first() if widgets else None

    @property
    def kind(self) -> str | None:
        return self.entry.exercise.kind if self.entry is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys that mean nothing in the current phase, so the footer stays honest."""
        answering = self.phase == "answer"
        if action == "reveal":
            return answering and self.kind == "card"
        if action in ("submit", "give_up"):
            return self.phase in ("answer", "rate") and self.kind not in (None, "card") and not self.gave_up
        if action == "run":
            return self.kind == "code" and self.phase in ("answer", "rate") and not self.gave_up
        if action == "hint":
            return self.entry is not None and self.hints_used < len(self.entry.exercise.hints)
        if action in ("bury", "suspend", "edit"):
            return self.entry is not None and not (self.practice and action != "edit")
        if action == "undo":
            return not self.practice or self.kind == "code"  # practice: ctrl+z is still the editor's
        return True

    # --- answering --------------------------------------------------------------------------
    def action_reveal(self) -> None:
        widget = self.answer_widget
        if isinstance(widget, CardAnswer) and self.phase == "answer":
            widget.reveal()
            self.submits = 1
            self.query_one(VerdictView).show_explanation(self.entry.exercise.explanation)
            self._offer_ratings()

    @on(AnswerWidget.Submitted)
    def _answer_submitted(self, event: AnswerWidget.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        if self.kind == "card":
            self.action_reveal()
        elif self.phase in ("answer", "rate") and self.answer_widget is not None:
            self._start_grading(record=True)

    def action_run(self) -> None:
        if self.kind == "code" and self.phase in ("answer", "rate"):
            self._start_grading(record=False)

    def _start_grading(self, *, record: bool) -> None:
        self.answer = self.answer_widget.value()
        self.phase = "grading"
        self.refresh_bindings()
        state = self.app.grader_state
        waiting = "Grading…" if state == "ready" else "Waiting for the grader to warm up…"
        self.query_one(VerdictView).waiting(waiting)
        self._grade(self.entry.gid, self.answer, record, self.variant)

    @work(thread=True, exclusive=True, group="grade")
    def _grade(self, gid: str, answer: Any, record: bool, variant: int | None = None) -> None:
        grader = self.app.grader
        try:
            if grader is not None and grader.state in ("failed", "stopped"):
                grader.start()  # the service died or never came up: try it again for this answer
            if grader is None or (grader.state != "ready" and not grader.wait_ready(GRADER_WAIT)):
                error = (grader.error if grader is not None else None) or "the grader service is not running"
                self.post_message(Graded(gid, None, recorded=record, error=error))
                return
            verdict = grader.grade(gid, answer, variant)
        except Exception as e:  # the grader failed, not the learner: say so and let them retry
            self.post_message(Graded(gid, None, recorded=record, error=str(e) or type(e).__name__))
            return
        self.post_message(Graded(gid, verdict, recorded=record))

    def on_graded(self, message: Graded) -> None:
        if self.entry is None or message.gid != self.entry.gid:
            return
        view = self.query_one(VerdictView)
        if message.verdict is None or message.verdict.broken:
            # The grader's fault, not the learner's: nothing counts, nothing is recorded.
            self.phase = "rate" if self.submits else "answer"
            why = (
                message.verdict.feedback
                if message.verdict is not None
                else f"The grader failed: {message.error}"
            )
            view.failure(
                f"{why}\nYour answer is kept; press ctrl+s to try again, or ctrl+b to bury this card."
            )
            self.notify(why.splitlines()[0][:200], title="could not grade", severity="error")
            self.refresh_bindings()
            return
        verdict = message.verdict
        if message.recorded:
            self.submits += 1
            # An answer that did not parse is a typo, not a lapse.
            self.failed_submits += 0 if verdict.passed or verdict.status == "invalid" else 1
            self.verdict = verdict
        view.show_verdict(verdict, trial=not message.recorded)
        if not message.recorded:
            self.phase = "rate" if self.submits else "answer"
            self.refresh_bindings()
            return
        if verdict.passed:
            view.show_explanation(self.entry.exercise.explanation)
            self._offer_ratings()  # the suggestion takes the focus: Enter accepts it
            return
        # Not passed: the answer keeps the focus, so typing fixes it (digits too) and ctrl+s checks
        # again; tab reaches the ratings, whose suggestion is marked.
        self._offer_ratings(focus=False)
        if self.answer_widget is not None:
            self.answer_widget.focus_answer()
        self.notify("Fix your answer and check again (ctrl+s), or tab to the ratings (1-4).", timeout=4)

    def action_hint(self) -> None:
        hints = self.entry.exercise.hints if self.entry is not None else []
        if self.hints_used < len(hints):
            self.hints_used += 1
            label = f"**Hint {self.hints_used}/{len(hints)}.** {hints[self.hints_used - 1]}"
            self.query_one("#hints").mount(Markdown(label, classes="hint"))
            self.refresh_bindings()

    def action_give_up(self) -> None:
        if self.entry is None or self.kind == "card" or self.phase == "grading":
            return
        self.gave_up = True
        view = self.query_one(VerdictView)
        if not view.display or self.phase == "answer":
            view.clear()
        view.show_solution(solution_markdown(self.shown, self.verdict))
        view.show_explanation(self.entry.exercise.explanation)
        self._offer_ratings()  # the suggestion (again) takes the focus: checking again is over

    # --- rating -----------------------------------------------------------------------------
    def attempt(self) -> Attempt:
        from grader.study import Attempt

        return Attempt(
            verdict=self.verdict,
            submits=max(self.submits, 1),
            failed_submits=self.failed_submits,
            hints_used=self.hints_used,
            gave_up=self.gave_up,
            seconds=round(time.monotonic() - self.started, 1),
            answer=_answer_text(self.answer),
            variant=self.variant,
        )

    def _offer_ratings(self, *, focus: bool = True) -> None:
        self.phase = "rate"
        study, gid = self.app.study, self.entry.gid
        suggested = study.suggest(self.attempt())
        intervals = {} if self.practice else study.intervals(gid, self.app.now())
        self.query_one(RatingBar).offer(intervals, suggested, focus=focus)
        self.refresh_bindings()
        self.call_after_refresh(self.query_one(RatingBar).scroll_visible)

    def action_number(self, n: int) -> None:
        """1-4 rate once rating is offered, unless the learner went back to fix the answer."""
        widget = self.answer_widget
        fixing = (
            widget is not None and self.focused is not None and widget in self.focused.ancestors_with_self
        )
        if self.phase == "rate" and not fixing and n <= len(RATINGS):
            self.rate(RATINGS[n - 1])
        elif self.phase in ("answer", "rate") and widget is not None:
            widget.toggle(n - 1)

    @on(RatingBar.Chosen)
    def _rating_chosen(self, event: RatingBar.Chosen) -> None:
        event.stop()
        self.rate(event.rating)

    def rate(self, rating: str) -> None:
        if self.phase != "rate" or self.entry is None:
            return
        if self.practice:
            self.notify(f"Practice of {self.entry.gid}: {rating} (not recorded).")
            self.dismiss()
            return
        try:
            recorded = self.app.study.record(self.entry.gid, self.attempt(), rating, self.app.now())
        except Exception as e:
            self.notify(f"Could not record the review: {e}", severity="error")
            return
        if recorded.message:
            self.notify(recorded.message, severity="warning" if recorded.leech else "information")
        self.show_entry(self._next_entry())

    # --- undo, bury, suspend, edit ----------------------------------------------------------
    def action_undo(self) -> None:
        """ctrl+z: text undo while an answer is being edited, else undo the last review (Anki's key)."""
        widget, focused = self.answer_widget, self.focused
        editing = widget is not None and focused is not None and widget in focused.ancestors_with_self
        if editing and not widget.pristine:
            if isinstance(focused, TextArea):
                focused.action_undo()
            else:
                self.notify(
                    "ctrl+z undoes the last review only while nothing is typed: your answer is kept. "
                    "Clear it (ctrl+u), or press ctrl+z outside the answer.",
                    timeout=5,
                )
            return
        if self.practice:
            return
        undone = self.app.study.undo(self.app.now())
        if undone is None:
            self.notify("Nothing to undo.")
            return
        entry = self.app.library.get(undone.gid)
        self.notify(f"Undid the {undone.kind} of {undone.gid}.")
        self.show_entry(entry if entry is not None else self._next_entry())

    def action_bury(self) -> None:
        if self.entry is not None and not self.practice:
            self.app.study.bury(self.entry.gid, self.app.now())
            self.notify(f"Buried {self.entry.gid} until tomorrow.")
            self.show_entry(self._next_entry())

    def action_suspend(self) -> None:
        if self.entry is not None and not self.practice:
            self.app.study.suspend(self.entry.gid, self.app.now())
            self.notify(f"Suspended {self.entry.gid}; unsuspend it from Browse.")
            self.show_entry(self._next_entry())

    def action_edit(self) -> None:
        if self.entry is not None:
            self.app.edit_file(self.entry.path, self.entry.line)

    def on_decks_changed(self, _: DecksChanged) -> None:
        """A deck file was saved (or F2 Edit came back): nothing the learner typed is lost."""
        if self.entry is None or self.phase == "grading":
            return
        fresh = self.app.library.get(self.entry.gid)
        if fresh is None:
            self.notify(f"{self.entry.gid} is no longer in the decks; on to the next card.", timeout=6)
            self.show_entry(self._next_entry())
            return
        self.show_entry(fresh, kept=self.keep())

    def action_leave(self) -> None:
        self.dismiss()


def solution_markdown(exercise: Exercise, verdict: Verdict | None = None) -> str:
    """The reference answer, as the learner would have written it (with its value, once known)."""
    kind = exercise.kind
    value = verdict.details.get("answer") if verdict is not None else None
    if kind in ("numeric", "predict") and value is not None:
        return f"**Solution.** `{exercise.solution.strip()}` = **{value}**"
    if kind == "choice":
        right = "\n".join(f"- **{i + 1}. {exercise.options[i]}**" for i in exercise.answer)
        return f"**Solution.**\n\n{right}"
    if kind == "fill":
        from grader.deck.model import fill_template

        code = fill_template(exercise.template, exercise.solution)
    elif kind == "card":
        return exercise.back
    else:
        code = exercise.solution
    return f"**Solution.**\n\n```python\n{code.rstrip()}\n```"


def _answer_text(answer: Any) -> str:
    if isinstance(answer, list):
        return " | ".join(str(a) for a in answer)
    return str(answer)
