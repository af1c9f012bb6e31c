"""Search every exercise; open one to practise it out of schedule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input

if TYPE_CHECKING:
    from grader.deck.loader import Entry
    from tui.app import TorchDrillApp

FILTERS = ("tag", "deck", "kind", "state")


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
    app: TorchDrillApp  # for the type checker: the screens' shared services live on the app
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+f", "focus_search", "Search", priority=True),
        Binding("f4", "toggle_suspend", "Suspend/unsuspend"),
        Binding("f2", "edit", "Edit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder="search text; filters tag: deck: kind: state:(new learning review suspended)",
            id="search",
        )
        table: DataTable[Any] = DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        for label in ("Exercise", "Kind", "State", "Title", "Tags"):
            table.add_column(label, key=label.lower())
        self.refill("")
        self.query_one("#search").focus()

    def _state(self, gid: str) -> str:
        try:
            info = self.app.study.card_info(gid)
        except Exception:
            return "?"
        return "suspended" if info.get("suspended") else str(info.get("state", "?"))

    def refill(self, query: str) -> None:
        words, filters = parse_query(query)
        table = self.query_one("#results", DataTable)
        table.clear()
        for entry in self.app.library.entries:
            state = self._state(entry.gid)
            if matches(entry, state, words, filters):
                ex = entry.exercise
                table.add_row(entry.gid, ex.kind, state, ex.title, ", ".join(ex.tags), key=entry.gid)
        self.sub_title = f"{table.row_count} exercise(s)"

    @on(Input.Changed, "#search")
    def _search(self, event: Input.Changed) -> None:
        self.refill(event.value)

    @on(Input.Submitted, "#search")
    def _to_results(self) -> None:
        self.query_one("#results").focus()

    def action_focus_search(self) -> None:
        self.query_one("#search").focus()

    def _selected(self) -> Entry | None:
        table = self.query_one("#results", DataTable)
        if not table.row_count:
            return None
        gid = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.app.library.get(gid)

    @on(DataTable.RowSelected, "#results")
    def _practise(self, event: DataTable.RowSelected) -> None:
        from tui.screens.review import ReviewScreen

        entry = self._selected()
        if entry is not None:
            self.app.push_screen(ReviewScreen(entry=entry))

    def action_toggle_suspend(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        if self._state(entry.gid) == "suspended":
            self.app.study.unsuspend(entry.gid)
            self.notify(f"Unsuspended {entry.gid}.")
        else:
            self.app.study.suspend(entry.gid)
            self.notify(f"Suspended {entry.gid}.")
        self.refill(self.query_one("#search", Input).value)

    def action_edit(self) -> None:
        entry = self._selected()
        if entry is not None:
            self.app.edit_file(entry.path, entry.line)
