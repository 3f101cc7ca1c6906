"""Pilot tests of the reading pane on its own: caret keys, paging, selection, highlights."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from aiwatch_tui.core.model import BlockKind, Document, Span
from aiwatch_tui.core.text.document import document_from_text
from aiwatch_tui.ui.text_layout import Layout
from aiwatch_tui.ui.widgets.reader import HighlightMark, Reader

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def seed(name: str) -> Document:
    path = SEEDS / name
    return document_from_text(path.read_text(encoding="utf-8"), f"seeds/{name}", path=path)


SEED_000 = "000_c10daa536b93aa76.txt"
SEED_002 = "002_c41b6d65e56e1798.txt"


class ReaderApp(App[None]):
    """Just a Reader (and an Input to move the focus to), recording what the Reader posts."""

    BINDINGS = [Binding("escape", "escaped", "Escape reached the app")]

    def __init__(self, document: Document, caret: int = 0) -> None:
        super().__init__()
        self.document = document
        self.start_caret = caret
        self.carets: list[int] = []
        self.selections: list[Span | None] = []
        self.escapes = 0

    def compose(self) -> ComposeResult:
        yield Reader()
        yield Input()

    def on_mount(self) -> None:
        reader = self.query_one(Reader)
        reader.load(self.document, caret=self.start_caret)
        reader.focus()

    def on_reader_caret_moved(self, event: Reader.CaretMoved) -> None:
        self.carets.append(event.offset)

    def on_reader_selection_changed(self, event: Reader.SelectionChanged) -> None:
        self.selections.append(event.span)

    def action_escaped(self) -> None:
        self.escapes += 1


def layout_of(reader: Reader) -> Layout:
    layout = reader.layout_engine
    assert layout is not None
    return layout


def caret_position(reader: Reader) -> tuple[int, int]:
    return layout_of(reader).position_of(reader.caret)


def caret_on_screen(reader: Reader) -> bool:
    row, _ = caret_position(reader)
    top = round(reader.scroll_y)
    return top <= row < top + reader.scrollable_content_region.height


def cells(reader: Reader, row: int) -> list[tuple[str, Style]]:
    """What the reader draws on document row `row`, one (character, style) per cell."""
    strip = reader.render_line(row - round(reader.scroll_y))
    drawn: list[tuple[str, Style]] = []
    for segment in strip:
        assert segment.style is not None
        drawn.extend((char, segment.style) for char in segment.text)
    return drawn


def cell_of(reader: Reader, offset: int) -> tuple[str, Style]:
    layout = layout_of(reader)
    row, column = layout.position_of(offset)
    return cells(reader, row)[layout.margin + column]


# --- caret keys ---------------------------------------------------------------------------


async def test_w_and_b_move_the_caret_between_word_starts() -> None:
    app = ReaderApp(seed(SEED_000))
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        text = app.document.text
        visited = [reader.caret]
        for _ in range(12):
            await pilot.press("w")
            caret = reader.caret
            assert caret > visited[-1]
            assert text[caret - 1].isspace() and not text[caret].isspace()
            assert not any(c.isspace() for c in text[visited[-1] : caret].strip())
            visited.append(caret)
        for expected in reversed(visited[:-1]):
            await pilot.press("b")
            assert reader.caret == expected
        assert app.carets[-1] == reader.caret


async def test_sentence_and_paragraph_keys_land_on_their_starts() -> None:
    document = seed(SEED_000)
    app = ReaderApp(document)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        text = document.text
        paragraph = document.blocks[1]
        reader.move_caret(paragraph.content_start)
        await pilot.press("right_parenthesis")
        assert text[reader.caret :].startswith("It is actively reshaping")
        await pilot.press("right_parenthesis")
        assert text[reader.caret :].startswith("Recently, three major")
        await pilot.press("left_parenthesis")
        assert text[reader.caret :].startswith("It is actively reshaping")
        starts = {block.content_start for block in document.blocks}
        for _ in range(3):
            before = reader.caret
            await pilot.press("right_curly_bracket")
            assert reader.caret in starts and reader.caret > before
        landed = reader.caret
        await pilot.press("left_curly_bracket")
        assert reader.caret in starts and reader.caret < landed


async def test_j_and_k_move_one_row_keeping_the_column() -> None:
    document = seed(SEED_000)
    app = ReaderApp(document, caret=document.blocks[1].content_start + 12)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        row, column = caret_position(reader)
        await pilot.press("j")
        assert caret_position(reader) == (row + 1, column)
        await pilot.press("down", "k")
        assert caret_position(reader) == (row + 1, column)
        await pilot.press("up")
        assert caret_position(reader) == (row, column)


async def test_the_caret_stays_on_screen_while_moving_down_the_page() -> None:
    app = ReaderApp(seed(SEED_000))
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(Reader)
        for _ in range(30):
            await pilot.press("j")
            assert caret_on_screen(reader)
        assert reader.scroll_y > 0
        for _ in range(8):
            await pilot.press("right_curly_bracket")
            assert caret_on_screen(reader)


async def test_space_pages_down_and_keeps_the_caret_in_the_same_screen_row() -> None:
    app = ReaderApp(seed(SEED_000))
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(Reader)
        await pilot.press("j", "j", "j")
        height = reader.scrollable_content_region.height
        row_before = caret_position(reader)[0] - round(reader.scroll_y)
        await pilot.press("space")
        assert round(reader.scroll_y) == height - 2
        assert caret_on_screen(reader)
        assert abs(caret_position(reader)[0] - round(reader.scroll_y) - row_before) <= 1
        await pilot.press("pagedown", "pageup")
        assert round(reader.scroll_y) == height - 2
        await pilot.press("ctrl+u")
        assert round(reader.scroll_y) == height - 2 - height // 2
        await pilot.press("ctrl+d")
        assert round(reader.scroll_y) == height - 2


async def test_g_and_shift_g_go_to_the_top_and_the_bottom() -> None:
    document = seed(SEED_000)
    app = ReaderApp(document)
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(Reader)
        await pilot.press("G")
        assert reader.caret == len(document.text.rstrip()) - 1
        assert reader.scroll_y == reader.max_scroll_y > 0
        assert caret_on_screen(reader)
        assert reader.progress == 1.0
        await pilot.press("g")
        assert reader.caret == 0 and reader.scroll_y == 0
        assert reader.progress == 0.0
        await pilot.press("end")
        assert reader.scroll_y == reader.max_scroll_y
        await pilot.press("home")
        assert reader.scroll_y == 0


async def test_a_scroll_the_caret_did_not_ask_for_pulls_the_caret_along() -> None:
    app = ReaderApp(seed(SEED_000))
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(Reader)
        reader.scroll_to(y=30, animate=False)  # what the mouse wheel or scrollbar does
        await pilot.pause()
        assert caret_on_screen(reader)
        assert app.carets[-1] == reader.caret


async def test_clicking_puts_the_caret_on_the_character_clicked() -> None:
    document = seed(SEED_000)
    app = ReaderApp(document)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        layout = layout_of(reader)
        await pilot.click(Reader, offset=(layout.margin + 7, 5))
        assert reader.caret == layout.offset_at(5, 7)
        assert document.text[reader.caret] == cells(reader, 5)[layout.margin + 7][0]


async def test_an_empty_document_takes_every_key_without_complaint() -> None:
    empty = document_from_text("", "empty.txt")
    app = ReaderApp(empty)
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(Reader)
        await pilot.press("j", "w", "right_parenthesis", "space", "G", "s", "S", "v", "k", "b")
        assert reader.caret == 0
        assert reader.progress == 0.0
        assert reader.top_offset() == 0


async def test_the_top_row_starts_at_top_offset_after_paging() -> None:
    document = seed(SEED_000)
    app = ReaderApp(document)
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(Reader)
        await pilot.press("space")
        top = round(reader.scroll_y)
        layout = layout_of(reader)
        row = layout.text_row(top, 1)
        assert row is not None
        shown = "".join(char for char, _ in cells(reader, row)).strip()
        assert document.text[reader.top_offset() :].startswith(shown)


async def test_headings_are_bold_and_urls_underlined() -> None:
    document = seed(SEED_002)
    url = document.text.index("https://timesofindia")
    app = ReaderApp(document, caret=url - 20)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        await pilot.pause()
        assert cell_of(reader, url + 3)[1].underline
        assert not cell_of(reader, url - 5)[1].underline
    document = seed(SEED_000)
    heading = document.headings[0]
    app = ReaderApp(document)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        await pilot.pause()
        heading_style = cell_of(reader, heading.content_start + 1)[1]
        body_style = cell_of(reader, document.blocks[1].content_start + 1)[1]
        assert heading_style.bold and not body_style.bold
        assert heading_style.color != body_style.color


# --- resizing -----------------------------------------------------------------------------


async def test_resizing_rewraps_and_keeps_the_caret_offset_where_it_was_on_screen() -> None:
    document = seed(SEED_002)
    middle = document.text.index("trading water for compute")
    app = ReaderApp(document, caret=middle)
    async with app.run_test(size=(120, 30)) as pilot:
        reader = app.query_one(Reader)
        await pilot.pause()
        assert layout_of(reader).measure == 80
        from_top = caret_position(reader)[0] - round(reader.scroll_y)
        await pilot.resize_terminal(60, 30)
        await pilot.pause()
        assert reader.caret == middle
        assert layout_of(reader).measure == reader.scrollable_content_region.width - 2 < 80
        assert caret_on_screen(reader)
        assert caret_position(reader)[0] - round(reader.scroll_y) == from_top
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        assert reader.caret == middle and caret_on_screen(reader)


# --- selection ----------------------------------------------------------------------------


async def test_v_starts_a_selection_that_caret_moves_extend_and_escape_clears() -> None:
    document = seed(SEED_000)
    start = document.blocks[1].content_start
    app = ReaderApp(document, caret=start)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        await pilot.press("v")
        assert reader.selection == Span(start, start + 1)
        await pilot.press("w", "w")
        assert reader.selection == Span(start, reader.caret + 1)
        assert document.text[start : reader.caret] == "Artificial intelligence "
        assert app.selections[-1] == reader.selection
        await pilot.press("escape")
        assert reader.selection is None
        assert app.selections[-1] is None
        assert app.escapes == 0  # the reader used it
        await pilot.press("escape")
        assert app.escapes == 1  # nothing to clear: the key went on to the app


async def test_a_selection_can_span_paragraphs_and_is_drawn() -> None:
    document = seed(SEED_000)
    start = document.blocks[1].content_start
    app = ReaderApp(document, caret=start)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        await pilot.press("v", "right_curly_bracket", "right_curly_bracket", "w")
        selection = reader.selection
        assert selection is not None and selection.end > document.blocks[3].content_start
        selected_style = reader.get_component_styles("reader--selection").background
        inside = cell_of(reader, start + 5)[1]
        outside = cell_of(reader, selection.end + 5)[1]
        assert inside.bgcolor is not None and inside.bgcolor != outside.bgcolor
        assert selected_style.a > 0


async def test_s_and_shift_s_select_the_sentence_and_the_paragraph() -> None:
    document = seed(SEED_000)
    text = document.text
    inside = text.index("reshaping industries")
    app = ReaderApp(document, caret=inside)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        await pilot.press("s")
        selection = reader.selection
        assert selection is not None
        assert text[selection.start : selection.end] == (
            "It is actively reshaping industries, rewriting labor contracts, and exposing the "
            "fragile infrastructure that keeps modern technology running."
        )
        await pilot.press("escape", "S")
        selection = reader.selection
        assert selection is not None
        paragraph = text[selection.start : selection.end]
        assert paragraph.startswith("Artificial intelligence is no longer")
        assert paragraph.endswith("can comfortably support.")
        assert "\n" not in paragraph


# --- highlights and matches ---------------------------------------------------------------


async def test_highlights_colour_exactly_their_cells_and_a_note_gets_a_mark() -> None:
    document = seed(SEED_000)
    text = document.text
    start = text.index("rewriting labor contracts")
    end = start + len("rewriting labor contracts")
    app = ReaderApp(document)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        reader.set_highlights([HighlightMark("h1", start, end, "green", has_note=True)])
        await pilot.pause()
        green = reader.get_component_styles("reader--highlight-green").background.rich_color
        for offset in range(start - 3, end + 3):
            char, style = cell_of(reader, offset)
            assert char == text[offset]
            assert (style.bgcolor == green) == (start <= offset < end), offset
        layout = layout_of(reader)
        row, _ = layout.position_of(start)
        assert cells(reader, row)[layout.margin - 1][0] == "✎"
        assert cells(reader, row + 1)[layout.margin - 1][0] == " "
        assert reader.highlight_at(start + 2) is not None
        assert reader.highlight_at(end) is None


async def test_every_colour_renders_differently_and_matches_are_drawn() -> None:
    document = seed(SEED_000)
    base = document.blocks[1].content_start
    colours = ["yellow", "green", "blue", "pink", "purple"]
    app = ReaderApp(document, caret=document.blocks[2].content_start)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        reader.set_highlights(
            [HighlightMark(c, base + 10 * i, base + 10 * i + 5, c) for i, c in enumerate(colours)]
        )
        reader.set_matches([Span(base + 60, base + 64), Span(base + 70, base + 74)], current=1)
        await pilot.pause()
        backgrounds = {cell_of(reader, base + 10 * i)[1].bgcolor for i in range(5)}
        assert len(backgrounds) == 5
        match, current = cell_of(reader, base + 61)[1], cell_of(reader, base + 71)[1]
        plain = cell_of(reader, base + 66)[1]
        assert len({match.bgcolor, current.bgcolor, plain.bgcolor}) == 3


async def test_without_colour_highlights_are_underlined_and_selections_reversed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    document = seed(SEED_000)
    start = document.blocks[1].content_start
    app = ReaderApp(document, caret=start + 40)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        assert app.no_color
        reader.set_highlights([HighlightMark("h", start, start + 10, "yellow")])
        await pilot.press("v", "w")
        assert cell_of(reader, start + 2)[1].underline
        assert cell_of(reader, start + 41)[1].reverse
        assert not cell_of(reader, start + 20)[1].underline


async def test_the_caret_is_reverse_video_when_focused_and_quieter_when_not() -> None:
    document = seed(SEED_000)
    caret = document.blocks[1].content_start + 3
    app = ReaderApp(document, caret=caret)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        await pilot.pause()
        assert cell_of(reader, caret)[1].reverse
        assert not cell_of(reader, caret + 1)[1].reverse
        app.query_one(Input).focus()
        await pilot.pause()
        blurred = cell_of(reader, caret)[1]
        assert not blurred.reverse
        assert blurred.bgcolor != cell_of(reader, caret + 1)[1].bgcolor


# --- messages -----------------------------------------------------------------------------


async def test_caret_moved_messages_collapse_into_the_latest() -> None:
    app = ReaderApp(seed(SEED_000))
    async with app.run_test(size=(80, 24)):
        reader = app.query_one(Reader)
        older = Reader.CaretMoved(reader, 1)
        newer = Reader.CaretMoved(reader, 2)
        assert newer.can_replace(older)
        assert not newer.can_replace(Reader.SelectionChanged(reader, None))
        assert newer.control is reader


# --- big documents ------------------------------------------------------------------------


def big_text(size: int) -> str:
    """A deterministic article of about `size` characters: a title, then headings and prose
    paragraphs (a pool of paragraphs repeated, so building it is quick)."""
    chooser = random.Random(7)
    words = (
        "the model compute data center workers policy training inference chips growth "
        "safety leaked memo employees pressure automation industry regulators".split()
    )
    pool = [
        " ".join(
            " ".join(chooser.choice(words) for _ in range(chooser.randint(6, 20))).capitalize()
            + "."
            for _ in range(chooser.randint(2, 8))
        )
        for _ in range(97)
    ]
    parts: list[str] = ["A Very Long Article About Compute"]
    total = 0
    while total < size:
        number = len(parts)
        part = f"Section {number // 12} of the story" if number % 12 == 0 else pool[number % 97]
        parts.append(part)
        total += len(part) + 1
    return "\n".join(parts)


async def test_a_5mb_article_opens_lazily_and_pages_down_quickly() -> None:
    document = document_from_text(big_text(5_000_000), "big.txt")
    assert len(document.text) >= 5_000_000
    app = ReaderApp(document, caret=len(document.text) // 2)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(Reader)
        await pilot.pause()
        assert caret_on_screen(reader)
        assert BlockKind.HEADING in {b.kind for b in document.blocks}
        height = reader.scrollable_content_region.height
        layout = layout_of(reader)
        for _ in range(20):
            # Rows above may be re-estimated in the background; the view itself stays put.
            next_top = layout.line(round(reader.scroll_y) + height - 2)
            reader.action_page_down()
            for y in range(height):  # what the compositor asks for next
                reader.render_line(y)
            assert layout.line(round(reader.scroll_y)) is next_top
            assert caret_on_screen(reader)
            await pilot.pause()
        await pilot.press("pagedown", "G")
        assert reader.caret == len(document.text.rstrip()) - 1
        assert caret_on_screen(reader)
