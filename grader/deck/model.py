"""The exercise model: one pydantic class per kind, validated once, when a deck is loaded.

The field names and defaults are the contract in shared/spec/exercise-format.md.
"""

from __future__ import annotations

import ast
import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from grader.deck.kinds import EXECUTABLE_KINDS
from grader.deck.positions import BLANK, before_strip, in_template

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
FormerName = Annotated[str, Field(pattern=ID_PATTERN)]


def _code_field(description: str) -> Any:
    return Field(default="", description=description)


class CodeSyntaxError(ValueError):
    """Code in a field that does not parse. `line` and `col` (1-based) count in the field as written,
    so that the loader can name the file's own line and column; `field` when it is not the one validated."""

    def __init__(self, what: str, reason: str, line: int, col: int, field: str | None = None) -> None:
        super().__init__(f"{what} is not valid Python: {reason} (line {line}, column {col})")
        self.what, self.reason, self.line, self.col, self.field = what, reason, line, col, field


def check_syntax(source: str, mode: str, what: str) -> str:
    """Raise CodeSyntaxError when `source` is not valid Python (an expression, `eval`, is stripped first)."""
    text = source.strip() if mode == "eval" else source
    try:
        ast.parse(text, mode=mode)
    except SyntaxError as e:
        line, col = e.lineno or 1, e.offset or 1
        if mode == "eval":
            line, col = before_strip(source, line, col)
        raise CodeSyntaxError(what, e.msg, line, col) from None
    return source


def check_params(params: dict[str, list[Any]]) -> dict[str, list[Any]]:
    for name, values in params.items():
        if not name.isidentifier():
            raise ValueError(f"param name {name!r} is not a Python identifier")
        if not values:
            raise ValueError(f"param {name!r} needs at least one value")
    return params


