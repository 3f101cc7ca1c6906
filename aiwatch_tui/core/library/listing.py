"""The document list's views (which documents it shows) and sorts (in what order).

The settings file's `default_view` and `default_sort` name one of each; they are checked
against these tables, so a view or sort added here is at once a value the file may use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from aiwatch_tui.core.model import DocumentRow

# How far into a document counts as read to its end (the caret on its last lines).
READ_TO_THE_END = 0.98

View = Callable[[Sequence[DocumentRow], Mapping[str, str]], list[DocumentRow]]

# Each view keeps the rows it shows, in the order given; `read` is when each document was
# last opened (ISO 8601 UTC), by key. With a description for the palette.
VIEWS: dict[str, View] = {
    "all": lambda rows, _read: list(rows),
    "unread": lambda rows, read: [row for row in rows if row.info.key not in read],
    "reading": lambda rows, read: [
        row for row in rows if row.info.key in read and row.progress < READ_TO_THE_END
    ],
    "annotated": lambda rows, _read: [row for row in rows if row.highlights or row.notes],
}
VIEW_DESCRIPTIONS = {
    "all": "every document",
    "unread": "the documents never opened",
    "reading": "the documents opened and not read to the end",
    "annotated": "the documents with a highlight or a note",
}


def _by_title(rows: Sequence[DocumentRow], _read: Mapping[str, str]) -> list[DocumentRow]:
    return sorted(rows, key=lambda row: (row.info.title.casefold(), row.info.key))


def _by_last_read(rows: Sequence[DocumentRow], read: Mapping[str, str]) -> list[DocumentRow]:
    """The most recently read first; those never opened after them, in the library's order
    (a stable sort keeps it)."""
    return sorted(rows, key=lambda row: read.get(row.info.key, ""), reverse=True)


# Each sort orders rows; `read` is when each document was last read (ISO 8601 UTC).
SORTS: dict[str, Callable[[Sequence[DocumentRow], Mapping[str, str]], list[DocumentRow]]] = {
    "library": lambda rows, _read: list(rows),  # the bundled articles, then the library's
    "title": _by_title,
    "recent": _by_last_read,
}
SORT_DESCRIPTIONS = {
    "library": "the library's order (the bundled articles, then yours)",
    "title": "by title",
    "recent": "the most recently read first",
}


def listed(
    rows: Sequence[DocumentRow], view: str, sort: str, read: Mapping[str, str]
) -> list[DocumentRow]:
    """The rows `view` shows, in `sort`'s order (an unknown name: all, as found)."""
    shown = VIEWS.get(view, VIEWS["all"])(rows, read)
    return SORTS.get(sort, SORTS["library"])(shown, read)
