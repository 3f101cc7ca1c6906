"""HTML from an annotation body (`format: text/html`) turned into a plain Markdown note, and
a title, author or feed name from the web (`plain_line`) into one plain line.

Only the structure is kept: paragraphs and headings become blank-line separated blocks, line
breaks stay, list items become "- " (or "1. ") lines, a link keeps its address after its
text. The text itself stays literal: entities are decoded, nothing is executed, scripts and
styles are dropped, and no inline markup is invented (emphasis is not re-encoded), so what
the annotation's author wrote is what the note says.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from aiwatch_tui.core.text.sanitize import one_line

# Elements whose content is not text for a reader.
_SKIPPED = frozenset({"script", "style", "template", "head", "title", "noscript", "svg", "math"})
# Elements that start and end a block (a paragraph break).
_BLOCKS = frozenset(
    "address article aside blockquote dd details div dl dt figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tr ul".split()
)
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_SPACES = re.compile(r"[ \t\r\n\f]+")


class _NoteBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._line: list[str] = []
        self._skipping = 0
        self._pre = 0
        self._lists: list[list[int]] = []  # per open list: [next number] (ol) or [] (ul)
        self._links: list[str] = []

    # -- text ----------------------------------------------------------------------------

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        self._line.append(data if self._pre else _SPACES.sub(" ", data))

    def _end_block(self) -> None:
        text = "".join(self._line)
        self._line = []
        if not self._pre:
            text = "\n".join(part.strip() for part in text.split("\n"))
        if text.strip():
            self.blocks.append(text.strip("\n"))

    # -- elements ------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
            return
        if self._skipping:
            return
        if tag == "br":
            self._line.append("\n")
            return
        if tag in _BLOCKS:
            self._end_block()
        if tag == "pre":
            self._pre += 1
        elif tag in ("ul", "ol"):
            self._lists.append([1] if tag == "ol" else [])
        elif tag == "li":
            numbering = self._lists[-1] if self._lists else []
            if numbering:
                self._line.append(f"{numbering[0]}. ")
                numbering[0] += 1
            else:
                self._line.append("- ")
        elif tag == "a":
            self._links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
            return
        if self._skipping:
            return
        if tag == "a" and self._links:
            href = self._links.pop().strip()
            shown = "".join(self._line)
            if href.lower().startswith(_LINK_SCHEMES) and not shown.rstrip().endswith(href):
                self._line.append(f" <{href}>")
            return
        if tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        if tag == "pre":
            self._end_block()
            self._pre = max(0, self._pre - 1)
            return
        if tag in _BLOCKS:
            self._end_block()

    def close(self) -> None:
        super().close()
        self._end_block()


def html_to_markdown(html: str) -> str:
    """The text of an HTML fragment as a plain Markdown note (see the module docstring)."""
    builder = _NoteBuilder()
    builder.feed(html)
    builder.close()
    return "\n\n".join(builder.blocks)


# -- one-line fields from the web ----------------------------------------------------------


class _TextOnly(HTMLParser):
    """The text of an HTML fragment: tags dropped, entities decoded. (The text inside a
    <script> is kept: in a title it is words someone wrote, shown literally.)"""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    parser = _TextOnly()
    try:
        parser.feed(fragment)
        parser.close()
    except (AssertionError, ValueError):  # html.parser's own complaints on broken input
        return html.unescape(re.sub(r"<[^>]*>", " ", fragment))
    return "".join(parser.parts)


_SPACE = re.compile(r"\s+")


def plain_line(text: str, *, is_html: bool = False) -> str:
    """A title, author or feed name from the web: plain text on one line, sanitised.

    Markup is removed only where the feed says the text is HTML; a plain-text title such
    as "a <b> tag" is kept as written."""
    if is_html:
        text = html_to_text(text)
    return one_line(_SPACE.sub(" ", text).strip())
