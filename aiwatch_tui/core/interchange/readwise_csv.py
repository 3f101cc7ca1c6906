"""Readwise's CSV import format: one row per highlight, cells a spreadsheet shows as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from aiwatch_tui.core.interchange.grouping import ExportDocument, document_for, highlight_order
from aiwatch_tui.core.model import Highlight
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


def to_csv(highlights: Iterable[Highlight], documents: Mapping[str, ExportDocument]) -> str:
    """Readwise's CSV import: one row per highlight, "\\r\\n" line ends (write with newline="").

    Document notes have no highlighted text, so Readwise has no row for them; they are left out.
    Location is the start offset; Date is `created` in UTC.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(READWISE_COLUMNS)
    for h in sorted(highlights, key=highlight_order):
        document = document_for(h.doc_key, documents)
        writer.writerow(
            [
                _csv_cell(h.exact),
                _csv_cell(document.title),
                _csv_cell(document.author),
                _csv_cell(source_uri(h.doc_key)),
                _csv_cell(h.note),
                str(h.start),
                _readwise_date(h.created),
            ]
        )
    return buffer.getvalue()
