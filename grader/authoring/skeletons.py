"""`torchdrill new`: append a commented, working skeleton of one kind to a deck file."""

from __future__ import annotations

import json
import re
from pathlib import Path

from grader.deck.loader import load_deck, load_library
from grader.deck.model import ID_PATTERN, default_title
from grader.errors import UsageError

HEADER = "# yaml-language-server: $schema=torchdrill.schema.json\ndeck: {deck}\ntitle: {title}\nexercises:\n"

COMMON = """\
  - id: {id}
    kind: {kind}
    title: {title}                 # one line, shown in lists
    prompt: |                      # Markdown; code fences are highlighted
{prompt}
    hints:                         # revealed one at a time
      - {hint}
    explanation: |                 # shown after grading: teach the why
      {explanation}
    tags: [{tags}]
    source: where the fact comes from (a doc page, a paper, a note)
"""

SKELETONS = {
    "card": dict(
        title="cat vs stack",
        prompt="What is the difference between `torch.cat` and `torch.stack`?",
        hint="One of them adds a dimension.",
        explanation="Shapes: cat keeps the rank, stack adds one.",
        tags="tensors",
        body="""\
    back: |                        # the answer side; the learner rates recall
      `cat` joins along an existing dimension; `stack` adds a new one.
""",
    ),
    "choice": dict(
        title="What NLLLoss expects",
        prompt="Which inputs does `nn.NLLLoss` expect?",
        hint="It does not apply a softmax itself.",
        explanation="NLLLoss picks -input[target]; give it log-probabilities (LogSoftmax).",
        tags="losses",
        body="""\
    options:                       # Markdown strings
      - probabilities
      - log-probabilities
      - raw logits
    answer: [1]                    # 0-based indices of every correct option
""",
    ),
    "numeric": dict(
        title="Mean of a range",
        prompt="What is `torch.arange(5.0).mean()`?",
        hint="Add 0 + 1 + 2 + 3 + 4.",
        explanation="The mean of 0..4 is 10 / 5.",
        tags="tensors",
        body="""\
    setup: |                       # optional, runs in the trusted grader
      x = torch.arange(5.0)
    solution: x.mean()             # an expression: a number or a one-element tensor
    tolerance: 0.001               # absolute; add rtol: for a relative one
""",
    ),
    "predict": dict(
        title="Shape after view",
        prompt="What is `x.view(3, -1).shape`?",
        hint="-1 means: whatever makes the element count match.",
        explanation="12 elements in 3 rows leave 4 columns.",
        tags="tensors",
        body="""\
    setup: |
      x = torch.zeros(2, 6)
    solution: x.view(3, -1).shape  # the learner types a literal such as (3, 4)
""",
    ),
    "expr": dict(
        title="Last forward state of a GRU",
        prompt="`rnn` is a one-layer bidirectional GRU (hidden size `H`). Write an expression over "
        "`output` equal to `h_n[0]`.",
        hint="The forward direction finishes at the last time step.",
        explanation="output[:, t] concatenates forward and backward states; the forward one is the first H.",
        tags="rnn",
        body="""\
    setup: |                       # runs before the answer in both runs, with the same seed
      H = 4
      rnn = nn.GRU(3, H, bidirectional=True, batch_first=True)
      output, h_n = rnn(torch.randn(2, T, 3))
    params:                        # one value per trial, so hard-coding fails
      T: [3, 5, 6]
    solution: output[:, -1, :H]    # the reference expression; bound to `answer`
    forbid: [h_n]                  # names the answer may not use
    # check defaults to: observe("answer", answer)
""",
    ),
    "fill": dict(
        title="Trace with einsum",
        prompt="Fill in the subscripts so that the result is the trace of `A`.",
        hint="A repeated index on one operand walks the diagonal.",
        explanation="'ii->' sums A[i, i] over i.",
        tags="einsum",
        body="""\
    setup: |
      A = torch.randn(N, N)
    params:
      N: [3, 4, 5]
    template: torch.einsum("___", A)   # each ___ is a blank
    solution: ["ii->"]                 # one string per blank; any filling that behaves alike passes
""",
    ),
    "code": dict(
        title="Mean squared error by hand",
        prompt="Write `mse(a, b)` without `F.mse_loss`.",
        hint="Square the differences, then average.",
        explanation="MSE is the mean of (a - b) ** 2 over every element.",
        tags="losses",
        body="""\
    starter: |                     # what the editor shows first; it must not pass
      def mse(a, b):
          ...
    solution: |
      def mse(a, b):
          return ((a - b) ** 2).mean()
    params:
      N: [2, 5, 9]
    trials: 3
    check: |                       # exercises the learner's names; observe() what must match
      a, b = torch.randn(N), torch.randn(N)
      observe("loss", mse(a, b))
    forbid:
      - torch.nn.functional.mse_loss
      - torch.nn.MSELoss
""",
    ),
}


def skeleton(kind: str, exercise_id: str) -> str:
    parts = SKELETONS[kind]
    prompt = "\n".join(f"      {line}" for line in parts["prompt"].splitlines())
    # JSON strings are YAML strings: quoting keeps a `: ` or a leading `-` in the text from parsing as YAML
    common = COMMON.format(
        id=exercise_id,
        kind=kind,
        title=json.dumps(parts["title"]),
        prompt=prompt,
        hint=json.dumps(parts["hint"]),
        explanation=parts["explanation"],
        tags=parts["tags"],
    )
    return common + parts["body"]


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
    text = before if before is not None else HEADER.format(deck=deck, title=default_title(deck))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n\n" + skeleton(kind, exercise_id))
    _ensure_schema(quizzes)
    _, problems = load_deck(path)
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
