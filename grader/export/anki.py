"""The decks as an Anki package (.apkg), written with genanki: one Anki deck per torchdrill deck,
under a parent deck "torchdrill", one note per exercise that makes a flashcard (flashcard.py).

Importing a newer package again updates its notes instead of adding copies: Anki recognises a note
by its GUID, here derived from the exercise's global id (deck/id), and the note type and the decks
by ids derived from fixed names. So a note keeps its GUID, and the learner's Anki history, through
any edit of its exercise; only a renamed exercise or deck makes new notes.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import genanki

from grader.deck import variants
from grader.deck.loader import Entry, LoadedDeck
from grader.errors import UsageError
from grader.export.flashcard import COMPUTED_KINDS, EXPORTED_KINDS, Flashcard, flashcard, value_of
from grader.export.html import stylesheet

PARENT = "torchdrill"
FIELDS = ["Exercise", "Front", "Back", "Hints"]  # the first is what Anki checks for duplicates: the gid
FRONT = '{{Front}}{{#Hints}}<div class="hints">{{hint:Hints}}</div>{{/Hints}}'
BACK = '{{FrontSide}}\n<hr id="answer">\n{{Back}}\n<div class="exercise">{{Exercise}}</div>'
CSS = """\
.card { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, sans-serif; font-size: 18px;
  text-align: left; max-width: 44em; margin: 0 auto; color: #1a1a1a; background: #fff; }
.card.nightMode { color: #ddd; background: #1e1e1e; }
.title { font-weight: bold; color: #777; font-size: 0.85em; }
.label { color: #888; font-size: 0.7em; text-transform: uppercase; letter-spacing: 0.05em; margin-top: 1em; }
.ask { font-style: italic; margin-top: 1em; }
.params { font-size: 0.9em; margin-top: 0.5em; }
.option { margin: 0.3em 0; }
.number { font-weight: bold; }
.value { font-size: 1.2em; }
.within, .source, .exercise { color: #888; font-size: 0.75em; }
.exercise { margin-top: 2em; }
pre.highlight { padding: 0.6em 0.8em; border-radius: 4px; overflow-x: auto; font-size: 0.85em; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; }
"""

Progress = Callable[[list[Entry]], Iterable[Entry]]


@dataclass(frozen=True)
class Exported:
    """What an export wrote and what it left out."""

    path: Path
    notes: Counter[str]  # per kind
    decks: list[str]  # the Anki decks written
    code: int  # code exercises left out: they need the grader
    broken: list[str]  # "gid: why", left out: their reference fails


def export_anki(
    decks: Sequence[LoadedDeck], path: Path, variant: int = 0, progress: Progress = lambda e: e
) -> Exported:
    """Write the flashcard-like exercises of `decks` to the package `path`.

    An exercise with `{param}` placeholders is written as its draw `variant` (Anki cannot draw new
    numbers; exporting another variant and importing it again changes them). `progress` wraps the
    exercises whose value is computed (each runs its reference; all of the bundled decks' take
    seconds), so that a command can show how far it is."""
    entries = [_drawn(e, variant) for d in decks for e in d.entries if e.exercise.kind in EXPORTED_KINDS]
    values, broken = _values([e for e in entries if e.exercise.kind in COMPUTED_KINDS], progress)
    cards = [flashcard(e, values.get(e.gid)) for e in entries if e.gid not in broken]
    code = sum(e.exercise.kind == "code" for d in decks for e in d.entries)
    if not cards:
        raise UsageError(_nothing(decks, code, len(broken)))
    _write(genanki.Package(anki_decks(cards, {d.name: d.title for d in decks})), path)
    written = sorted({deck_name(c.deck) for c in cards})
    return Exported(path, Counter(c.kind for c in cards), written, code, list(broken.values()))


def anki_decks(cards: list[Flashcard], titles: dict[str, str]) -> list[genanki.Deck]:
    """The parent deck, then one Anki deck per torchdrill deck with its notes, in the decks' order."""
    children: dict[str, genanki.Deck] = {}
    for card in cards:
        if card.deck not in children:
            name = deck_name(card.deck)
            children[card.deck] = genanki.Deck(stable_id(f"deck {name}"), name, titles.get(card.deck, ""))
        children[card.deck].add_note(note(card))
    parent = genanki.Deck(stable_id(f"deck {PARENT}"), PARENT, "PyTorch drills exported from torchdrill")
    return [parent, *children.values()]


def note(card: Flashcard) -> genanki.Note:
    return genanki.Note(
        model=MODEL,
        fields=[card.gid, card.front, card.back, card.hints],
        tags=list(card.tags),
        guid=genanki.guid_for(card.gid),
    )


def deck_name(deck: str) -> str:
    return f"{PARENT}::{deck}"


def stable_id(name: str) -> int:
    """The same id for the same name in every export, in the range genanki recommends (2^30..2^31)."""
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    return (1 << 30) + digest % (1 << 30)


MODEL = genanki.Model(
    stable_id("model torchdrill"),
    "torchdrill",
    fields=[{"name": name} for name in FIELDS],
    templates=[{"name": "Exercise", "qfmt": FRONT, "afmt": BACK}],
    css=CSS + stylesheet(),
)


def _drawn(entry: Entry, variant: int) -> Entry:
    if not variants.has_variants(entry.exercise):
        return entry
    return replace(entry, exercise=variants.instantiate(entry.exercise, entry.gid, variant))


def _values(entries: list[Entry], progress: Progress) -> tuple[dict[str, str], dict[str, str]]:
    """Each numeric's and predict's value, by gid, and why each one whose reference fails does."""
    values: dict[str, str] = {}
    broken: dict[str, str] = {}
    if not entries:
        return values, broken
    from grader.engine.reference import ReferenceFailed  # imports torch: only when values are computed

    for entry in progress(entries):
        try:
            values[entry.gid] = value_of(entry.exercise)
        except ReferenceFailed as e:
            broken[entry.gid] = f"{entry.gid}: {e}"
    return values, broken


def _write(package: genanki.Package, path: Path) -> None:
    """Written beside the target, then moved over it: an interrupted export leaves the old file whole."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        package.write_to_file(str(partial))
        os.replace(partial, path)
    except OSError as e:
        partial.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {e.strerror or e}; check the folder is writable") from None


def _nothing(decks: Sequence[LoadedDeck], code: int, broken: int) -> str:
    names = ", ".join(d.name for d in decks) or "none"
    why = f" ({code} code exercise(s) need the grader)" if code else ""
    if broken:
        why += f" ({broken} exercise(s) whose reference fails: run torchdrill validate)"
    return f"nothing to export from deck(s) {names}{why}: choose decks with cards, choices or predictions"
