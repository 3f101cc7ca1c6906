"""Imports: an annotation file read and checked whole, its annotations anchored in the current
texts of the documents an import may read (the library's, and those named for it), and
merged into the store in one transaction."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from aiwatch_tui.core.anchoring import reanchor_highlight
from aiwatch_tui.core.files import describe_os_error, human_size
from aiwatch_tui.core.interchange.errors import InterchangeError
from aiwatch_tui.core.interchange.w3c_read import (
    ImportedDocumentNote,
    ImportedHighlight,
    ParseResult,
    parse_annotations,
)
from aiwatch_tui.core.library.loading import SourceReader
from aiwatch_tui.core.library.sources import Source, document_key, library_sources
from aiwatch_tui.core.model import AnchorStatus, Document, DocumentNote, Highlight
from aiwatch_tui.core.operations.library import library_reader
from aiwatch_tui.core.store import MergeResult, Store
from aiwatch_tui.core.text.document import DocumentError
from aiwatch_tui.core.text.sanitize import one_line
from aiwatch_tui.core.uris import UriKind, name_source

# An annotation file larger than this is refused before it is read into memory.
MAX_IMPORT_BYTES = 256 * 1024 * 1024
# A quote imported with neither position nor enough context is placed where it occurs when
# it occurs exactly once in the text and is at least this long (two or three words).
UNIQUE_QUOTE_CHARS = 12
# Why a source was not read, as the summary says it.
NOT_IN_LIBRARY = "not in the library"
NOT_BUNDLED = "no such bundled article"
WEB_PAGE = "a web page (aiwatch does not fetch pages yet)"
OTHER_HOST = "a file on another computer"
NOT_READABLE = "not a document aiwatch can read"


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did, for the user."""

    file: str  # the file's name, safe to print
    highlights: MergeResult
    notes: MergeResult
    skipped: tuple[tuple[str, str], ...] = ()  # (where in the file, why)
    orphaned: int = 0  # imported highlights not found in the (read) text of their document
    not_read: tuple[tuple[str, str], ...] = ()  # (document key, why it was not read)
    unreadable: tuple[tuple[str, str], ...] = ()  # (library document, why it failed to load)

    @property
    def changed(self) -> bool:
        return any(
            result.added or result.updated or result.reanchored
            for result in (self.highlights, self.notes)
        )

    def lines(self) -> list[str]:
        """A readable summary, one line each (untrusted text made safe)."""
        lines = [
            f"imported {self.file}:",
            f"  highlights: {_counts(self.highlights)}",
            f"  document notes: {_counts(self.notes)}",
        ]
        if self.skipped:
            lines.append(f"  skipped: {len(self.skipped)}")
            lines += [f"    {one_line(where)}: {one_line(why)}" for where, why in self.skipped]
        if self.orphaned:
            lines.append(
                f"  orphaned: {self.orphaned} (quote not found in the current text; kept, "
                "shown apart from the text)"
            )
        if self.not_read:
            lines.append("  not read, their annotations kept as orphaned:")
            lines += [f"    {one_line(key)}: {why}" for key, why in self.not_read]
            if any(why == NOT_IN_LIBRARY for _key, why in self.not_read):
                lines.append(
                    "  to read a file: aiwatch add PATH, then import again "
                    "(or name it for this import only: aiwatch import FILE PATH)"
                )
        for key, problem in self.unreadable:
            lines.append(f"  could not be read, kept as orphaned: {one_line(key)} ({problem})")
        if not self.changed:
            lines.append("  nothing changed")
        return lines


def _counts(result: MergeResult) -> str:
    counts = f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged"
    return counts + (f", {result.reanchored} re-anchored" if result.reanchored else "")


def read_annotation_file(path: Path) -> ParseResult:
    """Read and parse an annotation file; InterchangeError (one line naming it) when it cannot
    be read or is malformed. Nothing is written anywhere."""
    name = one_line(str(path))
    try:
        with open(path, "rb") as stream:
            if os.fstat(stream.fileno()).st_size > MAX_IMPORT_BYTES:
                raise InterchangeError(
                    f"{name}: too large to be an annotation file "
                    f"(more than {human_size(MAX_IMPORT_BYTES)})"
                )
            data = stream.read()
    except IsADirectoryError:
        raise InterchangeError(f"{name}: is a folder, not an annotation file") from None
    except OSError as error:
        raise InterchangeError(f"{name}: cannot be read ({describe_os_error(error)})") from None
    return parse_annotations(data, name)


