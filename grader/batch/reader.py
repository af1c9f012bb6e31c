"""Batch input -> typed submissions, validated once, here at the edge.

Two layouts: the spec's JSON Lines (one `{"learner", "exercise", "answer"}` per line; blank lines
are skipped), and a directory `ROOT/<learner>/<deck>/<id>.py|.txt|.json` as a course's submission
system can produce. A submission that cannot be graded carries its reason in `problem`; it is
still a submission, so that the report keeps one result per input line, in order.
"""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.batch.untrusted import storable
from grader.deck.loader import Library
from grader.errors import UsageError

STRING_KINDS = ("numeric", "predict", "expr", "code")
ANSWER_SUFFIXES = (".py", ".txt", ".json")


@dataclass(frozen=True)
class Submission:
    """One answer to grade. `problem` is set when it cannot be graded (it is then `invalid`)."""

    index: int  # position in the input, 0-based, counting only non-blank lines
    learner: str | None
    exercise: str | None
    answer: Any
    problem: str | None = None
    where: str = ""  # file:line, for messages
    counted: bool = True  # False when it names no gradable exercise: no column, no points
    variant: int | None = None  # the draw of `{param}` placeholders the answer is to

    @property
    def answer_hash(self) -> str:
        """The same answer to another draw of an exercise's placeholders is another answer."""
        answered = self.answer if self.variant is None else {"answer": self.answer, "variant": self.variant}
        canonical = json.dumps(answered, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def key(self) -> tuple[str, str, str] | None:
        """The gradebook key; None for a submission that is not graded."""
        if self.problem or self.learner is None or self.exercise is None:
            return None
        return (self.learner, self.exercise, self.answer_hash)


def read_submissions(path: Path, library: Library) -> list[Submission]:
    """Read a JSONL file or a directory layout, then check each answer's shape against its exercise."""
    if path.is_dir():
        raw = list(read_directory(path))
    elif path.is_file():
        raw = list(read_jsonl(path))
    else:
        raise UsageError(f"cannot read {path}: no such file or directory")
    return [check_shape(sub, library) for sub in raw]


def read_jsonl(path: Path) -> Iterator[Submission]:
    """One submission per non-blank line. A line that is not UTF-8, not JSON, too deep or too large
    to read is `invalid` on its own: the other lines are still graded."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from e
    index = 0
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        where = f"{path}:{number}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            shown = storable(raw[:80].decode("utf-8", "backslashreplace"))
            yield Submission(
                index, None, None, None, f"{where}: not UTF-8 text (byte {e.start + 1}): {shown}", where
            )
        else:
            yield parse_line(line, index, where)
        index += 1


def parse_line(line: str, index: int, where: str) -> Submission:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as e:
        return Submission(index, None, None, None, f"{where}:{e.colno}: not valid JSON ({e.msg})", where)
    except RecursionError:
        return Submission(index, None, None, None, f"{where}: nested too deeply to read", where)
    except ValueError as e:  # a number of thousands of digits
        return Submission(index, None, None, None, f"{where}: cannot be read ({e})"[:300], where)
    if not isinstance(data, dict):
        return Submission(
            index, None, None, None, f"{where}: expected a JSON object, got {type(data).__name__}", where
        )
    raw = {k: data.get(k) for k in ("learner", "exercise")}
    learner, exercise = (storable(v) if isinstance(v, str) and v else None for v in raw.values())
    problems = [
        f"missing {k}" if k not in data else f"{k} must be a non-empty string, got {_json_type(v)}"
        for k, v in raw.items()
        if not (isinstance(v, str) and v)
    ]
    if "answer" not in data:
        problems.append("missing answer")
    variant = data.get("variant")
    if variant is not None and not (type(variant) is int and 0 <= variant < 2**53):
        problems.append(f"variant must be a whole number from 0, got {_json_type(variant)}")
        variant = None
    problem = f"{where}: {'; '.join(problems)}" if problems else None
    answer = _storable_answer(data.get("answer"))
    return Submission(index, learner, exercise, answer, problem, where, variant=variant)


def _storable_answer(answer: Any) -> Any:
    """Text answers with lone surrogates escaped: inside a Python string literal the escape means the
    same character, and the answer can be stored and hashed."""
    if isinstance(answer, str):
        return storable(answer)
    if isinstance(answer, list):
        return [storable(a) if isinstance(a, str) else a for a in answer]
    return answer


def read_directory(root: Path) -> Iterator[Submission]:
    """ROOT/<learner>/<deck>/<id>.<ext>, in sorted order: .py and .txt are the answer text, .json a JSON value.

    Nothing is followed out of a learner's own folder: a link (a learner folder, a deck folder or an
    answer file) is reported, never read, so a submission cannot echo a teacher's file or another
    learner's work into feedback.
    """
    index = 0
    for learner_dir in _entries(root):
        for deck_dir in [learner_dir] if learner_dir.is_symlink() else _entries(learner_dir):
            if deck_dir.is_symlink():
                yield _link(deck_dir, index, learner_dir.name)
                index += 1
                continue
            for file in _entries(deck_dir):
                if file.suffix in ANSWER_SUFFIXES:
                    yield _from_file(
                        file, index, learner_dir.name, f"{deck_dir.name}/{file.stem}", learner_dir
                    )
                    index += 1


def _link(path: Path, index: int, learner: str) -> Submission:
    """A linked learner or deck folder: reported under no exercise (no column, no points), never read."""
    problem = f"{path}: {path.name} is a link, and links are not followed; not read"
    return Submission(index, storable(learner), None, None, problem, str(path), counted=False)


def _entries(folder: Path) -> list[Path]:
    """A real folder's entries, sorted; nothing for a file or a link."""
    if folder.is_symlink() or not folder.is_dir():
        return []
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def _from_file(file: Path, index: int, learner: str, gid: str, learner_dir: Path) -> Submission:
    where = str(file)
    refused = _not_a_submission(file, learner_dir)
    if refused:
        return Submission(
            index, storable(learner), gid, None, f"{where}: {refused}; not read", where, counted=False
        )
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        return Submission(index, learner, gid, None, f"{where}: not UTF-8 text (byte {e.start + 1})", where)
    except OSError as e:
        return Submission(index, learner, gid, None, f"{where}: unreadable ({e.strerror or e})", where)
    if file.suffix == ".json":
        try:
            return Submission(index, learner, gid, _storable_answer(json.loads(text)), None, where)
        except json.JSONDecodeError as e:
            return Submission(
                index, learner, gid, None, f"{where}:{e.lineno}:{e.colno}: not valid JSON ({e.msg})", where
            )
        except (RecursionError, ValueError) as e:
            return Submission(
                index, learner, gid, None, f"{where}: cannot be read ({type(e).__name__})", where
            )
    # a short answer typed in an editor ends with a newline that is not part of it
    return Submission(index, learner, gid, text if file.suffix == ".py" else text.strip(), None, where)


