"""The JSON Schema of a deck file, generated from the model, for editors' YAML language servers."""

from __future__ import annotations

from typing import Any

from grader.deck.model import Deck


def deck_schema() -> dict[str, Any]:
    schema = Deck.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "torchdrill deck"
    return schema
