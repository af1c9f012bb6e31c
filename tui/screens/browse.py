"""Search every exercise with its schedule (due, interval, lapses, last verdict); open one to practise it
out of schedule, see its history, suspend or reset it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Markdown, Static

from tui.messages import DecksChanged
from tui.widgets import cells

if TYPE_CHECKING:
    from grader.deck.loader import Entry
    from grader.srs.queue import Schedule
    from grader.srs.review_log import Past
    from tui.app import TorchDrillApp

FILTERS = ("tag", "deck", "kind", "state")
# The most useful first: at 80 columns the schedule is in view, the rest a scroll away (the exercise stays).
COLUMNS = (("exercise", "Exercise"), ("due", "Due"), ("interval", "Ivl"), ("lapses", "Lapses"),
           ("last", "Last"), ("state", "State"), ("kind", "Kind"), ("tags", "Tags"), ("title", "Title"))  # fmt: skip
RIGHT = ("due", "interval", "lapses")
# Below 100 columns a long exercise id gives up part of its deck's name, so that the schedule fits in 80.
NARROW, NARROW_ID = 100, 34


def parse_query(query: str) -> tuple[list[str], dict[str, str]]:
    """`tag:rnn kind:code hidden` -> (["hidden"], {"tag": "rnn", "kind": "code"})."""
    words, filters = [], {}
    for token in query.lower().split():
        name, sep, value = token.partition(":")
        if sep and name in FILTERS and value:
            filters[name] = value
        else:
            words.append(token)
    return words, filters


def matches(entry: Entry, state: str, words: list[str], filters: dict[str, str]) -> bool:
    ex = entry.exercise
    if "deck" in filters and filters["deck"] not in entry.deck.lower():
        return False
    if "kind" in filters and not ex.kind.startswith(filters["kind"]):
        return False
    if "tag" in filters and not any(filters["tag"] in t.lower() for t in ex.tags):
        return False
    if "state" in filters and filters["state"] != state:
        return False
    haystack = " ".join([entry.gid, ex.title, ex.prompt, *ex.tags]).lower()
    return all(w in haystack for w in words)


class BrowseScreen(Screen[None]):
    """The search box has the focus first; Enter (or down) goes to the list, where keys act on a row."""

    app: TorchDrillApp  # for the type checker: the screens' shared services live on the app
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        # Off the footer, which at 80 columns has room for the row's actions only; the box is in view.
        Binding("ctrl+f", "focus_search", "Search", priority=True, show=False),
        Binding("down", "focus_results", "Results", show=False),
        Binding("h", "history", "History"),
        Binding("f4", "toggle_suspend", "Suspend"),
        Binding("R", "reset", "Reset"),
        Binding("f2", "edit", "Edit"),
    ]
    # Below 30 lines the list needs every line: the prompt's preview goes (History shows it too).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    def __init__(self) -> None:
        super().__init__()
        self._narrow: bool | None = None  # known at the first resize
        self._previewed: str | None = ""  # the exercise whose prompt is shown ("" before the first)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder="search: text, tag:, deck:, kind:, state:new|learning|review|suspended",
            id="search",
        )
        table: DataTable[Any] = DataTable(
            id="results", cursor_type="row", zebra_stripes=True, fixed_columns=1
        )
        yield table
        with VerticalScroll(id="preview"):
            yield Static(id="preview-title")
            yield Markdown(id="preview-prompt")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        for key, label in COLUMNS:
            table.add_column(Text(label, justify="right" if key in RIGHT else "left"), key=key)
        self.refill("")
        self.query_one("#search").focus()

    def on_screen_resume(self) -> None:
        """Back from practising, a history or the editor: the schedule may have moved."""
        self.refill(self.query_one("#search", Input).value)

    def on_decks_changed(self, _: DecksChanged) -> None:
        self.refill(self.query_one("#search", Input).value)

    def refill(self, query: str) -> None:
        words, filters = parse_query(query)
        table = self.query_one("#results", DataTable)
        selected = self._selected()
        schedules, outcomes = self.app.study.schedules(), self.app.study.last_outcomes()
        table.clear()
        for entry in self.app.library.entries:
            schedule = schedules.get(entry.gid)
            if matches(entry, cells.state(schedule), words, filters):
                table.add_row(*self._row(entry, schedule, outcomes.get(entry.gid)), key=entry.gid)
        if selected is not None and selected.gid in table.rows:
            table.move_cursor(row=table.get_row_index(selected.gid))
        self.sub_title = f"{table.row_count} exercise(s)"
        self._preview()

    def _row(self, entry: Entry, schedule: Schedule | None, last: Past | None) -> tuple[Any, ...]:
        ex = entry.exercise
        timing = ("", "", "")  # not in the store: cannot happen after sync, but a list never crashes on it
        if schedule is not None:
            timing = (cells.due(schedule, self.app.now()), cells.interval(schedule), cells.lapses(schedule))
        return (self._label(entry.gid), *timing, cells.last(last), cells.state(schedule), ex.kind,
                ", ".join(ex.tags), ex.title)  # fmt: skip

    def _label(self, gid: str) -> str:
        return cells.exercise(gid, NARROW_ID) if self.size.width < NARROW else gid

    def on_resize(self) -> None:
        narrow = self.size.width < NARROW
        if narrow != self._narrow:
            self._narrow = narrow
            self.refill(self.query_one("#search", Input).value)

    @on(Input.Changed, "#search")
    def _search(self, event: Input.Changed) -> None:
        self.refill(event.value)

    @on(Input.Submitted, "#search")
    def _to_results(self) -> None:
        self.query_one("#results").focus()

    def action_focus_search(self) -> None:
        self.query_one("#search").focus()

    def action_focus_results(self) -> None:
        self.query_one("#results").focus()

    def _selected(self) -> Entry | None:
        table = self.query_one("#results", DataTable)
        if not table.row_count:
            return None
        gid = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.app.library.get(gid)

    @on(DataTable.RowHighlighted, "#results")
    def _highlighted(self) -> None:
        self._preview()

    def _preview(self) -> None:
        entry = self._selected()
        gid = entry.gid if entry is not None else None
        if gid == self._previewed:  # a refill that kept the selection: the Markdown is already there
            return
        self._previewed = gid
        title = self.query_one("#preview-title", Static)
        prompt = self.query_one("#preview-prompt", Markdown)
        if entry is None:
            title.update(Text("No exercise matches: change the search, or ctrl+f to edit it.", style="dim"))
            prompt.update("")
            return
        ex = entry.exercise
        title.update(Text.assemble((ex.title, "bold"), "  ", (f"{ex.kind} · {entry.gid}", "dim")))
        prompt.update(ex.prompt)

    @on(DataTable.RowSelected, "#results")
    def _practise(self, event: DataTable.RowSelected) -> None:
        from tui.screens.review import ReviewScreen

        entry = self._selected()
        if entry is not None:
            self.app.push_screen(ReviewScreen(entry=entry))

    def action_history(self) -> None:
        from tui.screens.history import HistoryScreen

        entry = self._selected()
        if entry is not None:
            self.app.push_screen(HistoryScreen(entry))

    def action_toggle_suspend(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        study, now = self.app.study, self.app.now()
        if study.card_info(entry.gid)["suspended"]:
            study.unsuspend(entry.gid, now)
            self.notify(f"Unsuspended {entry.gid}.")
        else:
            study.suspend(entry.gid, now)
            self.notify(f"Suspended {entry.gid}: it stays out of the queue until you unsuspend it (f4).")
        self.refill(self.query_one("#search", Input).value)

    def action_reset(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        entry = self._selected()
        if entry is None:
            return
        question = f"Reset {entry.gid}?"
        detail = (
            "Its schedule is forgotten (due date, interval, lapses, suspension) and it becomes a new card. "
            "Its history stays, and undo takes the reset back."
        )
        self.app.push_screen(ConfirmScreen(question, detail, "Reset"), lambda yes: self._reset(entry, yes))

    def _reset(self, entry: Entry, yes: bool | None) -> None:
        if not yes:
            return
        self.app.study.reset(entry.gid, self.app.now())
        self.notify(f"Reset {entry.gid}: it is a new card again.")
        self.refill(self.query_one("#search", Input).value)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """History and reset act on the list's row: offered while the list has the focus (in the search
        box, h and R are letters to type)."""
        if action in ("history", "reset"):
            return isinstance(self.focused, DataTable) or None
        return True

    def action_edit(self) -> None:
        entry = self._selected()
        if entry is not None:
            self.app.edit_file(entry.path, entry.line)
