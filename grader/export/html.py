"""Exercise text as HTML for another tool: Markdown through markdown-it-py, code through Pygments.

Code is highlighted with CSS classes, not inline styles, so that one stylesheet (`stylesheet()`)
can give it a light and a night-mode palette.
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer, get_lexer_by_name
from pygments.util import ClassNotFound

CSS_CLASS = "highlight"
LIGHT, DARK = "default", "github-dark"


def code(source: str, language: str = "python") -> str:
    """A highlighted block of code: `<pre class="highlight"><code>...</code></pre>`."""
    # Wrapped here rather than by Pygments (a <div>): markdown-it keeps a fence's HTML as it is only
    # when it starts with <pre>.
    spans = highlight(source, _lexer(language), HtmlFormatter(nowrap=True)).rstrip("\n")
    return f'<pre class="{CSS_CLASS}"><code>{spans}</code></pre>'


def markdown(text: str) -> str:
    """A block of Markdown (a prompt, a card's back, an explanation) as HTML, its code fences highlighted."""
    return _markdown().render(text)


def inline(text: str) -> str:
    """One line of Markdown (a choice's option) as HTML, without a paragraph around it."""
    return _markdown().renderInline(text)


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def stylesheet() -> str:
    """Pygments' rules for highlighted code: a light palette, and a dark one under Anki's night mode."""
    light = HtmlFormatter(style=LIGHT).get_style_defs(f".{CSS_CLASS}")
    dark = HtmlFormatter(style=DARK).get_style_defs(f".nightMode .{CSS_CLASS}")
    return f"{light}\n{dark}\n"


@cache
def _markdown() -> MarkdownIt:
    # Raw HTML off: the decks are written for the terminal, where `<b>` is text, and so it stays here.
    return MarkdownIt("commonmark", {"html": False, "highlight": _fence}).enable("table")


def _fence(source: str, language: str, attrs: Any) -> str:
    # A fence without a language is Python: every code fence in the bundled decks is.
    return code(source, language or "python")


@cache
def _lexer(language: str) -> Any:
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return PythonLexer()
