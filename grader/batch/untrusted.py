"""Text from learners (answers, ids, their programs' output) made safe to store, print and export.

Anything a class submits may be hostile: a lone surrogate (`print("\\udcff")`) cannot be encoded
as UTF-8, so SQLite and every UTF-8 file refuse it; escape sequences would drive the teacher's
terminal; a cell starting with `=` runs as a formula in a spreadsheet. Each is escaped, never
dropped, so what the learner sent can still be read back.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def storable(text: str) -> str:
    """Valid UTF-8 text: a lone surrogate becomes its escape (`\\udcff`), everything else is kept."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def printable(text: str) -> str:
    """For a terminal: storable, and control characters (ESC included) shown as escapes; newlines and tabs kept."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), storable(text))


def one_line(text: str) -> str:
    return printable(text).replace("\n", " ").replace("\t", " ")


def csv_cell(text: str) -> str:
    """A spreadsheet reads a cell starting with =, +, -, @ as a formula: a leading quote keeps it text."""
    text = storable(text)
    return "'" + text if text.startswith(_FORMULA_START) else text
