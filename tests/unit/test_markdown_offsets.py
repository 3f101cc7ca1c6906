"""Property tests: every block and span offset of a Markdown parse points at what it claims.

The Markdown is made of fragments dense in syntax (containers, fences, tables, entities,
escapes, raw HTML, links, emphasis, footnotes) mixed with non-ASCII and astral
characters, so that byte and character offsets differ and syntax hides text everywhere.
"""

from __future__ import annotations

import re
from html import unescape

import pyromark
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aiwatch_tui.core.model import (
    I_BREAK,
    I_CODE,
    I_FOOTNOTE_REF,
    I_REPLACE,
    I_TASK,
    I_URL,
    SUBSTITUTING,
    Blocks,
    Inlines,
)
from aiwatch_tui.core.text.markdown import parse_markdown
from aiwatch_tui.core.text.shown import shown, shown_text
from tests.markdown_scorer import Entry, entries_from_html, plain_text
from tests.unit.test_markdown_conformance import aiwatch_entries

SYNTAX = [
    "# ", "## ", "> ", "> > ", "- ", "* ", "1. ", "2) ", "   ", "    ", "\t", "\n", "\n\n",
    "```", "~~~", "```py\n", "---", "***", "===", "| a | b |\n", "|---|:-:|\n", "| 1 | 2 |",
    "[x]: /url", "[x]", '[l](/u "t")', "![i](/s)", "![](/e)", "<http://a.b/c>", "<a@b.co>",
    "www.ex.com", "https://ex.com/p?q=(1)", "a@b.co", "&copy;", "&#35;", "&#x1F600;",
    "&amp;", "&bogus;", "\\*", "\\\\", "\\\n", "  \n", "*", "**", "_", "__", "~~", "~", "`",
    "``", "[^1]", "[^1]: ", "- [ ] ", "- [x] ", "> [!NOTE]\n> ",
]  # fmt: skip
HTML = [
    "<div>", "</div>", "<span>", "</span>", "<!-- c -->", "<br>", "<img src=\"s\" alt=\"a\">",
    "<script>x</script>", "<p>", "</p>", "<h1>", "</h1>", "<pre>", "</pre>", "<li>",
    "<table><tr><td>", "</td><td>", "</td></tr></table>",
]  # fmt: skip
WORDS = ["word", "two words", "é", "中文", "😀", "ǅ", "Ω", "x" * 7, ".", "!", "(", ")"]

fragments = st.lists(st.sampled_from(SYNTAX + HTML + WORDS) | st.text(max_size=4), max_size=40)
# The oracle cannot know what aiwatch adds: an alert's label ("Note: ").
well_formed = st.lists(st.sampled_from([s for s in SYNTAX if "[!" not in s] + WORDS), max_size=40)


def _check_blocks(text: str, blocks: Blocks) -> None:
    previous_end = 0
    for index in range(len(blocks)):
        start, end = blocks.starts[index], blocks.ends[index]
        first, last = blocks.content_starts[index], blocks.content_ends[index]
        assert 0 <= start <= first <= last <= end <= len(text), (index, blocks[index])
        assert start >= previous_end, ("blocks overlap", blocks[index - 1], blocks[index])
        previous_end = end
        table = blocks.tables.get(index)
        for row in table.rows if table else ():
            for cell in row:
                assert first <= cell.start <= cell.end <= last


def _check_spans(text: str, blocks: Blocks, inlines: Inlines) -> None:
    starts = list(inlines.starts)
    assert starts == sorted(starts)
    for index in range(len(inlines)):
        kind, start, end = inlines.kinds[index], inlines.starts[index], inlines.ends[index]
        claimed = inlines.texts[index]
        assert 0 <= start <= end <= len(text)
        block = blocks.index_at(start)
        assert block >= 0 and end <= blocks.ends[block], ("span outside its block", index)
        source = text[start:end]
        if kind == I_REPLACE and source.startswith("&") and source.endswith(";"):
            assert unescape(source) == claimed
        elif kind == I_TASK:
            assert source.lower() in ("[ ]", "[x]")
        elif kind == I_FOOTNOTE_REF:
            assert source == f"[^{claimed}]"
        elif kind == I_URL:
            assert claimed.endswith(source) or claimed.removeprefix("mailto:") == source
        elif kind == I_BREAK:
            # any CommonMark line ending: \n, \r\n or a lone \r (found by Hypothesis)
            assert re.fullmatch(r"(\\| {2,})(\r\n|\r|\n)|<br\s*/?>", source, re.IGNORECASE), source
        elif kind == I_CODE:
            assert "`" not in source[:1] + source[-1:]


def _check_shown_map(text: str, blocks: Blocks, inlines: Inlines) -> None:
    """Each shown character maps back into the source it came from, and each source
    offset that is shown maps to a shown character of the same text."""
    for index in range(len(blocks)):
        first, last = blocks.content_starts[index], blocks.content_ends[index]
        view = shown(text, first, last, inlines)
        assert view.text == shown_text(text, first, last, inlines)
        for run in view.runs:
            assert first <= run.start <= run.end <= last
            if not run.substituted:
                piece = view.text[run.shown : run.shown + run.end - run.start]
                assert piece == text[run.start : run.end]
                middle = (run.start + run.end) // 2
                if middle < run.end:
                    assert view.source_offset(view.shown_index(middle)) == middle


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(fragments)
@example(["0", "   ", "\r0"])  # a hard break before a lone carriage return
@example(
    ["<script>x</script>", "# ", "<table><tr><td>", "</td></tr></table>"]
)  # text, then a table
def test_every_offset_points_at_what_it_claims(parts: list[str]) -> None:
    text = "".join(parts)
    parsed = parse_markdown(text)
    _check_blocks(text, parsed.blocks)
    _check_spans(text, parsed.blocks, parsed.inlines)
    _check_shown_map(text, parsed.blocks, parsed.inlines)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(well_formed)
def test_the_text_shown_from_offsets_is_the_parsers_own(parts: list[str]) -> None:
    """An oracle: the text aiwatch shows, computed from offsets alone, equals the text in
    pulldown-cmark's own HTML rendering (flattened by the conformance scorer). Footnotes
    are left out: the renderer moves them."""
    text = "".join(parts)
    if "[^" in text:
        text = text.replace("[^", "[")
    options = (
        pyromark.Options.ENABLE_TABLES
        | pyromark.Options.ENABLE_STRIKETHROUGH
        | pyromark.Options.ENABLE_TASKLISTS
        | pyromark.Options.ENABLE_GFM
    )
    html = pyromark.html(text, options=options)
    wanted = _ends_trimmed(plain_text(entries_from_html(html)).entries)
    got = _ends_trimmed(plain_text(aiwatch_entries(text)).entries)
    assert got == wanted


def _ends_trimmed(entries: list[Entry]) -> list[Entry]:
    """A hard break at either end of a paragraph breaks nothing: aiwatch drops it."""
    return [
        e._replace(text=e.text.strip("\n")) if e.kind != "code" and isinstance(e.text, str) else e
        for e in entries
    ]


def test_spans_that_change_what_is_shown_are_the_substituting_kinds() -> None:
    text = "A &copy; *b* `c` [d](/e) <br> ![f](/g)\n"
    inlines = parse_markdown(text).inlines
    substituted = {text[inlines.starts[i] : inlines.ends[i]] for i in range(len(inlines))
                   if inlines.kinds[i] in SUBSTITUTING}  # fmt: skip
    assert {"&copy;", "*", "`", "[", "](/e)", "<br>", "![", "](/g)"} <= substituted
