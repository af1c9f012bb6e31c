"""Desired retention, daily limits, theme, grading device. Validation is the store's (Settings.validated)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
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
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("ctrl+s", "save", "Save", priority=True)]

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
        yield Footer()

    @on(Select.Changed, "#set-theme")
    def _theme(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.app.theme = event.value

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        current = self.app.study.settings()
        changes = {}
        for name, label in FIELDS:
            text = self.query_one(f"#set-{name}", Input).value
            try:
                value = _parse(text, getattr(current, name))
            except ValueError:
                self.notify(f"{label}: {text!r} is not a valid value.", severity="error")
                return
            if value != getattr(current, name):
                changes[name] = value
        for name in ("theme", "device"):
            value = self.query_one(f"#set-{name}", Select).value
            if isinstance(value, str) and value != getattr(current, name):
                changes[name] = value
        try:
            self.app.study.update_settings(**changes)
        except Exception as e:
            self.notify(str(e), title="Settings not saved", severity="error")
            return
        if "device" in changes:
            self.app.restart_grader()
        self.notify("Settings saved." if changes else "Nothing changed.")
