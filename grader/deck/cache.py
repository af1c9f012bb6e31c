"""The app's start-up copy of the decks: a library loaded once is kept, pickled, in the user's cache
directory, and reused while no deck file has changed.

Parsing and validating 335 exercises takes about 0.1 s; reading them back takes 8 ms. The copy is
keyed by the deck folders and by this torchdrill's own code (the model's and loader's files), and
holds the deck files' signature (path, mtime, size): any edit, new file or removed file rebuilds
it. Anything wrong with the copy (missing, stale, unreadable, written by other code) is a rebuild,
never an error. The grader service and `validate` always read the YAML itself.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Sequence
from pathlib import Path

from grader.deck import loader, model
from grader.deck.loader import Library, deck_signature, load_library


def cached_library(paths: Sequence[Path]) -> Library:
    """The library of `paths`, from the cache when its deck files have not changed since."""
    signature = deck_signature(paths)
    file = _cache_file(paths)
    try:
        kept_signature, library = pickle.loads(file.read_bytes())
        if kept_signature == signature and isinstance(library, Library):
            return library
    except Exception:  # noqa: BLE001 - a missing, partial or foreign copy is rebuilt, whatever it is
        pass
    library = load_library(paths)
    _write(file, pickle.dumps((signature, library), protocol=pickle.HIGHEST_PROTOCOL))
    return library


def _cache_file(paths: Sequence[Path]) -> Path:
    from platformdirs import user_cache_path

    code = [(Path(m.__file__).stat().st_mtime_ns, Path(m.__file__).stat().st_size) for m in (model, loader)]
    key = repr(([str(Path(p).resolve()) for p in paths], code))
    return (
        user_cache_path("torchdrill", appauthor=False)
        / f"library-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pickle"
    )


def _write(file: Path, data: bytes) -> None:
    """Atomically, and only if it can: a read-only or full disk costs the next start 0.1 s, nothing more."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        partial = file.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(data)
        partial.replace(file)
    except OSError:
        pass
