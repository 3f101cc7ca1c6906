"""Plain text read as a person reads it (issue 15): wrapped paragraphs stay whole, headings
stand alone, text laid out by hand is shown as written.

The documents here are written for these tests (a made-up licence in
tests/documents/orchard-licence.txt, a made-up tool's help).
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from aiwatch_tui.core.model import I_BREAK, I_HIDDEN, I_URL
from aiwatch_tui.core.text.document import document_from_text
from aiwatch_tui.core.text.plain import parse_plain
from aiwatch_tui.core.text.shown import shown
from aiwatch_tui.core.text.structure import block_records, document_title
from tests.conftest import SEED_000, SEED_002

DOCUMENTS = Path(__file__).parents[1] / "documents"
LICENCE = (DOCUMENTS / "orchard-licence.txt").read_text(encoding="utf-8")

HELP = """\
Usage: harvest [OPTIONS] SOURCE...

Fetch the named sources and print what changed since the last run.

Options:
  -o, --output FILE      write the report to FILE instead of the terminal
  -q, --quiet            print nothing but errors
      --since DATE       compare with the run of DATE (default: the last one)
  -h, --help             show this message and exit

Results
=======

+----------+--------+
| source   | status |
+----------+--------+
| feeds    | ok     |
+----------+--------+

Release notes
-------------

