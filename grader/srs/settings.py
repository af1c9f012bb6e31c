"""Scheduling settings with sensible defaults, stored in the database (`settings` table)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import fsrs

from grader.srs.store import Store


@dataclass(frozen=True)
class Settings:
    desired_retention: float = 0.9
    learning_steps_minutes: tuple[float, ...] = (1.0, 10.0)
    relearning_steps_minutes: tuple[float, ...] = (10.0,)
    maximum_interval_days: int = 36500
    fuzz: bool = True
    new_per_day: int = 20
    reviews_per_day: int = 200
    leech_threshold: int = 8
    day_starts_hour: int = 4  # local time, as in Anki: a late session still counts as "today"
    learn_ahead_minutes: float = 20.0
    theme: str = "textual-dark"  # the app's look; any Textual theme name
    device: str = "auto"  # where the app grades: auto (cuda when there is one), cpu or cuda
    fsrs_parameters: tuple[float, ...] = ()  # fitted by `torchdrill optimize`; empty: FSRS's defaults

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def validated(self) -> Settings:
        problems = []
        if not 0.7 <= self.desired_retention <= 0.99:
            problems.append("desired_retention must be between 0.7 and 0.99")
        if self.maximum_interval_days < 1:
            problems.append("maximum_interval_days must be at least 1")
        if self.new_per_day < 0 or self.reviews_per_day < 0:
            problems.append("daily limits cannot be negative")
        if self.leech_threshold < 1:
            problems.append("leech_threshold must be at least 1")
        if not 0 <= self.day_starts_hour <= 23:
            problems.append("day_starts_hour must be 0-23")
        if any(s <= 0 for s in self.learning_steps_minutes + self.relearning_steps_minutes):
            problems.append("steps must be positive minutes")
        if self.device not in ("auto", "cpu", "cuda"):
            problems.append("device must be auto, cpu or cuda")
        if self.fsrs_parameters:
            try:
                fsrs.Scheduler(parameters=self.fsrs_parameters)
            except ValueError as e:
                problems.append(f"fsrs_parameters: {e}; `torchdrill optimize --reset` restores the defaults")
        if problems:
            raise ValueError("; ".join(problems))
        return self


NAMES = {f.name for f in fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    listed = name.endswith("steps_minutes") or name == "fsrs_parameters"
    return tuple(float(v) for v in value) if listed else value


def load(store: Store) -> Settings:
    stored = {r["key"]: json.loads(r["value"]) for r in store.all("SELECT key, value FROM settings")}
    known = {k: _coerce(k, v) for k, v in stored.items() if k in NAMES}
    return replace(Settings(), **known)


def update(store: Store, **changes: Any) -> Settings:
    unknown = set(changes) - NAMES
    if unknown:
        raise ValueError(
            f"unknown setting(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(NAMES))}"
        )
    new = replace(load(store), **{k: _coerce(k, v) for k, v in changes.items()}).validated()
    with store.write() as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
            [(k, json.dumps(getattr(new, k))) for k in changes],
        )
    return new
