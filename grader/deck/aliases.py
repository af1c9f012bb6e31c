"""Checks on `aliases:`, the former ids of an exercise and former names of a deck.

A former id follows one exercise, and is nobody's id now: an alias that names a loaded exercise or
deck would take that one's history, so the store never follows it (grader/srs/renames.py) and the
loader reports it here, where the author can fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from grader.errors import Problem


def alias_problems(decks: Sequence[Any]) -> list[Problem]:
    """Every alias that names a live exercise or deck, or that two of them claim."""
    problems = [p for deck in decks for p in _exercise_aliases(deck)]
    names = {deck.name: deck for deck in decks}
    claimed: dict[str, Any] = {}
    for deck in decks:
        line, col = deck.marks.get("aliases", (1, 1))
        for alias in deck.aliases:
            if alias in names:
                problems.append(
                    Problem(str(deck.path), line, col, f"deck alias {alias!r} is the name of a loaded deck "
                            f"({names[alias].path}): an alias names a former deck, which no deck is called now")
                )  # fmt: skip
            elif alias in claimed:
                problems.append(
                    Problem(str(deck.path), line, col, f"deck alias {alias!r} is also an alias of deck "
                            f"{claimed[alias].name!r} ({claimed[alias].path}): a former name follows one deck")
                )  # fmt: skip
            else:
                claimed[alias] = deck
    return problems


def _exercise_aliases(deck: Any) -> list[Problem]:
    ids = {entry.exercise.id: entry for entry in deck.entries}
    claimed: dict[str, Any] = {}
    problems = []
    for entry in deck.entries:
        line, col = entry.mark("aliases")
        for alias in entry.exercise.aliases:
            if alias in ids:
                problems.append(
                    Problem(str(deck.path), line, col, f"alias {alias!r} of {entry.exercise.id!r} is the id of "
                            f"the exercise at line {ids[alias].line}: an alias names a former id, which no "
                            "exercise of the deck has now")
                )  # fmt: skip
            elif alias in claimed:
                problems.append(
                    Problem(str(deck.path), line, col, f"alias {alias!r} of {entry.exercise.id!r} is also an "
                            f"alias of {claimed[alias].exercise.id!r} (line {claimed[alias].line}): a former id "
                            "follows one exercise")
                )  # fmt: skip
            else:
                claimed[alias] = entry
    return problems