The second release reads feeds twice as fast.
"""


def records(text: str) -> list[dict[str, object]]:
    parsed = parse_plain(text)
    return list(block_records(text, parsed.blocks, parsed.inlines))


def headings(text: str) -> list[tuple[object, object]]:
    return [(r["level"], r["text"]) for r in records(text) if r["kind"] == "heading"]


def test_a_hard_wrapped_paragraph_is_one_paragraph_and_no_heading() -> None:
    # Today's parser made "This licence lets anyone read, copy and build upon the data
    # sets that" a bold heading and the rest of the sentence a new paragraph.
    found = records(LICENCE)
    introduction = next(r for r in found if str(r["text"]).startswith("This licence lets"))
    assert introduction["kind"] == "paragraph"
    assert str(introduction["text"]).endswith("not only by lawyers.")
    assert "\n" not in str(introduction["text"])


def test_headings_are_lines_that_stand_alone_and_read_as_titles() -> None:
    assert headings(LICENCE) == [
        (1, "THE ORCHARD DATA LICENCE"),
        (2, "Introduction"),
        (2, "TERMS AND CONDITIONS"),
        (2, "0. Definitions."),
        (2, "1. Permissions."),
        (3, "1.1 Attribution"),
        (2, "2. No Warranty."),
        (2, "END OF TERMS AND CONDITIONS"),
    ]


def test_the_title_is_the_first_line_and_the_version_under_it_a_paragraph() -> None:
    parsed = parse_plain(LICENCE)
    assert document_title(LICENCE, parsed.blocks, parsed.inlines) == "THE ORCHARD DATA LICENCE"
    assert records(LICENCE)[1]["text"] == "Version 2, 3 February 2031"


def test_list_items_keep_their_markers_and_join_their_wrapped_lines() -> None:
    items = [r for r in records(LICENCE) if r["kind"] == "list_item"]
    assert [str(r["text"])[:3] for r in items] == ["a) ", "b) "]
    # "3.  This condition..." continues item b): it is not an item of its own.
    assert str(items[1]["text"]).endswith(
        "section 3.  This condition applies to every part of the work."
    )


def test_indented_text_and_hand_made_lines_are_shown_as_written() -> None:
    found = records(LICENCE)
    notice = next(r for r in found if "Orchard Survey 2031" in str(r["text"]))
    assert notice["kind"] == "code"
    assert notice["text"] == (
        "    Orchard Survey 2031, collected by the Orchard Cooperative.\n"
        "    Shared under the Orchard Data Licence, version 2 or later."
    )
    address = next(r for r in found if str(r["text"]).startswith("Jo Marsh"))
    assert address["text"] == "Jo Marsh\n12 Quince Lane\nAppleby"  # line breaks kept


def test_help_output_and_ascii_tables_are_shown_as_written() -> None:
    found = records(HELP)
    options = next(r for r in found if "--output FILE" in str(r["text"]))
    assert options["kind"] == "code"
    assert "  -q, --quiet            print nothing but errors\n" in str(options["text"])
    table = next(r for r in found if "+----------+" in str(r["text"]))
    assert table["kind"] == "code"
    assert str(table["text"]).count("\n") == 4


def test_an_underlined_title_is_a_heading_with_no_extra_rule() -> None:
    found = records(HELP)
    assert ("heading", "Results") in [(r["kind"], r["text"]) for r in found]
    assert ("heading", "Release notes") in [(r["kind"], r["text"]) for r in found]
    assert not [r for r in found if r["kind"] == "rule"]


def test_the_seed_articles_keep_their_headings_and_their_table() -> None:
    first = SEED_000.read_text(encoding="utf-8")
    assert len(headings(first)) == 9  # the title and eight section headings
    assert headings(first)[0] == (1, "The Growing Pains of the Artificial Intelligence Era")
    second = SEED_002.read_text(encoding="utf-8")
    tables = [r for r in records(second) if r["kind"] == "table"]
    assert len(tables) == 1 and tables[0]["rows"][0] == ["Aspect", "Description"]  # type: ignore[index]
    assert not headings(second)


plain_lines = st.lists(
    st.sampled_from(
        [
            "",
            " ",
            "    ",
            "\t",
            "- ",
            "1. ",
            "a) ",
            "(2) ",
            "| a | b |",
            "|---|---|",
            "====",
            "----",
            "+--+--+",
            "  -x, --long   help",
            "TITLE",
            "Title Case Line",
            "0. Definitions.",
            "word " * 20,
            "é",
            "😀",
            "https://ex.example/p.",
            "www.example.org",
            "ǅ",
            ".",
            "\u2500",
        ]
    )  # fmt: skip
    | st.text(max_size=12),
    max_size=30,
)


@settings(max_examples=300)
@given(plain_lines)
def test_every_plain_text_offset_points_at_what_it_claims(lines: list[str]) -> None:
    text = "\n".join(lines)
    parsed = parse_plain(text)
    blocks, inlines = parsed.blocks, parsed.inlines
    previous_end = 0
    for index in range(len(blocks)):
        start, end = blocks.starts[index], blocks.ends[index]
        first, last = blocks.content_starts[index], blocks.content_ends[index]
        assert previous_end <= start <= first <= last <= end <= len(text)
        previous_end = end
        # What is shown of a block is its text: nothing but blanks and underlines hidden.
        kept = "".join(c for c in shown(text, first, last, inlines).text if not c.isspace())
        assert kept == re.sub(r"\s+", "", text[first:last]) or set(
            re.sub(r"\s+", "", text[first:last])
        ) - set(kept) <= set("=-")
        table = blocks.tables.get(index)
        for row in table.rows if table else ():
            for cell in row:
                assert first <= cell.start <= cell.end <= last
                assert text[cell.start : cell.end] == text[cell.start : cell.end].strip()
    for index in range(len(inlines)):
        kind, start, end = inlines.kinds[index], inlines.starts[index], inlines.ends[index]
        source = text[start:end]
        block = blocks.index_at(start)
        assert block >= 0 and end <= blocks.ends[block]
        if kind == I_BREAK:
            assert source.strip(" \t") == "\n" or source.strip() == ""
            assert "\n" in source
        elif kind == I_HIDDEN:
            assert not source.strip() or set(source.strip()) <= set("=-\n \t")
        elif kind == I_URL:
            assert inlines.texts[index].endswith(source)


def test_a_short_line_inside_a_wrapped_sentence_does_not_break_it() -> None:
    """The GPL's copyright notice: its second line ends early, but the sentence goes on in
    lower case on the next, in a paragraph that was wrapped: one paragraph, no break."""
    text = (
        "A TITLE\n\n"
        " Copyright (C) 2031 The Orchard Cooperative, Inc. <https://orchard.example/>\n"
        " Everyone is permitted to copy and distribute verbatim copies\n"
        " of this licence document, but changing it is not allowed.\n\n"
        "Jo Marsh\n12 Quince Lane\nAppleby\n"
    )
    found = records(text)
    assert found[1]["text"] == (
        "Copyright (C) 2031 The Orchard Cooperative, Inc. <https://orchard.example/> "
        "Everyone is permitted to copy and distribute verbatim copies of this licence "
        "document, but changing it is not allowed."
    )
    assert found[2]["text"] == "Jo Marsh\n12 Quince Lane\nAppleby"


def test_a_page_break_on_its_own_line_separates_paragraphs() -> None:
    text = "A TITLE\n\nThe end of one page and\nits last line.\n\f\n  The next page begins\nhere.\n"
    found = records(document_from_text(text, "t").text)
    assert [r["text"] for r in found[1:]] == [
        "The end of one page and its last line.",
        "The next page begins here.",
    ]


def test_a_title_in_quotes_is_a_title_and_a_quoted_sentence_is_not() -> None:
    text = (
        '\t\t\t The "Orchard Licence"\n\n\t\t\t\tPreamble\n\n'
        "The intent of this document is to state the conditions under which the\n"
        "data may be copied, so that its makers keep some say over it, while the\n"
        "people who use it may share it in the usual way.\n\n"
        'Then she said "Stop."\n\n'
        "And the text went on, as texts do, for a few more lines before it\n"
        "came to an end at last, after everything had been said.\n"
    )
    parsed = parse_plain(text)
    assert document_title(text, parsed.blocks, parsed.inlines) == 'The "Orchard Licence"'
    assert headings(text) == [(1, 'The "Orchard Licence"'), (2, "Preamble")]


def test_an_address_under_a_copyright_line_is_no_heading() -> None:
    """GPL-1's notice: a line read on its own inside a chunk does not stand alone between
    blank lines, so "51 Franklin St, ..." is not a numbered section."""
    text = (
        "\t\t    THE ORCHARD LICENCE\n\t\t     Version 1, May 2031\n\n"
        " Copyright (C) 2031 The Orchard Cooperative, Inc.\n"
        "\t\t    51 Quince Lane, Second Floor, Appleby, AP1 2BC\n\n"
        "\t\t\t    Preamble\n\n"
        "  The licences for most data are designed to take away your freedom to\n"
        "share and change it.  This one is not, and it says so at some length.\n"
    )
    assert headings(text) == [(1, "THE ORCHARD LICENCE"), (2, "Preamble")]


def test_two_lines_in_capitals_standing_alone_are_one_heading() -> None:
    text = (
        "\t\t    THE ORCHARD LICENCE\n\t\t     Version 1, May 2031\n\n"
        "  The licences for most data are designed to take away your freedom to\n"
        "share and change it.  This one is not, and it says so at some length.\n\n"
        "\t\t    THE ORCHARD LICENCE\n"
        "   TERMS AND CONDITIONS FOR COPYING, SHARING AND CHANGING\n\n"
        "  0. This licence applies to any data set that carries a notice saying\n"
        "it may be shared under the terms of this licence.\n\n"
        "THE DATA IS GIVEN AS IT IS, WITH NO PROMISE THAT IT IS RIGHT, TO THE\n"
        "EXTENT THE LAW ALLOWS.\n"
    )
    found = records(text)
    assert headings(text) == [
        (1, "THE ORCHARD LICENCE"),
        (2, "THE ORCHARD LICENCE\nTERMS AND CONDITIONS FOR COPYING, SHARING AND CHANGING"),
    ]
    assert found[-1]["kind"] == "paragraph"  # a shouted sentence is not a heading
