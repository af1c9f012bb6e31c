"""Desired retention, daily limits, theme, grading device. Validation is the store's (Settings.validated)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

if TYPE_CHECKING:
    from tui.app import TorchDrillApp

FIELDS = (
    ("desired_retention", "Desired retention (0.70–0.99)"),
    ("new_per_day", "New cards per day"),
    ("reviews_per_day", "Reviews per day"),
    ("learning_steps_minutes", "Learning steps (minutes, comma-separated)"),
    ("relearning_steps_minutes", "Relearning steps (minutes)"),
    ("maximum_interval_days", "Maximum interval (days)"),
    ("leech_threshold", "Leech after this many lapses"),
    ("day_starts_hour", "New day starts at (hour, local)"),
)


def _show(value: Any) -> str:
    return ", ".join(f"{v:g}" for v in value) if isinstance(value, tuple | list) else str(value)


def _parse(text: str, like: Any) -> Any:
    if isinstance(like, tuple | list):
        return tuple(float(part) for part in text.replace(",", " ").split())
    if isinstance(like, bool):
        return text.strip().lower() in ("1", "true", "yes", "on")
    return type(like)(text.strip())


class SettingsScreen(Screen[None]):
    app: TorchDrillApp  # for the type checker: the screens' shared services live on the app
    BINDINGS = [Binding("escape", "leave", "Back"), Binding("ctrl+s", "save", "Save", priority=True)]

    def compose(self) -> ComposeResult:
        yield Header()
        current = self.app.study.settings()
        with VerticalScroll(id="settings-body"):
            for name, label in FIELDS:
                with Horizontal(classes="setting"):
                    yield Label(label, classes="setting-label")
                    yield Input(_show(getattr(current, name)), id=f"set-{name}", classes="setting-input")
            with Horizontal(classes="setting"):
                yield Label("Theme", classes="setting-label")
                themes = sorted(self.app.available_themes)
                yield Select(
                    [(t, t) for t in themes], value=self.app.theme, allow_blank=False, id="set-theme"
                )
            with Horizontal(classes="setting"):
                yield Label("Grading device", classes="setting-label")
                yield Select(
                    [("auto (cuda when available)", "auto"), ("cpu", "cpu"), ("cuda", "cuda")],
                    value=current.device,
                    allow_blank=False,
                    id="set-device",
                )
            yield Static(self.app.grader_label(), id="grader-now", classes="muted")
            yield Button("Save (ctrl+s)", id="save", variant="primary")
            yield Static(_scheduling(current.fsrs_parameters), id="fit-status", classes="muted")
            yield Button("Fit to my reviews", id="fit")
            yield Static(id="fit-result", markup=False)  # the report names `torchdrill[optimize]`
        yield Footer()

    @on(Select.Changed, "#set-theme")
    def _theme(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.app.theme = event.value

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#fit")
    def _fit_pressed(self) -> None:
        self.query_one("#fit", Button).disabled = True
        self.query_one("#fit-result", Static).update("Fitting to your reviews (about a minute per 8,000)...")
        self._fit()

    @work(thread=True, exclusive=True, group="fit")
    def _fit(self) -> None:
        """`torchdrill optimize` in a child process: the app never imports torch, and stays responsive."""
        from textual.worker import get_current_worker

        from grader.errors import UsageError
        from grader.srs.optimize import describe, fit_in_child

        worker = get_current_worker()
        try:
            fit = fit_in_child(self.app.study.store.path, cancelled=lambda: worker.is_cancelled)
        except UsageError as e:
            self.app.call_from_thread(self._fitted, str(e))
            return
        if fit is not None:
            self.app.call_from_thread(self._fitted, "\n".join(describe(fit)))

    def _fitted(self, report: str) -> None:
        self.app.study.update_settings()  # no changes: reloads what the fit stored in the same file
        self.query_one("#fit-status", Static).update(_scheduling(self.app.study.settings().fsrs_parameters))
        self.query_one("#fit-result", Static).update(report)
        self.query_one("#fit", Button).disabled = False

    def edits(self) -> dict[str, Any]:
        """What differs from the saved settings; a field that does not parse is kept as its text."""
        current = self.app.study.settings()
        changes: dict[str, Any] = {}
        for name, _ in FIELDS:
            text = self.query_one(f"#set-{name}", Input).value
            try:
                value = _parse(text, getattr(current, name))
            except ValueError:
                value = text
            if value != getattr(current, name):
                changes[name] = value
        for name in ("theme", "device"):
            value = self.query_one(f"#set-{name}", Select).value
            if isinstance(value, str) and value != getattr(current, name):
                changes[name] = value
        return changes

    def action_save(self) -> bool:
        current = self.app.study.settings()
        changes = self.edits()
        for name, label in FIELDS:
            if isinstance(changes.get(name), str) and not isinstance(getattr(current, name), str):
                self.notify(f"{label}: {changes[name]!r} is not a valid value.", severity="error")
                return False
        try:
            self.app.study.update_settings(**changes)
        except Exception as e:
            self.notify(str(e), title="Settings not saved", severity="error")
            return False
        if "device" in changes:
            self.app.restart_grader()
        self.notify("Settings saved." if changes else "Nothing changed.")
        return True

    def action_leave(self) -> None:
        """Escape never throws edits away silently: with unsaved edits it asks first."""
        if not self.edits():
            self.dismiss()
            return

        def decided(choice: str | None) -> None:
            if choice == "save" and self.action_save():
                self.dismiss()
            elif choice == "discard":
                self.app.theme = self.app.study.settings().theme  # undo the live preview
                self.dismiss()

        self.app.push_screen(UnsavedScreen(), decided)


def _scheduling(fitted: tuple[float, ...]) -> str:
    if fitted:
        return "Scheduling with FSRS parameters fitted to your reviews (torchdrill optimize --reset: the defaults)."
    return "Scheduling with FSRS's default parameters."


class UnsavedScreen(ModalScreen[str | None]):
    """Save, discard, or keep editing: the three answers to leaving with unsaved settings."""

    BINDINGS = [
        Binding("s", "choose('save')", "Save"),
        Binding("d", "choose('discard')", "Discard"),
        Binding("escape", "choose(None)", "Keep editing"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="unsaved"):
            yield Static("You have unsaved settings.", classes="title")
            with Horizontal():
                yield Button("Save  s", id="save", variant="primary")
                yield Button("Discard  d", id="discard", variant="error")
                yield Button("Keep editing  esc", id="keep")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose(None if event.button.id == "keep" else event.button.id)

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
