"""Properties of decoding, sanitising and parsing over arbitrary input."""

from __future__ import annotations

import re
from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiwatch_tui.core.model import Block, BlockKind, Inline
from aiwatch_tui.core.text.decode import decode
from aiwatch_tui.core.text.document import document_from_text
from aiwatch_tui.core.text.parse import parse
from aiwatch_tui.core.text.sanitize import sanitize

# Characters that matter to the parsers, mixed with anything at all.
SYNTAX = list("|#-*_+>`~=:.!?\\[]() \t\n\r\x00\x1b\x85\u202e") + ["1.", "2)", "http://", "www."]
pieces = st.one_of(st.sampled_from(SYNTAX), st.characters())
arbitrary_text = st.lists(pieces, max_size=200).map("".join)

line_fragments = st.sampled_from(
    [
        "",
        "   ",
        "# Heading",
        "## Sub ##",
        "Title Case Line",
        "Where Do We Go?",
        "A sentence that ends.",
        "- item",
        "  - nested",
        "1. first",
        "> quote",
        "```",
        "~~~",
        "    code",
        "---",
        "===",
        "***",
        "| a | b |",
        "|---|:-:|",
        "a | b",
        "--|--",
        "x \\| y | z",
        "**bold** and *em* and `code` and [l](http://x.y)",
        "see https://example.com/a_(b).",
        "word " * 30,
    ]
)
structured_text = st.lists(st.one_of(line_fragments, arbitrary_text), max_size=25).map("\n".join)
any_text = st.one_of(arbitrary_text, structured_text)

C0_C1_DEL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def check_blocks(text: str, blocks: Sequence[Block]) -> None:
    previous_end = 0
    for block in blocks:
        assert previous_end <= block.start, "blocks overlap or are out of order"
        assert 0 <= block.start <= block.content_start <= block.content_end <= block.end
        assert block.end <= len(text)
        previous_end = block.end
        if block.kind is BlockKind.TABLE:
            assert block.header_rows in (0, 1) and block.rows
            assert all(len(row) == len(block.align) for row in block.rows)
            for row in block.rows:
                for cell in row:
                    assert block.content_start <= cell.start <= cell.end <= block.content_end
        if block.kind is BlockKind.HEADING:
            assert 1 <= block.level <= 6


def check_inlines(text: str, inlines: Sequence[Inline]) -> None:
    for inline in inlines:
        assert 0 <= inline.start <= inline.end <= len(text)
    assert [i.start for i in inlines] == sorted(i.start for i in inlines)


@PROPERTY_SETTINGS
@given(any_text, st.booleans())
def test_parse_never_raises_and_offsets_are_consistent(text: str, markdown: bool) -> None:
    title, blocks, inlines, author, date = parse(text, markdown=markdown)
    assert "\n" not in title + author + date
    check_blocks(text, blocks)
    check_inlines(text, inlines)


@PROPERTY_SETTINGS
@given(any_text)
def test_sanitize_keeps_length_and_leaves_only_tab_and_newline(text: str) -> None:
    clean = sanitize(text)
    assert len(clean) == len(text)
    assert set(C0_C1_DEL.findall(clean)) <= {"\t", "\n"}
    assert sanitize(clean) == clean
    for before, after in zip(text, clean, strict=True):
        assert after == before or C0_C1_DEL.match(before) or not before.isprintable()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_decode_never_raises_and_leaves_no_carriage_return(data: bytes) -> None:
    text, encoding, notices = decode(data)
    assert "\r" not in text
    assert encoding and all("\n" not in notice for notice in notices)


@PROPERTY_SETTINGS
@given(any_text, st.booleans())
def test_documents_are_safe_and_self_consistent(text: str, markdown: bool) -> None:
    doc = document_from_text(text, "k.txt", markdown=markdown)
    assert not C0_C1_DEL.search(doc.text.replace("\n", "").replace("\t", ""))
    assert doc.title and "\n" not in doc.title
    check_blocks(doc.text, doc.blocks)
    check_inlines(doc.text, doc.inlines)
    doc.text.encode("utf-8")  # no lone surrogates left to break the terminal
