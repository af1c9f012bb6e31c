"""Python colours for one-line inputs (expr, predict, fill blanks), through Pygments.

TextArea highlighting needs the optional tree-sitter extra; Input takes a Rich highlighter,
and Pygments already ships with Rich.
"""

from __future__ import annotations

from pygments.lexers.python import PythonLexer
from pygments.token import Comment, Keyword, Name, Number, Operator, String, Token
from rich.highlighter import Highlighter
from rich.text import Text

STYLES = {
    Keyword: "bold magenta",
    Name.Builtin: "cyan",
    Name.Function: "bold cyan",
    Number: "bright_blue",
    String: "green",
    Comment: "dim italic",
    Operator: "yellow",
}


def _style(token: object) -> str | None:
    while token is not Token:
        if token in STYLES:
            return STYLES[token]
        token = token.parent  # type: ignore[attr-defined]
    return None


class PythonHighlighter(Highlighter):
    lexer = PythonLexer(stripnl=False, ensurenl=False)

    def highlight(self, text: Text) -> None:
        offset = 0
        for token, value in self.lexer.get_tokens(text.plain):
            style = _style(token)
            if style:
                text.stylize(style, offset, offset + len(value))
            offset += len(value)
