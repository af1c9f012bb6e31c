"""`torchdrill new`: append a skeleton of one kind to a deck file, for its author to finish.

The title comes from the id; what only the author can write (the question, the answer side, the
options) is marked TODO; the graded parts are a small working example, stated as such in the prompt,
so that `torchdrill validate` passes on the skeleton as written. Nothing in it claims a fact the
author did not write: optional fields (hints, explanation, tags, source) are comments to fill in,
and validate's warnings list them until they are.
"""

from __future__ import annotations

import json
import keyword
import re
from pathlib import Path

from grader.deck.loader import load_deck, load_library
from grader.deck.model import ID_PATTERN, default_title
from grader.errors import UsageError

HEADER = "# yaml-language-server: $schema=torchdrill.schema.json\ndeck: {deck}\ntitle: {title}\nexercises:\n"

COMMON = """\
  - id: {id}
    kind: {kind}
    title: {title}  # one line, shown in lists
    prompt: |  # Markdown, code fences highlighted; the TODO is what the learner sees until you write it
      TODO: the question.{example}
"""

OPTIONAL = """\
    # hints:  # revealed one at a time
    #   - a nudge that does not give the answer away
    # explanation: |  # shown after grading: teach the why
    #   why the answer is what it is
    # tags: [{deck}]  # topics, for stats by tag
    # source: where the fact comes from (a doc page, a paper); leave it out rather than guess
"""

# A paragraph of its own in the prompt: the graded parts below answer it until the author replaces them.
AS_WRITTEN = "\n\n      The example as written asks: "

EXAMPLES = {
    "card": "",
    "choice": "",
    "numeric": AS_WRITTEN + "what is `torch.arange(5.0).mean()`?",
    "predict": AS_WRITTEN + "what is `torch.zeros(2, 6).view(3, -1).shape`?",
    "expr": AS_WRITTEN + "an expression over `x` (a tensor of `N` numbers) equal to `x` reversed.",
    "fill": AS_WRITTEN + "fill in the subscripts so that the result is the trace of `A`.",
    "code": AS_WRITTEN + "write `{fn}(x)`, which returns the sum of the squares of `x`.",
}

BODIES = {
    "card": """\
    back: |  # the answer side, shown when the card is turned; the learner rates how well they recalled it
      TODO: the answer.
""",
    "choice": """\
    options:  # Markdown strings; the learner must pick every correct one
      - "TODO: a correct option"
      - "TODO: a wrong option that a learner might believe"
    answer: [0]  # 0-based indices of every correct option
""",
    "numeric": """\
    setup: |  # optional; runs in the trusted grader before solution
      x = torch.arange(5.0)
    solution: x.mean()  # an expression whose value (a number, or a one-element tensor) is the answer
    tolerance: 0.001  # absolute; add rtol: for a relative one
""",
    "predict": """\
    setup: |
      x = torch.zeros(2, 6)
    solution: x.view(3, -1).shape  # the learner types a literal such as (3, 4)
""",
    "expr": """\
    setup: |  # runs before the answer, in the reference's run and the learner's, with the same seed
      x = torch.randn(N)
    params:  # one value per trial, so that hard-coding a result fails
      N: [3, 5, 6]
    solution: x.flip(0)  # the reference expression; the learner's is bound to `answer`
    # check defaults to: observe("answer", answer)
    # forbid: [torch.flip]  # dotted names the answer may not use
""",
    "fill": """\
    setup: |
      A = torch.randn(N, N)
    params:
      N: [3, 4, 5]
    template: torch.einsum("___", A)  # each ___ is a blank
    solution: ["ii->"]  # one string per blank; any filling that behaves alike passes
""",
    "code": """\
    starter: |  # what the editor shows first; it must not pass
      def {fn}(x):
          ...
    solution: |
      def {fn}(x):
          return (x ** 2).sum()
    params:  # one value per trial, so that hard-coding a result fails
      N: [2, 5, 9]
    check: |  # runs after the answer: call the learner's names and observe() what must match
      x = torch.randn(N)
      observe("result", {fn}(x))
    # forbid: [torch.sum]  # dotted names the answer may not use
""",
}
# Names the example's own code uses: a function named after the id must not hide one of them.
TAKEN = {"x", "torch", "nn", "F", "math", "device", "observe", "answer"}


def skeleton(kind: str, exercise_id: str, deck: str) -> str:
    """The YAML of one exercise, indented as an item of `exercises:`."""
    fn = function_name(exercise_id)
    common = COMMON.format(
        id=exercise_id,
        kind=kind,
        # JSON strings are YAML strings: quoting keeps a `: ` or a leading `-` from parsing as YAML
        title=json.dumps(default_title(exercise_id)),
        example=EXAMPLES[kind].format(fn=fn),
    )
    return common + BODIES[kind].format(fn=fn) + OPTIONAL.format(deck=deck)


def function_name(exercise_id: str) -> str:
    """A Python name for the id: bce-by-hand -> bce_by_hand."""
    name = exercise_id.replace("-", "_")
    if name[0].isdigit():
        name = f"f_{name}"
    if keyword.iskeyword(name) or name in TAKEN:
        name = f"{name}_"
    return name


def new_exercise(kind: str, target: str, quizzes: Path) -> Path:
    """Append a skeleton to the deck's file (created if needed); returns the file written."""
    deck, _, exercise_id = target.partition("/")
    for part, what in ((deck, "deck"), (exercise_id, "id")):
        if not re.match(ID_PATTERN, part):
            raise UsageError(
                f"{what} {part!r} must be lowercase letters, digits and dashes: use DECK/ID, "
                "such as losses/bce-by-hand"
            )
    library = load_library([quizzes]) if quizzes.exists() else load_library([])
    if library.get(target) is not None:
        raise UsageError(f"{target} already exists in {library.get(target).path}; pick another id")
    loaded = library.deck(deck)
    path = loaded.path if loaded else quizzes / f"{deck}.yaml"
    if loaded is None and path.exists():
        raise UsageError(f"{path} exists but does not load: fix it first (torchdrill validate {path})")
    before = path.read_text() if path.exists() else None
    # A deck may load with a broken exercise in it: only problems the skeleton brings count here.
    known = {str(p) for p in load_deck(path)[1]} if before is not None else set()
    text = before if before is not None else HEADER.format(deck=deck, title=default_title(deck))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n\n" + skeleton(kind, exercise_id, deck))
    _ensure_schema(quizzes)
    problems = [p for p in load_deck(path)[1] if str(p) not in known]
    if problems:
        if before is None:
            path.unlink()
        else:
            path.write_text(before)
        raise UsageError(f"could not append to {path} (is `exercises:` its last key?): {problems[0]}")
    return path


def _ensure_schema(quizzes: Path) -> None:
    """The deck header points editors at torchdrill.schema.json beside the decks: make sure it is there."""
    from grader.deck.schema import deck_schema

    target = quizzes / "torchdrill.schema.json"
    if not target.exists():
        target.write_text(json.dumps(deck_schema(), indent=2) + "\n")
