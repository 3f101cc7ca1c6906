"""The reading pane's layout engine: wrapping, tables, the measure, offsets, caret motions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from aiwatch_tui.core.model import (
    B_CODE,
    B_HEADING,
    B_LIST_ITEM,
    B_PARAGRAPH,
    B_QUOTE,
    B_TABLE,
    BlockKind,
    Blocks,
    Document,
    Inlines,
    Span,
    Table,
)
from aiwatch_tui.core.text.document import document_from_text
from aiwatch_tui.ui import text_layout as tl
from aiwatch_tui.ui.text_layout import Layout, LineKind, PieceRole, TextMap, VisualLine

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

# Kinds as a test writes them: the title (a level-1 heading) and the two kinds of list item.
TITLE, BULLET, NUMBERED = "title", "bullet", "numbered"
_PREFIX = {
    BULLET: "- ",
    NUMBERED: "1. ",
    BlockKind.QUOTE: "> ",
    TITLE: "# ",
    BlockKind.HEADING: "## ",
}
_CODES = {
    TITLE: B_HEADING,
    BlockKind.HEADING: B_HEADING,
    BULLET: B_LIST_ITEM,
    NUMBERED: B_LIST_ITEM,
    BlockKind.QUOTE: B_QUOTE,
    BlockKind.CODE: B_CODE,
    BlockKind.PARAGRAPH: B_PARAGRAPH,
}


def build(*parts: tuple[object, ...]) -> Document:
    """A Document from blocks joined by newlines, offsets computed here rather than by the
    parser: (kind, text[, level]) or (BlockKind.TABLE, [[header cells], [cells], ...])."""
    chunks: list[str] = []
    blocks = Blocks()
    size = 0

    def add(piece: str) -> None:
        nonlocal size
        chunks.append(piece)
        size += len(piece)

    for part in parts:
        kind, body = part[0], part[1]
        level = part[2] if len(part) > 2 else 0
        assert isinstance(level, int)
        if chunks:
            add("\n")
        start = size
        if kind is BlockKind.TABLE:
            assert isinstance(body, list)
            rows = []
            for number, cells in enumerate(body):
                spans = []
                add("|")
                for cell in cells:
                    add(" ")
                    spans.append(Span(size, size + len(cell)))
                    add(cell + " |")
                rows.append(tuple(spans))
                if number == 0:
                    add("\n|" + "---|" * len(cells))
                if number < len(body) - 1:
                    add("\n")
            index = blocks.append(B_TABLE, start, size, start, size)
            blocks.tables[index] = Table(tuple(rows), (), 1)
            continue
        assert isinstance(body, str)
        prefix = "  " * level + _PREFIX.get(kind, "")  # type: ignore[call-overload]
        add(prefix + body)
        code = _CODES[kind]  # type: ignore[index]
        heading = 1 if kind == TITLE else 2 if kind is BlockKind.HEADING else 0
        quote = 1 if kind is BlockKind.QUOTE else 0
        depth = level if code == B_LIST_ITEM else -1
        item_number = 1 if kind == NUMBERED else None
        blocks.append(
            code, start, size, start + len(prefix), size, heading, quote, depth, item_number
        )
    text = "".join(chunks)
    return Document(
        key="test",
        path=None,
        text=text,
        title=text[:20],
        blocks=blocks,
        inlines=Inlines(),
        content_hash="",
        word_count=len(text.split()),
        encoding="utf-8",
    )


PROSE = (
    "Artificial intelligence is no longer a distant concept confined to research labs. "
    "It is actively reshaping industries, rewriting labor contracts, and exposing the "
    "fragile infrastructure that keeps modern technology running! Why now? Because the "
    "money arrived first."
)
TABLE = [
    ["Aspect", "Description"],
    [
        "Focus",
        "Employees expose growing tension, ethical disputes, and managerial chaos at "
        "leading AI companies under pressure to expand rapidly.",
    ],
    [
        "Reference",
        "https://timesofindia.indiatimes.com/technology/tech-news/nvidia-ceo-jensen-"
        "huang-to-employees-in-leaked-recording",
    ],
]


def sample() -> Document:
    return build(
        (TITLE, "The Growing Pains of the Artificial Intelligence Era"),
        (BlockKind.PARAGRAPH, PROSE),
        (BlockKind.HEADING, "When Hollywood Meets Artificial Intelligence"),
        (BULLET, "first item that is long enough to wrap onto a second line at forty"),
        (BULLET, "a nested item", 1),
        (NUMBERED, "numbered item"),
        (BlockKind.TABLE, TABLE),
        (BlockKind.QUOTE, "A quotation that runs for a while so that it has to wrap too."),
        (
            BlockKind.CODE,
            "def f():\n    return 'a line of code that is far too long to fit in forty'",
        ),
        (BlockKind.PARAGRAPH, "The end."),
    )


def drawn(line: VisualLine) -> str:
    """A row as a string of cells (columns relative to the measure)."""
    cells: list[str] = []
    for piece in line.segments:
        cells.extend(" " * (piece.column - len(cells)))
        cells.extend(piece.text)
    return "".join(cells).rstrip()


def drawn_lines(layout: Layout) -> list[str]:
    return [drawn(layout.line(row)) for row in range(layout.row_count)]


def content_lines(layout: Layout, block_index: int) -> list[str]:
    return [
        "".join(p.text for p in line.text_pieces)
        for line in layout.block_lines(block_index)
        if line.has_text
    ]


# --- the measure --------------------------------------------------------------------------


def test_the_measure_is_centred_on_a_wide_pane_and_leaves_a_margin_on_a_narrow_one() -> None:
    wide = Layout(sample(), 200)
    assert wide.measure == tl.MAX_MEASURE
    assert wide.margin == (200 - wide.measure) // 2
    narrow = Layout(sample(), 60)
    assert narrow.measure == 58 and narrow.margin == 1


@pytest.mark.parametrize("width", [30, 42, 80, 120])
def test_no_line_is_wider_than_the_measure_apart_from_the_space_it_ends_on(width: int) -> None:
    layout = Layout(sample(), width)
    for line in drawn_lines(layout):
        assert tl.text_width(line.rstrip()) <= layout.measure, line


# --- wrapping -----------------------------------------------------------------------------


def test_paragraphs_wrap_on_word_boundaries_and_keep_every_character() -> None:
    layout = Layout(sample(), 42)
    lines = content_lines(layout, 1)
    assert len(lines) > 1
    assert "".join(lines) == PROSE
    words = set(PROSE.split())
    for line in lines:
        assert not line.startswith(" ")
        assert all(word in words for word in line.split())


def test_newlines_inside_a_block_are_drawn_as_spaces() -> None:
    document = build((BlockKind.PARAGRAPH, "one\ntwo\nthree"))
    layout = Layout(document, 60)
    assert content_lines(layout, 0) == ["one two three"]


def test_a_word_longer_than_the_line_breaks_after_a_slash_or_hyphen_first() -> None:
    url = "https://example.com/a-very/long-path/that-does-not-fit/anywhere-at-all/really"
    layout = Layout(build((BlockKind.PARAGRAPH, url)), 32)
    lines = content_lines(layout, 0)
    assert "".join(lines) == url
    assert all(line[-1] in "/-" for line in lines[:-1])


def test_wide_characters_take_two_cells_and_still_map_back() -> None:
    text = "日本語の文章はとても長いので折り返す必要があります。" * 3
    layout = Layout(build((BlockKind.PARAGRAPH, text)), 22)
    for line in content_lines(layout, 0):
        assert tl.text_width(line) <= layout.measure
    for offset in range(len(text)):
        row, column = layout.position_of(offset)
        assert layout.offset_at(row, column) == offset
        assert layout.offset_at(row, column + 1) == offset  # the second cell of the glyph


def test_control_characters_never_reach_the_screen() -> None:
    layout = Layout(build((BlockKind.PARAGRAPH, "bell\x07 and \x1b[31mred")), 60)
    drawn = "".join(drawn_lines(layout))
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", drawn)


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(
        st.text(alphabet=st.sampled_from("abcdef-/語é"), min_size=1, max_size=30),
        min_size=1,
        max_size=40,
    ),
    gaps=st.lists(st.sampled_from([" ", "  ", "\n"]), min_size=40, max_size=40),
    width=st.integers(min_value=3, max_value=50),
)
def test_wrapped_lines_cover_the_text_once_in_order_and_fit(
    words: list[str], gaps: list[str], width: int
) -> None:
    text = "".join(word + gap for word, gap in zip(words, gaps, strict=False)).strip()
    runs = tl.wrap_runs(text, 0, len(text), width)
    assert runs[0][0] == 0 and runs[-1][1] == len(text)
    for (_, end), (start, _) in zip(runs, runs[1:], strict=False):
        assert end == start
    for start, end in runs:
        assert start < end
        assert tl.text_width(tl.display_text(text[start:end]).rstrip()) <= max(width, 2)


# --- offsets <-> cells --------------------------------------------------------------------


def test_every_offset_of_a_paragraph_maps_to_exactly_one_cell_and_back() -> None:
    layout = Layout(sample(), 42)
    block = layout.blocks[1]
    cells = set()
    for offset in range(block.content_start, block.content_end):
        row, column = layout.position_of(offset)
        assert layout.offset_at(row, column) == offset
        cells.add((row, column))
    assert len(cells) == block.content_end - block.content_start


def test_offsets_inside_table_cells_map_to_their_cell_and_back() -> None:
    layout = Layout(sample(), 50)
    table = next(b for b in layout.blocks if b.kind is BlockKind.TABLE)
    seen = set()
    for row in table.rows:
        for cell in row:
            for offset in range(cell.start, cell.end):
                position = layout.position_of(offset)
                assert layout.offset_at(*position) == offset
                seen.add(position)
    assert len(seen) == sum(c.end - c.start for row in table.rows for c in row)


def test_offsets_that_are_not_drawn_snap_to_the_next_drawn_one() -> None:
    document = sample()
    layout = Layout(document, 60)
    heading = document.blocks[2]
    # The newline before the heading is not drawn: it shows where the heading starts.
    assert layout.position_of(heading.start - 1) == layout.position_of(heading.content_start)


# --- structure ----------------------------------------------------------------------------


def test_title_first_then_a_rule_and_blank_lines_between_blocks() -> None:
    layout = Layout(sample(), 80)
    kinds = [layout.line(r).kind for r in range(layout.row_count)]
    assert kinds[:3] == [LineKind.TITLE, LineKind.RULE, LineKind.BLANK]
    heading_row = kinds.index(LineKind.HEADING)
    assert kinds[heading_row - 1] is LineKind.BLANK


def test_list_items_hang_under_their_marker_and_nest_by_level() -> None:
    layout = Layout(sample(), 42)
    items = [
        b
        for b, block in enumerate(layout.blocks)
        if block.kind is BlockKind.LIST_ITEM and not block.ordered
    ]
    first = layout.block_lines(items[0])
    first_text = [line for line in first if line.has_text]
    marker = first_text[0].segments[0]
    assert marker.role is PieceRole.MARKER and marker.text == tl.BULLET
    indents = {line.text_pieces[0].column for line in first_text}
    assert indents == {2}  # every line of the item starts in the same column
    nested = [line for line in layout.block_lines(items[1]) if line.has_text][0]
    assert nested.segments[0].column == 2 and nested.text_pieces[0].column == 4
    # Consecutive items are not separated by blank lines.
    assert not any(line.kind is LineKind.BLANK for line in layout.block_lines(items[1]))


def test_quotes_carry_a_bar_on_every_line() -> None:
    layout = Layout(sample(), 40)
    index = next(i for i, b in enumerate(layout.blocks) if b.kind is BlockKind.QUOTE)
    lines = [line for line in layout.block_lines(index) if line.has_text]
    assert len(lines) > 1
    assert all(line.segments[0].text.startswith(tl.QUOTE_BAR.strip()) for line in lines)


def test_code_is_not_rewrapped_but_long_lines_are_cut_with_a_continuation_mark() -> None:
    layout = Layout(sample(), 42)
    index = next(i for i, b in enumerate(layout.blocks) if b.kind is BlockKind.CODE)
    lines = [line for line in layout.block_lines(index) if line.has_text]
    assert lines[0].text_pieces[0].text.rstrip() == "def f():"
    assert lines[1].text_pieces[0].text.startswith("    return")  # indentation kept
    assert any(line.segments[0].text == tl.CONTINUATION for line in lines[2:])


def test_a_code_line_exactly_as_wide_as_the_column_gets_no_empty_continuation_row() -> None:
    source = "```\n" + "x" * 75 + "\n" + "y" * 76 + "\n```\n"
    layout = Layout(document_from_text(source, "code.md", markdown=True), 79)
    assert layout.measure - 2 == 75  # the code column: the measure less its indent
    index = next(i for i, b in enumerate(layout.blocks) if b.kind is BlockKind.CODE)
    rows = ["".join(s.text for s in line.segments).strip() for line in layout.block_lines(index)]
    # One row for the line that fits; the one a character wider is cut, its "y" continued.
    assert rows == ["x" * 75, "y" * 75, tl.CONTINUATION + "y"]
    # Every offset still has a place: the newline after the x's is on the x row.
    newline = layout.text.index("\n", layout.text.index("x"))
    assert layout.position_of(newline)[0] == layout.position_of(newline - 1)[0]


def test_tables_fit_the_width_with_the_widest_column_wrapping_inside_itself() -> None:
    for width in (40, 60, 80, 200):
        layout = Layout(sample(), width)
        index = next(i for i, b in enumerate(layout.blocks) if b.kind is BlockKind.TABLE)
        rows = [line for line in layout.block_lines(index) if line.kind is not LineKind.BLANK]
        widths = set()
        for line in rows:
            right = max(p.column + p.width for p in line.segments if p.role is PieceRole.BORDER)
            widths.add(right)
            assert right <= layout.measure
            for piece in line.text_pieces:
                assert piece.column + tl.text_width(piece.text.rstrip()) <= right
        assert len(widths) == 1  # every row has its right border in the same column
        assert rows[0].segments[0].text.startswith("┌")
        assert rows[1].kind is LineKind.TABLE_HEADER


def test_column_widths_are_natural_when_they_fit_and_capped_when_not() -> None:
    assert tl.fit_columns([5, 10], 40) == [5, 10]
    fitted = tl.fit_columns([8, 120, 30], 60)
    assert sum(fitted) == 60
    assert fitted[0] == 8  # narrow columns keep their width; the widest give way
    assert fitted[1] >= fitted[2]


# --- laziness -----------------------------------------------------------------------------


def long_document(paragraphs: int) -> Document:
    parts: list[tuple[object, ...]] = []
    for number in range(paragraphs):
        if number % 10 == 0:
            parts.append((BlockKind.HEADING, f"Section {number // 10}"))
        parts.append((BlockKind.PARAGRAPH, f"Paragraph {number}. " + PROSE * (1 + number % 3)))
    return build(*parts)


def test_a_large_document_is_laid_out_lazily_and_ends_up_the_same() -> None:
    document = long_document(1200)
    assert len(document.text) > tl.EAGER_CHARS
    lazy = Layout(document, 70)
    assert not lazy.is_complete
    middle = len(document.text) // 2
    row, column = lazy.position_of(middle)
    assert lazy.offset_at(row, column) == middle
    anchor = lazy.anchor(row)
    while not lazy.wrap_more(deadline=0.0):
        pass
    assert lazy.offset_at(lazy.row_of(anchor), column) == middle  # anchors survive refinement
    eager = Layout(document, 70)
    eager.wrap_more()
    assert lazy.row_count == eager.row_count
    assert lazy.position_of(middle) == eager.position_of(middle)
    assert drawn_lines(lazy)[-40:] == drawn_lines(eager)[-40:]


def test_a_row_asked_for_before_its_block_is_laid_out_is_still_right() -> None:
    document = long_document(1200)
    lazy = Layout(document, 70)
    shown = [lazy.line(r) for r in range(5000, 5040)]  # lays out whatever it needs
    eager = Layout(document, 70)
    eager.wrap_more()
    first = next(i for i, line in enumerate(shown) if line.span is not None)
    span = shown[first].span
    assert span is not None
    top = eager.position_of(span.start)[0] - first
    assert [drawn(line) for line in shown] == [drawn(eager.line(top + i)) for i in range(40)]


# --- caret motions ------------------------------------------------------------------------


def text_map() -> tuple[TextMap, str]:
    document = sample()
    return TextMap(document), document.text


def test_w_and_b_move_between_word_starts() -> None:
    tm, text = text_map()
    offset = text.index("Artificial intelligence")
    stops = [offset]
    for _ in range(6):
        stops.append(tl.next_word(tm, stops[-1]))
    assert [text[s : text.index(" ", s)] for s in stops[1:]] == [
        "intelligence",
        "is",
        "no",
        "longer",
        "a",
        "distant",
    ]
    back = tl.previous_word(tm, stops[-1])
    assert back == stops[-2]
    inside = stops[-1] + 3  # from inside a word, b goes to that word's start
    assert tl.previous_word(tm, inside) == stops[-1]


def test_w_skips_what_is_not_drawn_such_as_list_markers_and_table_pipes() -> None:
    tm, text = text_map()
    item = text.index("numbered item")
    cell = text.index("Aspect")
    stop = tl.next_word(tm, text.index("item", item))
    assert stop == cell  # over "|" straight into the first cell
    assert tl.next_word(tm, cell) == text.index("Description")
    assert tl.previous_word(tm, text.index("Description")) == cell


def test_sentence_motions_stop_at_sentence_starts() -> None:
    tm, text = text_map()
    start = text.index("Artificial intelligence")
    second = tl.next_sentence(tm, start)
    assert text[second:].startswith("It is actively")
    third = tl.next_sentence(tm, second)
    assert text[third:].startswith("Why now?")
    assert text[tl.next_sentence(tm, third) :].startswith("Because")
    assert tl.previous_sentence(tm, third) == second
    assert tl.previous_sentence(tm, third + 4) == third  # inside: back to its own start


def test_sentence_and_paragraph_spans() -> None:
    tm, text = text_map()
    inside = text.index("reshaping")
    span = tl.sentence_span(tm, inside)
    assert text[span.start : span.end] == (
        "It is actively reshaping industries, rewriting labor contracts, and exposing the "
        "fragile infrastructure that keeps modern technology running!"
    )
    paragraph = tl.paragraph_span(tm, inside)
    assert text[paragraph.start : paragraph.end] == PROSE


def test_paragraph_motions_go_block_to_block() -> None:
    tm, text = text_map()
    start = text.index("Artificial intelligence")
    heading = tl.next_paragraph(tm, start)
    assert text[heading:].startswith("When Hollywood")
    assert text[tl.next_paragraph(tm, heading) :].startswith("first item")
    assert tl.previous_paragraph(tm, heading + 5) == heading
    assert tl.previous_paragraph(tm, heading) == start


def test_motions_stop_at_the_ends_of_the_document() -> None:
    tm, text = text_map()
    assert tl.next_word(tm, tm.last_offset) == tm.last_offset
    assert tl.next_paragraph(tm, tm.last_offset) == tm.last_offset
    assert tl.previous_word(tm, tm.first_offset) == tm.first_offset
    assert tl.previous_sentence(tm, tm.first_offset) == tm.first_offset


def test_line_down_and_up_keep_the_goal_column() -> None:
    layout = Layout(sample(), 42)
    block = layout.blocks[1]
    offset = block.content_start + 10
    row, column = layout.position_of(offset)
    below = layout.line_down(offset)
    assert layout.position_of(below) == (row + 1, column)
    assert layout.line_up(below) == offset
    # Through a short line and a blank one, the goal column survives.
    end_row = layout.position_of(block.content_end - 1)[0]
    start = layout.offset_at(end_row - 1, 30)
    assert start is not None and layout.position_of(start) == (end_row - 1, 30)
    short = layout.line_down(start, goal_column=30)
    assert layout.position_of(short)[0] == end_row
    assert layout.position_of(short)[1] < 30  # the last line is shorter
    heading = layout.line_down(short, goal_column=30)
    assert layout.position_of(heading) == (end_row + 2, 30)
    back = layout.line_up(layout.line_up(heading, goal_column=30), goal_column=30)
    assert back == start


def test_seed_002_table_is_drawn_as_a_table() -> None:
    document = document_from_text(
        (SEEDS / "002_c41b6d65e56e1798.txt").read_text(encoding="utf-8"), "seeds/002"
    )
    layout = Layout(document, 80)
    lines = drawn_lines(layout)
    assert any(line.startswith("┌") for line in lines)
    assert any("│ Aspect" in line for line in lines)
    assert all(tl.text_width(line.rstrip()) <= layout.measure for line in lines)


def test_every_printable_character_is_measured_as_the_renderer_draws_it() -> None:
    """The layout's cell widths are Rich's (the renderer's): before issue 15, 847 printable
    code points (☰ among them) were measured otherwise, shifting columns and borders."""
    differ = [
        hex(code)
        for code in range(0x20, 0x3FFFF)
        if (char := chr(code)).isprintable() and tl.char_width(char) != cell_len(char)
    ]
    assert differ == []


def test_a_table_with_wide_and_ambiguous_characters_keeps_its_borders_aligned() -> None:
    text = "| menu | what |\n|---|---|\n| ☰ | opens it ✓ |\n| 日本 | ⚡ fast |\n"
    layout = Layout(document_from_text(text, "t.md", markdown=True), 60)
    rows = []
    for row in range(layout.row_count):
        drawn_row = ""  # pieces placed at their columns, measured in cells
        for piece in layout.line(row).segments:
            drawn_row += " " * (piece.column - cell_len(drawn_row)) + piece.text
        rows.append(drawn_row.rstrip())
    table = [row for row in rows if row[:1] in "┌│╞├└"]
    assert len(table) == 6
    assert {cell_len(row) for row in table} == {cell_len(table[0])}
    assert all(row.endswith(("┐", "│", "╡", "┘")) for row in table)


def test_the_front_matter_title_and_byline_head_the_text_and_are_not_text() -> None:
    source = "---\ntitle: A Post\nauthor: [Jo Marsh, Al Lee]\ndate: 2031-05-01\n---\n\nSome text.\n"
    document = document_from_text(source, "post.md", markdown=True)
    layout = Layout(document, 60)
    rows = [layout.line(row) for row in range(layout.row_count)]
    assert [(line.kind, drawn(line)) for line in rows[:4]] == [
        (LineKind.TITLE, "A Post"),
        (LineKind.RULE, "─" * layout.measure),
        (LineKind.BYLINE, "Jo Marsh, Al Lee · 2031-05-01"),
        (LineKind.BLANK, ""),
    ]
    assert not any(line.has_text for line in rows[:4])  # no caret, no highlight there
    assert layout.position_of(source.index("Some")) == (4, 0)
    assert Layout(document, 60, as_written=True).line(0).kind is not LineKind.TITLE


def test_a_document_with_its_own_title_gets_the_byline_under_it() -> None:
    source = "---\ntitle: A Post\nauthor: Jo Marsh\n---\n# A Post\n\nSome text.\n"
    layout = Layout(document_from_text(source, "post.md", markdown=True), 60)
    rows = [layout.line(row) for row in range(layout.row_count)]
    assert [(line.kind, drawn(line)) for line in rows[:4]] == [
        (LineKind.TITLE, "A Post"),
        (LineKind.RULE, "─" * layout.measure),
        (LineKind.BYLINE, "Jo Marsh"),
        (LineKind.BLANK, ""),
    ]
    assert rows[0].has_text  # the heading is the document's own text
