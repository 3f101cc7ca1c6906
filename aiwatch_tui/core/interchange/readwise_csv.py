"""Readwise's CSV import format: one row per highlight, cells a spreadsheet shows as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from aiwatch_tui.core.interchange.grouping import (
    NO_NOTES,
    NO_TAGS,
    ExportDocument,
    group_by_document,
)
from aiwatch_tui.core.model import DocumentNote, Highlight
from aiwatch_tui.core.text.sanitize import for_export
from aiwatch_tui.core.uris import source_uri

READWISE_COLUMNS = ("Highlight", "Title", "Author", "URL", "Note", "Location", "Date")
# Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: formula-like starts get a leading single quote."""
    cell = for_export(text)
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def _readwise_date(timestamp: str) -> str:
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def to_csv(
    highlights: Iterable[Highlight],
    documents: Mapping[str, ExportDocument],
    notes: Iterable[DocumentNote] = NO_NOTES,
) -> str:
    """Readwise's CSV import: one row per highlight, "\\r\\n" line ends (write with newline="").

    A note on a whole document is a row of its own, before the document's highlights, with
    the note and no Highlight text (nothing of the text was highlighted; Readwise itself
    imports only rows that have one). Location is the start offset; Date is `created` in UTC.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(READWISE_COLUMNS)
    for group in group_by_document(highlights, documents, notes, NO_TAGS):
        document = group.document
        about = [
            _csv_cell(document.title),
            _csv_cell(document.author),
            _csv_cell(source_uri(document.key)),
        ]
        for note in group.notes:
            writer.writerow(["", *about, _csv_cell(note.text), "", _readwise_date(note.created)])
        for h in group.highlights:
            writer.writerow(
                [
                    _csv_cell(h.exact),
                    *about,
                    _csv_cell(h.note),
                    str(h.start),
                    _readwise_date(h.created),
                ]
            )
    return buffer.getvalue()
