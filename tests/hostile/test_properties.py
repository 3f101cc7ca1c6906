"""Property tests over hostile text: the parser, the renderer and the anchoring code take
anything (controls, markup, bidi, wide and combining characters, broken bytes) in their stride."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aiwatch_tui.core.anchoring import make_quote, reanchor
from aiwatch_tui.core.model import AnchorStatus, Block, BlockKind, Document
from aiwatch_tui.core.text.decode import decode
from aiwatch_tui.core.text.document import document_from_text
from aiwatch_tui.core.text.parse import parse
from aiwatch_tui.core.text.sanitize import sanitize
from aiwatch_tui.ui.text_layout import Layout, PieceRole, display_text, text_width
from tests.hostile.corpus import CONTROL_LINES, MARKUP_SHAPES

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HOSTILE_PIECES = [
    *CONTROL_LINES,
    *MARKUP_SHAPES,
    "\x1b",
    "\x9b",
    "\x07",
    "\x08",
    "\r",
    "\r\n",
    "\x00",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u2060",
    "\ufeff",
    "\u0301",
    "\u0489",
    "日本語",
    "👩\u200d💻",
    "🇯🇵",
    "\ud800",
    "| a | b |\n|---|---|\n| [x] | ␛ |",
    "# [bold]h[/]",
    "- [@click=app.quit]q[/]",
    "\n\n",
    "Title Line\n\n",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=12)), max_size=40
).map("".join)
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _check_offsets(text: str, blocks: Sequence[Block]) -> None:
    previous_end = -1
    for block in blocks:
        assert 0 <= block.start <= block.content_start <= block.content_end <= block.end
        assert block.end <= len(text)
        assert block.start >= previous_end  # in order, never overlapping
        previous_end = block.end
        for row in block.rows:
            for cell in row:
                assert block.start <= cell.start <= cell.end <= block.end


@SETTINGS
@given(hostile_text, st.booleans())
def test_parsing_anything_never_raises_and_offsets_are_sound(text: str, markdown: bool) -> None:
    clean = sanitize(text.replace("\r", "\n"))
    assert len(clean) == len(text)
    title, blocks, inlines, _author, _date = parse(clean, markdown=markdown)
    _check_offsets(clean, blocks)
    for inline in inlines:
        assert 0 <= inline.start <= inline.end <= len(clean)
    assert "\n" not in title


@SETTINGS
@given(st.binary(max_size=300), st.booleans())
def test_loading_any_bytes_gives_a_clean_document(data: bytes, markdown: bool) -> None:
    text, _encoding, _notices = decode(data)
    doc = document_from_text(text, "k", markdown=markdown)
    _check_offsets(doc.text, doc.blocks)
    assert UNSAFE.search(doc.text.replace("\t", " ").replace("\n", " ")) is None
    assert UNSAFE.search(doc.title) is None


def _raw_document(text: str, markdown: bool) -> Document:
    """A Document whose text was NOT sanitised: the renderer's last line of defence."""
    title, blocks, inlines, _author, _date = parse(text, markdown=markdown)
    return Document(
        key="raw",
        path=None,
        text=text,
        title=title,
        blocks=blocks,
        inlines=inlines,
        content_hash=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        word_count=0,
        encoding="utf-8",
    )


@SETTINGS
@given(hostile_text, st.booleans(), st.integers(min_value=1, max_value=160), st.booleans())
@example("&#0;", True, 1, True)  # an entity drawn in place of its source (found by Hypothesis)
@example("a &copy; b &#x1b; c", True, 3, True)
def test_the_renderer_never_raises_and_draws_no_control_character(
    text: str, markdown: bool, width: int, sanitised: bool
) -> None:
    doc = document_from_text(text, "k", markdown=markdown)
    if not sanitised:
        doc = _raw_document(text.replace("\r", "\n"), markdown)
    layout = Layout(doc, width)
    layout.wrap_more()
    for row in range(min(layout.row_count, 400)):
        line = layout.line(row)
        for piece in line.segments:
            assert UNSAFE.search(piece.text) is None, (row, piece)
            assert piece.column >= 0
            if piece.role is PieceRole.TEXT and piece.substituted:
                # an entity or an image drawn in place of its source ("&#0;" as U+FFFD): it
                # stands for a stretch of the text that the caret can still reach
                assert 0 <= piece.start < piece.end <= len(doc.text), (row, piece)
            elif piece.role is PieceRole.TEXT:
                # one drawn character per source character: the offsets a caret uses hold
                source = doc.text[piece.start : piece.start + len(piece.text)]
                assert piece.text == display_text(source)
        if width >= 8 and line.segments and all(p.role is PieceRole.TEXT for p in line.segments):
            # Only the whitespace that ends a line may hang into the margin (every offset is
            # drawn, and a line break inside a paragraph is drawn as a space): no character
            # of a word crosses the measure.
            right = max(p.column + text_width(p.text.rstrip()) for p in line.segments)
            assert right <= layout.measure, (row, line)


spans = st.tuples(
    st.integers(min_value=-5, max_value=400), st.integers(min_value=-5, max_value=400)
)


@SETTINGS
@given(hostile_text, hostile_text, spans)
def test_reanchoring_anything_never_raises_nor_points_outside(
    old: str, new: str, span: tuple[int, int]
) -> None:
    start, end = sorted(span)
    start, end = max(0, min(start, len(old))), max(0, min(end, len(old)))
    exact, prefix, suffix = make_quote(old, start, end)
    anchor = reanchor(new, exact, prefix, suffix, start, end)
    if anchor.status in (AnchorStatus.ANCHORED, AnchorStatus.MOVED, AnchorStatus.CHANGED):
        assert 0 <= anchor.start <= anchor.end <= len(new)
    if anchor.status in (AnchorStatus.ANCHORED, AnchorStatus.MOVED):
        assert new[anchor.start : anchor.end] == exact


@SETTINGS
@given(hostile_text, hostile_text, hostile_text, spans)
def test_reanchoring_arbitrary_quotes_and_offsets_never_raises(
    text: str, exact: str, context: str, span: tuple[int, int]
) -> None:
    """Quotes from an import file need not come from any document at all."""
    anchor = reanchor(text, exact, context[:32], context[-32:], span[0], span[1])
    if anchor.status is not AnchorStatus.ORPHANED:
        assert 0 <= anchor.start <= anchor.end <= len(text)


def test_the_strategy_reaches_the_hostile_shapes() -> None:
    """The generators above really produce controls, markup and tables (not only letters)."""
    joined = "".join(HOSTILE_PIECES)
    assert "\x1b]52" in joined and "[@click=" in joined and "\u202e" in joined
    doc = document_from_text(HOSTILE_PIECES[-5], "k")
    assert any(b.kind is BlockKind.TABLE for b in doc.blocks)