class Example(BaseModel):
    """A known answer the grader must get right: `passes` says how; a wrong one may say why it is wrong."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer: str | list[str] | list[int] | int | float = Field(
        description="as a batch line's answer: text, a list of blanks, or a list of 0-based options"
    )
    passes: bool = Field(description="whether the grader must accept it")
    variant: int = Field(default=0, ge=0, description="the draw of `{param}` placeholders it answers")
    feedback: str | None = Field(
        default=None,
        description="for a wrong answer: the misconception, shown to a learner whose answer behaves alike",
    )

    @model_validator(mode="after")
    def _feedback_only_when_wrong(self) -> Example:
        if self.passes and self.feedback:
            raise ValueError("feedback is for wrong answers (passes: false); a right one needs none")
        return self


class Exercise(BaseModel):
    """Fields every exercise has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN, description="unique within its deck; the global id is deck/id")
    aliases: list[FormerName] = Field(
        default_factory=list,
        description="former ids of this exercise in its deck: after a rename its schedule and history follow",
    )
    kind: str
    title: str = Field(min_length=1, description="one line")
    prompt: str = Field(min_length=1, description="Markdown; code fences are highlighted")
    tags: list[str] = Field(default_factory=list)
    hints: list[str] = Field(default_factory=list, description="Markdown, revealed one at a time")
    explanation: str | None = Field(default=None, description="Markdown shown after grading")
    source: str | None = Field(default=None, description="where the fact comes from")
    examples: list[Example] = Field(
        default_factory=list, description="known answers the grader must get right"
    )

    @field_validator("title")
    @classmethod
    def _one_line(cls, v: str) -> str:
        if "\n" in v.strip():
            raise ValueError("title must be one line")
        return v.strip()

    @field_validator("aliases")
    @classmethod
    def _former_ids(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _former_names(v, info.data.get("id"), "id")

    @property
    def executable(self) -> bool:
        return self.kind in EXECUTABLE_KINDS


class Card(Exercise):
    """A classic flashcard, rated by the learner."""

    kind: Literal["card"]
    back: str = Field(min_length=1, description="Markdown shown when the card is turned")

    @field_validator("examples")
    @classmethod
    def _nothing_to_grade(cls, v: list[Example]) -> list[Example]:
        if v:
            raise ValueError("a card is rated by the learner, not graded: it has no examples")
        return v


class Choice(Exercise):
    """Multiple choice: the learner must select exactly the set `answer`."""

    kind: Literal["choice"]
    options: list[str] = Field(min_length=2)
    answer: list[int] = Field(min_length=1, description="0-based indices of the correct options")

    @model_validator(mode="after")
    def _answer_in_range(self) -> Choice:
        bad = [i for i in self.answer if not 0 <= i < len(self.options)]
        if bad:
            raise ValueError(
                f"answer index {bad[0]} is out of range: there are {len(self.options)} options (0-based)"
            )
        if len(set(self.answer)) != len(self.answer):
            raise ValueError("answer lists an option twice")
        return self


class Evaluated(Exercise):
    """Kinds whose truth is an expression the trusted grader evaluates after `setup`."""

    setup: str = _code_field("code run before `solution` is evaluated")
    solution: str = Field(description="a Python expression whose value is the truth")
    tolerance: float = Field(default=1e-3, ge=0, description="absolute tolerance for numbers and tensors")
    rtol: float | None = Field(default=None, ge=0, description="relative tolerance")
    params: dict[str, list[Any]] = Field(
        default_factory=dict,
        description="name -> values; `{name}` in prompt, setup and solution is one value drawn per review",
    )

    @field_validator("params")
    @classmethod
    def _params_usable(cls, v: dict[str, list[Any]]) -> dict[str, list[Any]]:
        return check_params(v)

    @field_validator("solution", mode="before")
    @classmethod
    def _number_as_text(cls, v: Any) -> Any:
        # `solution: 0.25` is natural YAML; keep it as the expression "0.25".
        return repr(v) if isinstance(v, int | float) and not isinstance(v, bool) else v

    @field_validator("setup")
    @classmethod
    def _setup_parses(cls, v: str) -> str:
        return check_syntax(v, "exec", "setup")

    @field_validator("solution")
    @classmethod
    def _solution_parses(cls, v: str) -> str:
        return check_syntax(v, "eval", "solution").strip()


class Numeric(Evaluated):
    """Compute a number by hand: a number or a one-element tensor is the truth."""

    kind: Literal["numeric"]


class Predict(Evaluated):
    """Predict a value; the learner types a Python literal, parsed and never executed."""

    kind: Literal["predict"]


class Executable(Exercise):
    """Fields of the kinds graded by running code (expr, fill, code)."""

    setup: str = _code_field("code run first, in both the learner's and the reference run")
    check: str | None = Field(default=None, description="code that calls observe(name, value)")
    trials: int = Field(default=3, ge=1, le=50)
    params: dict[str, list[Any]] = Field(default_factory=dict, description="name -> values drawn per trial")
    forbid: list[str] = Field(default_factory=list, description="dotted API names or plain setup names")
    allow: list[str] | None = Field(
        default=None,
        description="when given, the only torch names and tensor attributes the answer may use "
        "(torch.arange, Tensor.shape), besides operators, indexing and setup's names",
    )
    tolerance: float = Field(default=1e-5, ge=0)
    rtol: float = Field(default=1.3e-6, ge=0)
    timeout: float = Field(default=5.0, gt=0, le=120, description="seconds per trial")

    @field_validator("setup")
    @classmethod
    def _setup_parses(cls, v: str) -> str:
        return check_syntax(v, "exec", "setup")

    @field_validator("check")
    @classmethod
    def _check_parses(cls, v: str | None) -> str | None:
        return None if v is None else check_syntax(v, "exec", "check")

    @field_validator("params")
    @classmethod
    def _params_usable(cls, v: dict[str, list[Any]]) -> dict[str, list[Any]]:
        return check_params(v)

    @field_validator("forbid", "allow")
    @classmethod
    def _dotted_names(cls, v: list[str] | None, info: ValidationInfo) -> list[str] | None:
        for name in v or []:
            if not all(part.isidentifier() for part in name.split(".")):
                raise ValueError(f"{info.field_name} entry {name!r} is not a dotted Python name")
        return v

    @property
    def check_code(self) -> str:
        return self.check if self.check is not None else 'observe("answer", answer)'


class Expr(Executable):
    """Write an expression over the names `setup` defines; bound to `answer`."""

    kind: Literal["expr"]
    solution: str = Field(description="the reference expression")

    @field_validator("solution")
    @classmethod
    def _solution_parses(cls, v: str) -> str:
        return check_syntax(v, "eval", "solution").strip()


class Fill(Executable):
    """Fill in each `___` of `template`; the filled template is the program."""

    kind: Literal["fill"]
    template: str = Field(description="code with one or more ___ blanks")
    solution: list[str] = Field(min_length=1, description="the reference text of each blank, in order")

    @field_validator("solution", mode="before")
    @classmethod
    def _blanks_as_text(cls, v: Any) -> Any:
        return [str(x) if isinstance(x, int | float) else x for x in v] if isinstance(v, list) else v

    @model_validator(mode="after")
    def _blanks_match(self) -> Fill:
        blanks = self.template.count(BLANK)
        if blanks == 0:
            raise ValueError(f"template has no {BLANK} blank")
        if blanks != len(self.solution):
            raise ValueError(f"template has {blanks} blank(s) but solution gives {len(self.solution)}")
        try:
            check_syntax(
                fill_template(self.template, self.solution), "exec", "the template filled with the solution"
            )
        except CodeSyntaxError as e:
            line, col = in_template(self.template, self.solution, e.line, e.col)
            raise CodeSyntaxError(e.what, e.reason, line, col, "template") from None
        return self

    @property
    def is_expression(self) -> bool:
        """An expression template binds `answer`, like `expr`."""
        try:
            ast.parse(fill_template(self.template, self.solution).strip(), mode="eval")
        except SyntaxError:
            return False
        return True


class Code(Executable):
    """Write code: the learner's module body defines names that `check` exercises."""

    kind: Literal["code"]
    starter: str = Field(default="", description="code shown in the editor at first")
    solution: str = Field(description="reference code")
    check: str = Field(description="code that exercises the learner's names and calls observe()")

    @field_validator("solution")
    @classmethod
    def _solution_parses(cls, v: str) -> str:
        return check_syntax(v, "exec", "solution")


AnyExercise = Annotated[
    Union[Card, Choice, Numeric, Predict, Expr, Fill, Code],  # noqa: UP007 - pydantic reads this
    Field(discriminator="kind"),
]


class Deck(BaseModel):
    """A deck file: a title, shared tags, and its exercises in study order."""

    model_config = ConfigDict(extra="forbid")

    deck: str | None = Field(default=None, pattern=ID_PATTERN, description="defaults to the file's stem")
    aliases: list[FormerName] = Field(
        default_factory=list,
        description="former names of this deck: after a rename its cards keep their schedule and history",
    )
    title: str | None = Field(default=None, description="shown in the deck list")
    tags: list[str] = Field(default_factory=list, description="inherited by every exercise")
    exercises: list[AnyExercise] = Field(default_factory=list)

    @field_validator("aliases")
    @classmethod
    def _former_decks(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _former_names(v, info.data.get("deck"), "deck name")


def _former_names(aliases: list[str], current: str | None, what: str) -> list[str]:
    """Aliases name what this was called before: not what it is called now, and each once."""
    if current in aliases:
        raise ValueError(f"{current!r} is the current {what}; an alias names a former one")
    repeated = next((a for i, a in enumerate(aliases) if a in aliases[:i]), None)
    if repeated:
        raise ValueError(f"{repeated!r} is listed twice")
    return aliases


def fill_template(template: str, blanks: list[str]) -> str:
    """Put each blank's text in place of the template's `___`, in order."""
    parts = template.split(BLANK)
    out = [parts[0]]
    for blank, rest in zip(blanks, parts[1:], strict=True):
        out += [blank, rest]
    return "".join(out)


def blank_count(template: str) -> int:
    return template.count(BLANK)


SNAKE = re.compile(r"[-_]+")


def default_title(deck_name: str) -> str:
    return SNAKE.sub(" ", deck_name).strip().capitalize()
