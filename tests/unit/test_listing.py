"""The document list's views and sorts (core.library.listing): which documents each view
keeps and in what order each sort puts them."""

from __future__ import annotations

from aiwatch_tui.core.library.listing import SORTS, VIEWS, listed
from aiwatch_tui.core.model import DocumentInfo, DocumentRow


def row(key: str, title: str, progress: float = 0.0, highlights: int = 0, notes: int = 0):
    info = DocumentInfo(key, None, title, 100, 1000, 0, "")
    return DocumentRow(info, progress, highlights, notes)


ROWS = [
    row("a", "Zebra"),  # never opened
    row("b", "apple", progress=0.4),  # half read
    row("c", "Mango", progress=1.0, notes=1),  # read to the end, a document note
    row("d", "Kiwi", progress=0.0, highlights=2),  # opened at the top, highlighted
]
READ = {
    "b": "2026-01-02T00:00:00.000Z",
    "c": "2026-01-03T00:00:00.000Z",
    "d": "2026-01-01T00:00:00.000Z",
}


def keys(rows: list[DocumentRow]) -> list[str]:
    return [r.info.key for r in rows]


def test_each_view_keeps_its_documents_in_the_order_given() -> None:
    assert keys(listed(ROWS, "all", "library", READ)) == ["a", "b", "c", "d"]
    assert keys(listed(ROWS, "unread", "library", READ)) == ["a"]
    assert keys(listed(ROWS, "reading", "library", READ)) == ["b", "d"]
    assert keys(listed(ROWS, "annotated", "library", READ)) == ["c", "d"]
    assert set(VIEWS) == {"all", "unread", "reading", "annotated"}


def test_each_sort() -> None:
    assert keys(listed(ROWS, "all", "title", READ)) == ["b", "d", "c", "a"]  # case folded
    # The most recently read first, the never opened after them.
    assert keys(listed(ROWS, "all", "recent", READ)) == ["c", "b", "d", "a"]
    assert keys(listed(ROWS, "annotated", "recent", READ)) == ["c", "d"]
    assert set(SORTS) == {"library", "title", "recent"}