class _ReadableDocuments:
    """The documents an import may read, and nothing else: the library's (bundled, added,
    under an added folder) and those named on the command line. A source from the file is
    looked up here; the file system is asked only to resolve a path's symbolic links, so that
    a library document named through a link is recognised. A document is loaded once."""

    def __init__(self, sources: Iterable[Source], reader: SourceReader) -> None:
        self._reader = reader
        self._sources = {source.key: source for source in sources}
        self._loaded: dict[str, tuple[Document | None, str]] = {}

    def locate(self, source: str) -> tuple[str, str]:
        """(document key, "") for a readable document, else (the key the source names, why
        it is not read)."""
        named = name_source(source)
        if named is None:  # the parser skips these; kept safe here all the same
            return source, NOT_READABLE
        if named.kind is UriKind.SEED:
            return named.key, "" if named.key in self._sources else NOT_BUNDLED
        if named.kind is UriKind.WEB:
            return named.key, WEB_PAGE
        if named.kind is UriKind.OTHER:
            on_host = named.key[:7].lower() == "file://"
            return named.key, OTHER_HOST if on_host else NOT_READABLE
        if named.key in self._sources:
            return named.key, ""
        real = document_key(Path(named.path))
        if real in self._sources:
            return real, ""
        return named.key, NOT_IN_LIBRARY

    def loaded(self) -> Mapping[str, tuple[Document | None, str]]:
        return self._loaded

    def load(self, key: str) -> tuple[Document | None, str]:
        """The document (a key `locate` found readable), or (None, why it failed)."""
        if key not in self._loaded:
            try:
                self._loaded[key] = (self._reader.load(self._sources[key]), "")
            except DocumentError as error:
                self._loaded[key] = (None, str(error))
        return self._loaded[key]


def _anchored(imported: ImportedHighlight, key: str, document: Document | None) -> Highlight:
    """The Highlight to store: placed in the document's current text by the re-anchoring
    rules; kept (orphaned) when the document was not read."""
    start = imported.start if imported.start is not None else 0
    end = imported.end if imported.end is not None else 0
    # The file's hints (content hash, status) let re-anchoring keep what still holds, so an
    # export imported back into the same texts stores exactly what was exported.
    status = imported.status or AnchorStatus.ANCHORED
    highlight = replace(
        imported.to_highlight(imported.content_hash, start, end, status), doc_key=key
    )
    if document is None:
        return replace(highlight, status=AnchorStatus.ORPHANED)
    placed = reanchor_highlight(document.text, document.content_hash, highlight)
    if imported.start is not None:
        return placed
    if placed.status is AnchorStatus.MOVED:
        # Found by its quote, with no old position to have moved from.
        return replace(placed, status=AnchorStatus.ANCHORED)
    if placed.status is AnchorStatus.ORPHANED and len(imported.exact) >= UNIQUE_QUOTE_CHARS:
        # Another tool's quote without context or position: re-anchoring wants context for
        # a short quote, but a quote found once, and only once, in the text is that place.
        first = document.text.find(imported.exact)
        if first >= 0 and document.text.find(imported.exact, first + 1) < 0:
            end = first + len(imported.exact)
            return replace(
                placed,
                start=first,
                end=end,
                status=AnchorStatus.ANCHORED,
                doc_hash=document.content_hash,
            )
    return placed


def import_parsed(
    store: Store,
    parsed: ParseResult,
    file_name: str,
    sources: Sequence[Source] | None = None,
    named: Sequence[Source] = (),
) -> ImportSummary:
    """Anchor parsed annotations in the current texts and merge them in one transaction.

    Only documents of the library (`sources`, default: library_sources(store)) and those
    `named` on the command line are read. An annotation on any other source is kept, as an
    orphan with its quote and note, under the key its source names; importing the file
    again once the document is in the library places it. Nothing is added to the library.
    """
    if sources is None:
        sources, _problems = library_sources(store.library_paths())
    documents = _ReadableDocuments([*sources, *named], library_reader(store))
    highlights: list[Highlight] = []
    notes: list[DocumentNote] = []
    tags: dict[str, tuple[str, ...]] = {}
    not_read: dict[str, str] = {}  # in the order the file names them
    unreadable: dict[str, str] = {}
    for annotation in parsed.annotations:
        key, why = documents.locate(annotation.source)
        document: Document | None = None
        if why:
            not_read.setdefault(key, why)
        else:
            document, problem = documents.load(key)
            if document is None:
                unreadable.setdefault(key, problem)
        if annotation.tags:
            tags[annotation.id] = annotation.tags
        if isinstance(annotation, ImportedDocumentNote):
            notes.append(annotation.to_note(key))
        else:
            highlights.append(_anchored(annotation, key, document))
    read = {key for key, (document, _) in documents.loaded().items() if document is not None}
    merged = store.merge_annotations(highlights, notes, tags, read)
    orphaned = sum(h.status is AnchorStatus.ORPHANED and h.doc_key in read for h in highlights)
    return ImportSummary(
        file=file_name,
        highlights=merged.highlights,
        notes=merged.notes,
        skipped=tuple(parsed.skipped),
        orphaned=orphaned,
        not_read=tuple(not_read.items()),
        unreadable=tuple(unreadable.items()),
    )


def import_annotations(
    store: Store,
    path: Path,
    sources: Sequence[Source] | None = None,
    named: Sequence[Source] = (),
) -> ImportSummary:
    """Read, check, anchor and merge an annotation file: all of it or (malformed) none."""
    parsed = read_annotation_file(path)
    return import_parsed(store, parsed, one_line(str(path)), sources, named)
