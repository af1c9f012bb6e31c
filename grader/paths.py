"""Where things live by default: decks in ./quizzes, the learner's database under data/."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_QUIZZES = Path("quizzes")
DB_ENV = "TORCHDRILL_DB"


def default_db() -> Path:
    """`TORCHDRILL_DB`, else data/torchdrill.db beside the decks' project (git-ignored)."""
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    return Path("data") / "torchdrill.db"