def _not_a_submission(file: Path, learner_dir: Path) -> str | None:
    """Why `file` must not be read as this learner's answer, if it must not."""
    for part in (learner_dir, file.parent, file):
        if part.is_symlink():
            return f"{part.name} is a link, and links are not followed"
    try:
        st = file.lstat()
    except OSError as e:
        return f"cannot be examined ({e.strerror})"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if st.st_nlink > 1:
        return "a hard link to another file"
    if not file.resolve().is_relative_to(learner_dir.resolve()):
        return "outside the learner's folder"
    return None


def check_shape(sub: Submission, library: Library) -> Submission:
    if sub.problem:
        return sub
    entry = library.get(sub.exercise)
    if entry is None:
        return _with_problem(
            sub, f"{sub.where}: no exercise {sub.exercise!r} in the loaded decks", counted=False
        )
    problem = shape_problem(entry.exercise.kind, sub.answer)
    if problem is None:
        return sub
    return _with_problem(sub, f"{sub.where}: {problem}", counted=entry.exercise.kind != "card")


def shape_problem(kind: str, answer: Any) -> str | None:
    if kind == "card":
        return "a card has no answer to grade"
    if kind in STRING_KINDS and not isinstance(answer, str):
        return f"a {kind} answer is a string, got {_json_type(answer)}"
    if kind == "fill" and not (isinstance(answer, list) and all(isinstance(a, str) for a in answer)):
        return f"a fill answer is a list of strings, one per blank, got {_json_type(answer)}"
    if kind == "choice" and not (isinstance(answer, list) and all(_is_int(a) for a in answer)):
        return f"a choice answer is a list of option numbers such as [1], got {_json_type(answer)}"
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _json_type(value: Any) -> str:
    names = {
        str: "a string",
        list: "a list",
        dict: "an object",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    if isinstance(value, list) and value:
        return f"a list of {sorted({names.get(type(v), type(v).__name__) for v in value})}"
    return names.get(type(value), type(value).__name__)


def _with_problem(sub: Submission, problem: str, *, counted: bool = True) -> Submission:
    return Submission(sub.index, sub.learner, sub.exercise, sub.answer, problem, sub.where, counted)
