"""Variants: an exercise whose prompt names `params` as `{name}` placeholders shows new numbers at
each review, so the learner computes the answer instead of remembering it.

A variant is an integer (the review number, for a card; any integer for a batch line). The draw of
each placeholder is seeded by the exercise's global id and the variant, so a review is replayed
exactly. `instantiate` returns the exercise with the draw written in: the prompt shows the values,
a predict/numeric's `setup` and `solution` compute with them, and an executable kind's trials all
use them for those names (its other params still change from trial to trial). Everything
downstream (grading, caches, known mistakes) sees an ordinary exercise.
"""

from __future__ import annotations

import random
import re
from typing import Any

# The fields a draw is written into, per kind: code fields get the value's repr, the prompt its text.
CODE_FIELDS = {"numeric": ("setup", "solution"), "predict": ("setup", "solution")}


def names(exercise: Any) -> list[str]:
    """The params the prompt (or, for predict/numeric, the setup or solution) names as `{name}`."""
    params = getattr(exercise, "params", None) or {}
    texts = [exercise.prompt, *(getattr(exercise, f) for f in CODE_FIELDS.get(exercise.kind, ()))]
    return [n for n in sorted(params) if any(f"{{{n}}}" in text for text in texts)]


def has_variants(exercise: Any) -> bool:
    return bool(names(exercise))


def draw(exercise: Any, gid: str, variant: int) -> dict[str, Any]:
    """One value per placeholder, the same for the same exercise and variant on every machine."""
    rng = random.Random(f"{gid}:{variant}")
    params = exercise.params
    return {name: params[name][rng.randrange(len(params[name]))] for name in names(exercise)}


def render(text: str, values: dict[str, Any], *, code: bool = False) -> str:
    """`text` with each `{name}` of `values` replaced (by its repr in code); other braces untouched."""
    if not values:
        return text
    pattern = re.compile(r"\{(" + "|".join(map(re.escape, values)) + r")\}")
    return pattern.sub(lambda m: repr(values[m[1]]) if code else str(values[m[1]]), text)


def instantiate(exercise: Any, gid: str, variant: int) -> Any:
    """The exercise as variant `variant` shows and grades it; itself when it has no placeholders."""
    values = draw(exercise, gid, variant)
    if not values:
        return exercise
    update: dict[str, Any] = {"prompt": render(exercise.prompt, values)}
    for field in CODE_FIELDS.get(exercise.kind, ()):
        update[field] = render(getattr(exercise, field), values, code=True)
    if exercise.kind in CODE_FIELDS:  # a typed value answers one draw only: keep that draw's examples
        update["examples"] = [e for e in exercise.examples if e.variant == variant]
    if exercise.executable:  # every trial uses the drawn value for a name the prompt shows
        update["params"] = {**exercise.params, **{name: [value] for name, value in values.items()}}
    return exercise.model_copy(update=update)


def covering(exercise: Any, gid: str, limit: int = 64) -> list[int]:
    """Variants that between them draw every value of every placeholder (and every variant an
    example names): what `validate` checks, so that no draw a learner may get is left untried."""
    wanted = {(name, i) for name in names(exercise) for i in range(len(exercise.params[name]))}
    chosen: list[int] = []
    for variant in range(limit):
        if not wanted:
            break
        values = draw(exercise, gid, variant)
        seen = {(n, next(i for i, v in enumerate(exercise.params[n]) if v == values[n])) for n in values}
        if seen & wanted:
            chosen.append(variant)
            wanted -= seen
    return sorted(set(chosen) | {e.variant for e in exercise.examples})


def review_variant(exercise: Any, reps: int) -> int | None:
    """The variant a card's next review shows: its review number; None without placeholders."""
    return reps if has_variants(exercise) else None
