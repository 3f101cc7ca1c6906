"""FullTextIndex.headings(): every heading of the library from the index, for the palette."""

from __future__ import annotations

from pathlib import Path

from aiwatch_tui.core.find.fulltext.index import FullTextIndex
from aiwatch_tui.core.library.loading import load_document
from aiwatch_tui.core.library.sources import Source
from aiwatch_tui.core.model import Document
from aiwatch_tui.core.text.structure import headings

REPO = Path(__file__).resolve().parents[2]
SEED_000 = REPO / "seeds" / "000_c10daa536b93aa76.txt"
SEED_002 = REPO / "seeds" / "002_c41b6d65e56e1798.txt"

MARKDOWN = (
    "# Chips\n\n"
    "## Export Controls\n\n"
    "Export Controls\n\n"  # a paragraph that repeats the heading is not a heading
    "Rules tightened.\n\n"
    "## Supply and Demand ##\n\n"
    "| Export Controls | Base |\n|---|---|\n| Cerebras | Sunnyvale |\n"
)


def headings_of(document: Document) -> list[tuple[str, str, int]]:
    """The sections an outline lists (a lone level-1 heading at the top is the title)."""
    return [(document.key, h.label, h.offset) for h in headings(document)]


class ForbiddenLoader:
    def __call__(self, source: Source) -> Document:
        raise AssertionError(f"read {source.path}")


def test_headings_match_the_parsed_documents(tmp_path: Path) -> None:
    index = FullTextIndex(tmp_path / "search.db")
    index.update([Source("seeds/000", SEED_000), Source("seeds/002", SEED_002)])
    expected = headings_of(load_document(SEED_000, "seeds/000")) + headings_of(
        load_document(SEED_002, "seeds/002")
    )
    assert len(expected) >= 8
    assert index.headings() == expected
    index.close()


def test_heading_offsets_point_at_the_heading_text(tmp_path: Path) -> None:
    article = tmp_path / "chips.md"
    article.write_text(MARKDOWN, encoding="utf-8")
    index = FullTextIndex(tmp_path / "search.db")
    index.update([Source("chips", article)])
    text = load_document(article, "chips").text
    # The paragraph repeating a heading and the table cell are not headings.
    assert index.headings() == [
        ("chips", "Export Controls", text.index("Export Controls")),
        ("chips", "Supply and Demand", text.index("Supply and Demand")),
    ]
    index.close()


def test_headings_read_no_article_and_follow_removals(tmp_path: Path) -> None:
    path = tmp_path / "search.db"
    first = FullTextIndex(path)
    first.update([Source("seeds/000", SEED_000), Source("seeds/002", SEED_002)])
    first.close()
    again = FullTextIndex(path)
    # Unchanged files are not read; the headings come from the index alone.
    again.update([Source("seeds/000", SEED_000)], loader=ForbiddenLoader())
    keys = {key for key, _heading, _offset in again.headings()}
    assert keys == {"seeds/000"}
    again.close()


def test_an_empty_index_has_no_headings(tmp_path: Path) -> None:
    index = FullTextIndex(tmp_path / "search.db")
    assert index.headings() == []
    index.close()
