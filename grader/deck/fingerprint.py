"""Content hashes of an exercise: one over everything, one over what is graded.

A change to wording, hints or explanation changes only the first: the schedule stays.
A change to what is graded changes the second: the card goes back into learning.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GRADED_FIELDS = ("kind", "solution", "setup", "check", "template", "answer", "options")


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def content_hash(exercise: Any) -> str:
    """Changes with any edit to the exercise."""
    return _digest(exercise.model_dump(mode="json"))


def graded_hash(exercise: Any) -> str:
    """Changes only when what is graded changes (solution, setup, check, template, answer, options, kind)."""
    return _digest({name: getattr(exercise, name, None) for name in GRADED_FIELDS})
