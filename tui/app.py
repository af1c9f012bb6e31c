"""Wiring only: build the app from a decks directory and a database file.

`TorchDrillApp` is what the CLI and the tests build alike. Nothing here imports torch: the
grader service (which does) is a subprocess that `GraderClient` starts in the background.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from grader.deck.loader import Library
from grader.paths import as_roots
from tui.messages import DecksChanged, GraderStateChanged

if TYPE_CHECKING:
    from grader.engine.protocol import GraderHandle
    from grader.study import Study

Clock = Callable[[], datetime]
GRADER_WARM_TIMEOUT = 180.0
DECK_POLL_SECONDS = 1.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class TorchDrillApp(App[None]):
    """Decks, review, stats, browse, settings; grading in a background service."""

    CSS_PATH = "torchdrill.tcss"
    TITLE = "torchdrill"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False),  # q on the deck list; f1 lists both
        Binding("f1", "show_help", "Help"),
    ]

    def __init__(
        self,
        quizzes: Path | list[Path],
        db: Path,
        grader: GraderHandle | None = None,
        *,
        clock: Clock = utc_now,
        study: Study | None = None,
        start_grader: bool = True,
    ) -> None:
        """Tests inject a grader, a study and a fixed clock; the CLI passes only the two paths."""
        super().__init__()
        self.quizzes = as_roots(quizzes)
        self.db = db
        self.clock = clock
        self.grader = grader
        self.study: Study = study  # type: ignore[assignment] - opened in on_mount when not given
        self.library: Library = Library()
        self.grader_state = "starting"
        self.grader_device: str | None = None
        self._start_grader = start_grader

    # --- start-up ---------------------------------------------------------------------------
    def on_mount(self) -> None:
        from tui.screens.decks import DecksScreen

        self.library = self._load_library()
        if self.study is None:
            from grader.study import Study

            self.study = Study(self.library, self.db, self.now())
        settings = self.study.settings()
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        self._show_grader_state()
        self.push_screen(DecksScreen())
        self._deck_signature = self._signature()
        # Hot reload: an author saving a deck sees it (or its errors) without restarting.
        self.set_interval(DECK_POLL_SECONDS, self._reload_if_decks_changed)
        if self._start_grader:
            # After the first frame: the service's torch import should not compete with it for a core.
            self.call_after_refresh(self._warm_grader)

    def _signature(self) -> tuple[tuple[str, int, int], ...]:
        from grader.deck.loader import deck_signature

        return deck_signature(self.quizzes)

    def _reload_if_decks_changed(self) -> None:
        signature = self._signature()
        if signature != self._deck_signature:
            self.reload_decks()
            problems = len(self.library.problems)
            note = f" ({problems} with problems: see the deck list)" if problems else ""
            self.notify(f"decks reloaded{note}", severity="warning" if problems else "information", timeout=4)

    def _load_library(self) -> Library:
        from grader.deck.cache import cached_library  # a pickled copy: start-up is not spent on YAML

        return cached_library(self.quizzes)

    @work(thread=True, exclusive=True, group="grader-start")
    def _warm_grader(self) -> None:
        """Start the grader service off the event loop and report when it is ready."""
        try:
            if self.grader is None:
                from grader.engine.client import GraderClient

                device = self.study.settings().device
                self.grader = GraderClient(self.quizzes, None if device == "auto" else device)
            # Later changes (the service dying, a restart after it) reach the header too.
            self.grader.on_state = self._grader_state_from_thread
            if self.grader.state != "ready":
                self.grader.start()
            self.post_message(GraderStateChanged("starting"))
            ready = self.grader.wait_ready(GRADER_WARM_TIMEOUT)
        except Exception as e:  # a failed start must not take the app down with it
            self.post_message(GraderStateChanged("failed", error=str(e) or type(e).__name__))
            return
        if ready:
            self.post_message(GraderStateChanged("ready", device=self.grader.device))
        else:
            error = self.grader.error or "did not start in time"
            self.post_message(GraderStateChanged("failed", error=error))

    def restart_grader(self) -> None:
        """After the grading device changed: a new service on the new device."""
        old, self.grader = self.grader, None
        if old is not None:
            old.on_state = None
            self.run_worker(old.close, thread=True, group="grader-stop")
        self.grader_state, self.grader_device = "starting", None
        self._show_grader_state()
        self._warm_grader()

    def _grader_state_from_thread(self, state: str) -> None:
        grader = self.grader
        if grader is not None:
            self.post_message(GraderStateChanged(state, grader.device, grader.error))

    def on_grader_state_changed(self, message: GraderStateChanged) -> None:
        if message.state == self.grader_state and message.device == self.grader_device:
            return
        self.grader_state = message.state
        self.grader_device = message.device
        self._show_grader_state()
        if message.state == "failed":
            self.notify(
                f"The grader did not start: {message.error}. Cards and reading still work; "
                "graded answers will retry it.",
                title="grader",
                severity="error",
                timeout=8,
            )

    def grader_label(self) -> str:
        if self.grader_state == "ready":
            return f"grader: ready ({self.grader_device or 'cpu'})"
        if self.grader_state == "failed":
            return "grader: failed"
        return "grader: warming up"

    def _show_grader_state(self) -> None:
        self.sub_title = self.grader_label()

    # --- services the screens share ---------------------------------------------------------
    def now(self) -> datetime:
        return self.clock()

    def reload_decks(self) -> None:
        """Re-read the decks from disk (after an edit) and tell the grader service."""
        self.library = self._load_library()
        self._deck_signature = self._signature()
        # Study syncs new and changed exercises into the store when it opens: reopen it.
        self.study.close()
        self.study = type(self.study)(self.library, self.db, self.now())
        if self.grader is not None and self.grader_state == "ready":
            self._reload_grader()
        for screen in self.screen_stack:
            screen.post_message(DecksChanged())

    @work(thread=True, group="grader-reload")
    def _reload_grader(self) -> None:
        try:
            self.grader.reload()
        except Exception as e:
            self.call_from_thread(self.notify, f"grader reload failed: {e}", severity="error")

    def edit_file(self, path: Path, line: int = 1) -> bool:
        """Open `path` in $EDITOR (the app steps aside meanwhile); True when the editor ran."""
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        command = [*shlex.split(editor), f"+{line}", str(path)]
        try:
            with self.suspend():
                subprocess.call(command)
        except Exception as e:  # no terminal to hand over (tests, web) or no such editor
            self.notify(f"Could not open {editor}: {e}", severity="error")
            return False
        self.reload_decks()
        return True

    # --- navigation and help ----------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Decks", "Go back to the deck list", self.action_decks)
        yield SystemCommand("Browse exercises", "Search by text, tag:, deck:, kind:", self.action_browse)
        yield SystemCommand(
            "Statistics", "Reviews per day, retention, forecast, weakest tags", self.action_stats
        )
        yield SystemCommand("Settings", "Desired retention, daily limits, theme", self.action_settings)
        yield SystemCommand("Study all decks", "Review every due card", self.action_study_all)
        yield SystemCommand("Reload decks", "Re-read the YAML files from disk", self.reload_decks)

    def action_decks(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_browse(self) -> None:
        from tui.screens.browse import BrowseScreen

        self.push_screen(BrowseScreen())

    def action_stats(self) -> None:
        from tui.screens.stats import StatsScreen

        self.push_screen(StatsScreen())

    def action_settings(self) -> None:
        from tui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen())

    def action_study_all(self) -> None:
        from tui.screens.review import ReviewScreen

        self.push_screen(ReviewScreen(deck=None))

    def action_show_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def on_unmount(self) -> None:
        for closeable in (self.grader, self.study):
            if closeable is not None:
                try:
                    closeable.close()
                except Exception:  # noqa: BLE001 - leaving must not fail on a half-started service
                    pass


def run_app(quizzes: list[Path], db: Path) -> None:
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    TorchDrillApp(quizzes, Path(db)).run()
