"""Places in an exercise's code: from where Python saw a line and column to where the author wrote it.

Python numbers lines within the text it was given: a field stripped of its leading blank lines,
or a fill template with its blanks filled in. The author needs the same place in the field as
written, which the loader then turns into the file's own line and column.
"""

from __future__ import annotations

BLANK = "___"


def before_strip(source: str, line: int, col: int) -> tuple[int, int]:
    """(line, col), 1-based, in `source.strip()` -> the same character in `source`."""
    lead = source[: len(source) - len(source.lstrip())]
    if line == 1:
        col += len(lead) - (lead.rfind("\n") + 1)
    return line + lead.count("\n"), col


def in_template(template: str, blanks: list[str], line: int, col: int) -> tuple[int, int]:
    """(line, col) in the template filled with `blanks` -> the same place in `template`; a place
    inside a filled blank is that blank's `___`."""
    parts = template.split(BLANK)
    index = offset(_filled(parts, blanks), line, col)
    filled_at = template_at = 0
    for i, part in enumerate(parts):
        if index < filled_at + len(part):
            return line_col(template, template_at + index - filled_at)
        filled_at, template_at = filled_at + len(part), template_at + len(part)
        if i < len(blanks):
            if index < filled_at + len(blanks[i]):
                return line_col(template, template_at)
            filled_at, template_at = filled_at + len(blanks[i]), template_at + len(BLANK)
    return line_col(template, len(template))


def offset(text: str, line: int, col: int) -> int:
    """The 0-based index in `text` of 1-based (line, col)."""
    lines = text.split("\n")
    return sum(len(row) + 1 for row in lines[: max(line - 1, 0)]) + max(col - 1, 0)


def line_col(text: str, index: int) -> tuple[int, int]:
    """1-based (line, col) of the 0-based `index` in `text`."""
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def _filled(parts: list[str], blanks: list[str]) -> str:
    out = [parts[0]]
    for blank, rest in zip(blanks, parts[1:], strict=False):
        out += [blank, rest]
    return "".join(out)
