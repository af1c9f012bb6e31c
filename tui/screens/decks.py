"""The deck list: what is due today, per deck, and which deck files failed to load."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Static

from grader.paths import source_of
from tui.messages import DecksChanged

if TYPE_CHECKING:
    from grader.errors import Problem
    from tui.app import TorchDrillApp

COLUMNS = (("deck", "Deck"), ("title", "Title"), ("new", "New"), ("learning", "Learn"), ("due", "Due"))


class DecksScreen(Screen[None]):
    """Pick a deck with the arrows and Enter; the counts are today's."""

    app: TorchDrillApp  # for the type checker: the screens' shared services live on the app

    BINDINGS = [
        Binding("enter", "study", "Study", show=True),
        Binding("a", "study_all", "Study all"),
        Binding("b", "app.browse", "Browse"),
        Binding("s", "app.stats", "Stats"),
        Binding("comma", "app.settings", "Settings"),
        Binding("e", "edit", "Edit deck", show=False),  # in the help (f1), out of an 80-column footer
        Binding("r", "reload", "Reload", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="decks-body"):
            table: DataTable[Any] = DataTable(id="decks", cursor_type="row", zebra_stripes=True)
            yield table
            yield Static(id="today")
            with Horizontal(id="deck-actions"):
                yield Button("Study deck  ⏎", id="study-deck", variant="primary")
                yield Button("Study all  a", id="study-all")
                yield Button("Browse  b", id="browse")
                yield Button("Stats  s", id="stats")
            yield Static(id="problems")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#decks", DataTable)
        for key, label in COLUMNS:
            justify = "right" if key in ("new", "learning", "due") else "left"
            table.add_column(Text(label, justify=justify), key=key)
        if len(self.app.quizzes) > 1:  # the learner's own decks beside the bundled ones, or several folders
            table.add_column("From", key="from")
        self.refresh_decks()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_decks()

    def on_decks_changed(self, _: DecksChanged) -> None:
        self.refresh_decks()

    def refresh_decks(self) -> None:
        library, study = self.app.library, self.app.study
        counts = study.counts(self.app.now())
        table = self.query_one("#decks", DataTable)
        cursor = table.cursor_row
        table.clear()
        sources = len(self.app.quizzes) > 1
        where = {d.name: source_of(d.path, self.app.quizzes) for d in library.decks} if sources else {}
        room = self._title_room([d.name for d in library.decks], list(where.values()))
        for deck in library.decks:
            c = counts.get(deck.name)
            row = (c.new, c.learning, c.due) if c is not None else (0, 0, 0)
            title = Text(deck.title or "", no_wrap=True, overflow="ellipsis")
            title.truncate(room, overflow="ellipsis")
            table.add_row(
                deck.name,
                title,
                *(_count(n, style) for n, style in zip(row, ("new", "learning", "due"), strict=True)),
                *([Text(where[deck.name], style="dim")] if sources else []),
                key=deck.name,
            )
        if library.decks:
            table.move_cursor(row=min(cursor, len(library.decks) - 1))
        today = study.today(self.app.now())  # the daily limits applied, unlike the per-deck counts
        self._show_today([today.new, today.learning, today.due], len(library.decks))
        self._show_problems(library.problems)

    def _title_room(self, names: list[str], sources: list[str]) -> int:
        """How wide titles may be so that the counts (and where decks come from) stay in view."""
        taken = 8 + max(map(len, names), default=4) + 2 + (4 + 2) + (5 + 2) + (3 + 2)
        if sources:
            taken += max(map(len, sources)) + 2
        return max(12, self.size.width - taken)

    def on_resize(self) -> None:
        self.refresh_decks()

    def _show_today(self, totals: list[int], decks: int) -> None:
        new, learning, due = totals
        text = Text.assemble(
            ("Today  ", "bold"),
            (f"{new} new", "bold"),
            "  ·  ",
            (f"{learning} learning", ""),
            "  ·  ",
            (f"{due} due", ""),
            f"   across {decks} deck{'s' * (decks != 1)}",
        )
        if not decks:
            text = Text(f"No decks in {self.app.quizzes}. Add YAML files there, then press r.")
        self.query_one("#today", Static).update(text)

    def _show_problems(self, problems: list[Problem]) -> None:
        widget = self.query_one("#problems", Static)
        widget.display = bool(problems)
        if problems:
            lines = Text("Decks that failed to load (fix them, then press r):", style="bold")
            for problem in problems:
                lines.append(f"\n  {problem}", style="")
            widget.update(lines)

    def _selected_deck(self) -> str | None:
        table = self.query_one("#decks", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_study()

    def action_study(self) -> None:
        from tui.screens.review import ReviewScreen

        deck = self._selected_deck()
        if deck is not None:
            self.app.push_screen(ReviewScreen(deck=deck))

    @on(Button.Pressed, "#deck-actions Button")
    def _button(self, event: Button.Pressed) -> None:
        actions = {
            "study-deck": self.action_study,
            "study-all": self.action_study_all,
            "browse": self.app.action_browse,
            "stats": self.app.action_stats,
        }
        actions[str(event.button.id)]()

    def action_study_all(self) -> None:
        self.app.action_study_all()

    def action_edit(self) -> None:
        deck = self._selected_deck()
        loaded = self.app.library.deck(deck) if deck else None
        if loaded is not None:
            self.app.edit_file(loaded.path)

    def action_reload(self) -> None:
        self.app.reload_decks()
        self.notify(f"Reloaded {len(self.app.library.decks)} deck(s).")


def _count(n: int, kind: str) -> Text:
    styles = {"new": "bold blue", "learning": "bold red", "due": "bold green"}
    return Text(str(n), style=styles[kind] if n else "dim", justify="right")
