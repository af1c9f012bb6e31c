"""Where decks and the learner's database are found, whatever the current directory.

Decks: `--quizzes DIR` (repeatable), else `TORCHDRILL_QUIZZES` (a path list, `:`-separated as
PATH is), else `./quizzes` when the current directory has one (a checkout, a course folder),
else the decks bundled with the package, beside the learner's own decks in `<data dir>/quizzes`
when that folder exists (`torchdrill new` writes there then). The bundled decks are installed as data files in
`<prefix>/share/torchdrill/quizzes`, outside the Python installation the sandbox must read, so
carving them out of what a child may read costs little.

The database: `--db PATH`, else `TORCHDRILL_DB`, else the user's data directory
(`~/.local/share/torchdrill/torchdrill.db` on Linux, via platformdirs): the same history from any
directory. Never relative to the current directory.
"""

from __future__ import annotations

import os
import site
import sys
from collections.abc import Sequence
from pathlib import Path

DB_ENV = "TORCHDRILL_DB"
QUIZZES_ENV = "TORCHDRILL_QUIZZES"
CHECKOUT_QUIZZES = Path("quizzes")
BUNDLED = Path("share") / "torchdrill" / "quizzes"


def deck_roots(given: Sequence[Path] = ()) -> list[Path]:
    """The deck folders to load, by the precedence above."""
    if given:
        return list(given)
    listed = os.environ.get(QUIZZES_ENV, "")
    if listed.strip():
        return [Path(p).expanduser() for p in listed.split(os.pathsep) if p.strip()]
    if CHECKOUT_QUIZZES.is_dir():
        return [CHECKOUT_QUIZZES]
    bundled = bundled_decks()
    return [r for r in (bundled, own_decks()) if r is not None and r.is_dir()]


def own_decks() -> Path:
    """Where a learner keeps decks of their own, shown beside the bundled ones."""
    return data_dir() / "quizzes"


def bundled_decks() -> Path | None:
    """The decks installed with the package (a wheel's data files), wherever pip put its prefix."""
    for prefix in (sys.prefix, site.getuserbase(), sys.base_prefix):
        folder = Path(prefix) / BUNDLED
        if folder.is_dir():
            return folder
    return None


def data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("torchdrill", appauthor=False)


def default_db() -> Path:
    """`TORCHDRILL_DB`, else torchdrill.db in the user's data directory."""
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser()
    return data_dir() / "torchdrill.db"


def as_roots(quizzes: Path | str | Sequence[Path | str]) -> list[Path]:
    """One deck folder or several, as a list (callers may pass either)."""
    if isinstance(quizzes, str | Path):
        return [Path(quizzes)]
    return [Path(q) for q in quizzes]


def describe_roots(roots: Sequence[Path]) -> str:
    """Where decks come from, for messages: the bundled folder is named as such."""
    bundled = bundled_decks()
    return ", ".join("the bundled decks" if bundled is not None and r == bundled else str(r) for r in roots)


def source_of(path: Path, roots: Sequence[Path]) -> str:
    """A short name for where the deck file `path` comes from: `bundled`, or its folder."""
    resolved = path.resolve()
    root = next((r for r in roots if resolved.is_relative_to(r.resolve())), path.parent)
    if root == bundled_decks():
        return "bundled"
    try:
        return "~/" + str(root.resolve().relative_to(Path.home()))
    except ValueError:
        return str(root)
