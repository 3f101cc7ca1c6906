"""Exports: every highlight and note (or one document's) in a format of core.interchange, with
titles and hashes from the documents; and the app's export into the exports folder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

from aiwatch_tui.core.files import make_private_dirs, write_private_file
from aiwatch_tui.core.interchange.grouping import ExportDocument
from aiwatch_tui.core.interchange.markdown import to_markdown
from aiwatch_tui.core.interchange.readwise_csv import to_csv
from aiwatch_tui.core.interchange.w3c import to_json
from aiwatch_tui.core.library.catalog import Catalog
from aiwatch_tui.core.library.loading import SourceReader
from aiwatch_tui.core.library.sources import Source, library_sources
from aiwatch_tui.core.model import DocumentInfo
from aiwatch_tui.core.operations.library import fresh_info, library_reader, load_info, source_of
from aiwatch_tui.core.store import Store
from aiwatch_tui.core.text.document import DocumentError
from aiwatch_tui.paths import Paths

ExportFormat = Literal["json", "markdown", "csv"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("json", "markdown", "csv")
SUFFIXES: Mapping[ExportFormat, str] = {"markdown": "md", "json": "json", "csv": "csv"}


def _export_document(
    key: str, source: Source | None, cached: Mapping[str, DocumentInfo], reader: SourceReader
) -> ExportDocument | None:
    if source is None:
        return None
    info = fresh_info(cached.get(key), source, reader)
    if info is None:
        try:
            info = load_info(source, reader)
        except DocumentError:
            return None  # gone or unreadable: the writers fall back to the file name
    return ExportDocument.from_info(info)


def export_annotations(
    store: Store,
    documents: Catalog | Sequence[Source] | None,
    fmt: ExportFormat,
    document: str | None = None,
    *,
    cached: Mapping[str, DocumentInfo] | None = None,
) -> str:
    """Every highlight and document note (or those of the document key `document`) in `fmt`.

    Titles and content hashes come from the documents: `documents` (a Catalog's parsed
    metadata, or sources; by default the library) first, then `cached` metadata of unchanged
    files, then the file itself. Only those documents are read: one outside them (gone, never
    read, a web page) is named by its file name or address.
    """
    if documents is None:
        documents, _problems = library_sources(store.library_paths())
    highlights = store.highlights(document)
    notes = [note for note in store.document_notes() if document in (None, note.doc_key)]
    known: dict[str, DocumentInfo] = dict(cached or {})
    if isinstance(documents, Catalog):
        by_key = {source.key: source for source in documents.sources}
        known.update({info.key: info for info in documents.infos()})
    else:
        by_key = {source.key: source for source in documents}
    keys = sorted({h.doc_key for h in highlights} | {note.doc_key for note in notes})
    reader = library_reader(store)
    described = {key: _export_document(key, source_of(key, by_key), known, reader) for key in keys}
    export_documents = {key: doc for key, doc in described.items() if doc is not None}
    tags = store.tags()
    if fmt == "json":
        return to_json(highlights, export_documents, notes, tags)
    if fmt == "markdown":
        return to_markdown(highlights, export_documents, notes, tags)
    return to_csv(highlights, export_documents, notes)


def export_to_folder(store: Store, catalog: Catalog, fmt: ExportFormat, paths: Paths) -> Path:
    """Write every highlight and note to a new, dated file in the exports folder (beside the
    database: aiwatch writes nowhere the user did not choose); the path written. OSError or
    StoreError when it cannot be."""
    name = f"aiwatch-highlights-{datetime.now():%Y%m%d-%H%M%S}.{SUFFIXES[fmt]}"
    make_private_dirs(paths.exports_dir)
    text = export_annotations(store, catalog, fmt)
    return write_private_file(paths.exports_dir / name, text)
