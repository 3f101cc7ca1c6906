"""The glue between the store, the documents, anchoring and the interchange formats.

`aiwatch export`, `import`, `list`, `doctor` and `search` (and the app's export command) call
these; the formats themselves are in core.export, the SQL in core.store. Nothing here prints:
functions return data and one-line messages, and raise StoreError, DocumentError or
InterchangeError (all one line) for the caller to show.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from aiwatch_tui.core.anchoring import reanchor_highlight
from aiwatch_tui.core.export import (
    ExportDocument,
    ImportedDocumentNote,
    ImportedHighlight,
    InterchangeError,
    ParseResult,
    parse_annotations,
    to_csv,
    to_json,
    to_markdown,
)
from aiwatch_tui.core.files import describe_os_error, human_size
from aiwatch_tui.core.library.catalog import Catalog, info_from_document
from aiwatch_tui.core.library.loading import LIBRARY
from aiwatch_tui.core.library.sources import (
    Source,
    SourceKind,
    bundled_sources,
    discover,
    document_key,
    seeds_dir,
)
from aiwatch_tui.core.library.sources import library_sources as core_library_sources
from aiwatch_tui.core.model import AnchorStatus, Document, DocumentInfo, DocumentNote, Highlight
from aiwatch_tui.core.store import SCHEMA_VERSION, MergeResult, Store
from aiwatch_tui.core.store.inspection import DatabaseReport, inspect_database
from aiwatch_tui.core.text.document import DocumentError
from aiwatch_tui.core.text.sanitize import one_line
from aiwatch_tui.core.uris import SEED_PREFIX, UriKind, key_from_source, name_source
from aiwatch_tui.paths import SEARCH_INDEX_NAME

ExportFormat = Literal["json", "markdown", "csv"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("json", "markdown", "csv")
# The full-text index and document metadata cache, in the cache directory (derived data).
# An annotation file larger than this is refused before it is read into memory.
MAX_IMPORT_BYTES = 256 * 1024 * 1024


def search_index_path(cache_dir: Path) -> Path:
    """Where the full-text index lives; the app and `aiwatch search` share it."""
    return cache_dir / SEARCH_INDEX_NAME


# ---------------------------------------------------------------------------------------------
# The library
# ---------------------------------------------------------------------------------------------


def library_sources(store: Store) -> tuple[list[Source], list[str]]:
    """The bundled articles and every document under the library's paths, with problems."""
    return core_library_sources(store.library_paths())


def cached_infos(cache_dir: Path) -> dict[str, DocumentInfo]:
    """Document metadata from the search index, when it has been built; never creates it."""
    index_file = search_index_path(cache_dir)
    if not index_file.is_file():
        return {}
    from aiwatch_tui.core.find.fulltext.index import FullTextIndex

    try:
        index = FullTextIndex(index_file)
        try:
            return index.infos()
        finally:
            index.close()
    except (sqlite3.Error, OSError):
        return {}  # derived data: a cache we cannot read is a cache we do without


def _fresh(info: DocumentInfo | None, source: Source) -> DocumentInfo | None:
    """`info` if it still describes the source's text (same size and modification time)."""
    if info is None:
        return None
    try:
        version = LIBRARY.version(source)
    except OSError:
        return None
    if (info.size, info.mtime_ns) != version:
        return None
    return info


def _load_info(source: Source) -> DocumentInfo:
    """Parse the document for its metadata; DocumentError (one line) when it cannot be."""
    try:
        version = LIBRARY.version(source)
    except OSError as error:
        name = one_line(str(source.path) if source.path is not None else source.key)
        raise DocumentError(f"{name}: {describe_os_error(error)}") from None
    return info_from_document(LIBRARY.load(source), version)


def document_infos(
    sources: Sequence[Source], cached: Mapping[str, DocumentInfo] | None = None
) -> tuple[list[DocumentInfo], list[str]]:
    """Metadata of each source, from `cached` when the file is unchanged, else by parsing it;
    problems are one line each and do not stop the others."""
    infos: list[DocumentInfo] = []
    problems: list[str] = []
    for source in sources:
        info = _fresh((cached or {}).get(source.key), source)
        if info is None:
            try:
                info = _load_info(source)
            except DocumentError as error:
                problems.append(str(error))
                continue
        infos.append(info)
    return infos, problems


# ---------------------------------------------------------------------------------------------
# Naming documents
# ---------------------------------------------------------------------------------------------


def _seed_path(key: str) -> Path | None:
    path = seeds_dir() / key[len(SEED_PREFIX) :]
    return path if path.is_file() else None


def _source_of(key: str, by_key: Mapping[str, Source]) -> Source | None:
    """Where the document `key` is read from: only a document of `by_key` (the library) or
    a bundled one. A key can come from an imported file, so any other path is never read."""
    if key in by_key:
        return by_key[key]
    if key.startswith(SEED_PREFIX):
        path = _seed_path(key)
        return None if path is None else Source(key, path, SourceKind.SEED)
    return None


def canonical_key(doc_key: str) -> str:
    """The key a document is stored under: a path resolved (symlinks followed; a file in the
    seeds folder becomes its "seeds/<name>" key); a seed key as it is."""
    if doc_key.startswith(SEED_PREFIX):
        return doc_key
    return document_key(Path(doc_key))


def resolve_document(spec: str, known_keys: Iterable[str] = ()) -> str:
    """The document key that `spec` names: an existing path, a file:// or urn:aiwatch: URI,
    a bundled article's name ("000_x.txt" or "seeds/000_x.txt"), or a key that annotations
    still use (a file that has vanished). InterchangeError when it names nothing."""
    shown = one_line(spec)
    if spec.lower().startswith(("file:", "urn:")):
        key = key_from_source(spec)
        if key is None:
            raise InterchangeError(f"{shown}: not a file:// or urn:aiwatch:seeds/ URI")
        return canonical_key(key)
    path = Path(spec).expanduser()
    if path.exists():
        return document_key(path)
    name = spec[len(SEED_PREFIX) :] if spec.startswith(SEED_PREFIX) else spec
    if "/" not in name and _seed_path(SEED_PREFIX + name) is not None:
        return SEED_PREFIX + name
    absolute = str(path.absolute())
    for key in known_keys:
        if key in (spec, absolute):
            return key
    raise InterchangeError(
        f"{shown}: no such document (give a path, a file:// or urn:aiwatch: URI, "
        "or a bundled article's name)"
    )


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def _export_document(
    key: str, source: Source | None, cached: Mapping[str, DocumentInfo]
) -> ExportDocument | None:
    if source is None:
        return None
    info = _fresh(cached.get(key), source)
    if info is None:
        try:
            info = _load_info(source)
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
        documents, _problems = library_sources(store)
    highlights = store.highlights(document)
    notes = [note for note in store.document_notes() if document in (None, note.doc_key)]
    known: dict[str, DocumentInfo] = dict(cached or {})
    if isinstance(documents, Catalog):
        by_key = {source.key: source for source in documents.sources}
        known.update({info.key: info for info in documents.infos()})
    else:
        by_key = {source.key: source for source in documents}
    keys = sorted({h.doc_key for h in highlights} | {note.doc_key for note in notes})
    described = {key: _export_document(key, _source_of(key, by_key), known) for key in keys}
    export_documents = {key: doc for key, doc in described.items() if doc is not None}
    tags = store.tags()
    if fmt == "json":
        return to_json(highlights, export_documents, notes, tags)
    if fmt == "markdown":
        return to_markdown(highlights, export_documents, notes, tags)
    return to_csv(highlights, export_documents)


def write_private_file(path: Path, text: str) -> Path:
    """Write `text` (UTF-8, newlines as they are) to `path`, mode 0600, atomically: a
    temporary file in the same folder, flushed to disk, then renamed over `path`. Returns the
    absolute path written; OSError names `path`."""
    target = path.expanduser().absolute()
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as error:
        # Name the file the user asked for, not our temporary one.
        raise OSError(error.errno, error.strerror, str(target)) from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OSError(error.errno, error.strerror, str(target)) from None
        raise
    return target


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------

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

    def __init__(self, sources: Iterable[Source]) -> None:
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
                self._loaded[key] = (LIBRARY.load(self._sources[key]), "")
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
        sources, _problems = library_sources(store)
    documents = _ReadableDocuments([*sources, *named])
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


# ---------------------------------------------------------------------------------------------
# Doctor
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DoctorReport:
    lines: list[str] = field(default_factory=list)
    healthy: bool = True


def _describe_file(path: Path) -> str:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return f"{one_line(str(path))} (not created yet)"
    except OSError as error:
        return f"{one_line(str(path))} ({describe_os_error(error)})"
    return f"{one_line(str(path))} ({human_size(status.st_size)})"


def _is_local(key: str) -> bool:
    """A bundled article's or a file's key, not a web page's or another URI's."""
    return key.startswith(SEED_PREFIX) or os.path.isabs(key)


def _document_exists(key: str) -> bool:
    if key.startswith(SEED_PREFIX):
        return _seed_path(key) is not None
    return os.path.exists(key)


def _recovery_advice(db: Path) -> list[str]:
    shown = one_line(str(db))
    return [
        "what to do:   the file was left exactly as it is. Close every aiwatch, then move the",
        "              database aside, with its -wal and -shm files if they exist:",
        f"                mv '{shown}' '{shown}.damaged'",
        "              and either restore a backup (made by `aiwatch backup`):",
        f"                cp BACKUP.db '{shown}'",
        "              or let aiwatch start an empty database the next time it runs.",
    ]


def _is_damage(report: DatabaseReport) -> bool:
    damage_words = ("malformed", "not a database", "corrupt")
    return report.integrity not in ("", "ok") or any(w in report.problem for w in damage_words)


def _database_lines(report: DatabaseReport) -> list[str]:
    if not report.exists:
        return [f"database:     {one_line(str(report.path))} (not created yet: nothing saved)"]
    lines = [
        f"database:     {one_line(str(report.path))} "
        f"({human_size(report.size)}, mode {report.mode:o})"
    ]
    if report.problem:
        return [*lines, f"problem:      {one_line(report.problem)}"]
    newer = (
        " — written by a newer aiwatch: upgrade" if report.schema_version > SCHEMA_VERSION else ""
    )
    lines.append(f"schema:       {report.schema_version} (this aiwatch: {SCHEMA_VERSION}){newer}")
    integrity = "ok" if report.integrity == "ok" else f"DAMAGED: {one_line(report.integrity)}"
    lines.append(f"integrity:    {integrity}")
    return lines


def doctor(db: Path, cache_dir: Path, config_dir: Path) -> DoctorReport:
    """Where everything lives and whether the database is sound; reads, never writes."""
    report = inspect_database(db)
    lines = _database_lines(report)
    lines += [
        f"search index: {_describe_file(search_index_path(cache_dir))}",
        f"cache dir:    {one_line(str(cache_dir))}",
        f"config dir:   {one_line(str(config_dir))}",
    ]
    if report.exists and not report.healthy:
        what = "damaged" if _is_damage(report) else "unusable"
        lines.insert(0, f"aiwatch doctor: the database is {what}")
        return DoctorReport([*lines, *_recovery_advice(db)], healthy=False)
    bundled = bundled_sources()
    library, problems = discover([Path(p) for p in report.library_paths])
    bundled_keys = {source.key for source in bundled}
    sources = bundled + [s for s in library if s.key not in bundled_keys]
    # Each document is opened (unchanged ones known from the search index are not re-read):
    # the counts are of documents that open, and the others are listed with why.
    infos, unreadable = document_infos(sources, cached_infos(cache_dir))
    unopenable = [*problems, *unreadable]
    in_bundle = sum(info.key in bundled_keys for info in infos)
    local = [key for key in report.annotated_keys if _is_local(key)]
    vanished = sum(not _document_exists(key) for key in local)
    elsewhere = len(report.annotated_keys) - len(local)
    lines += [
        f"documents:    {len(infos)} ({in_bundle} bundled, {len(infos) - in_bundle} in the "
        f"library; {len(unopenable)} could not be opened)",
        f"highlights:   {report.highlights} ({report.orphaned} orphaned)",
        f"notes:        {report.highlight_notes + report.document_notes} "
        f"({report.highlight_notes} on highlights, {report.document_notes} on documents)",
        f"annotated documents that no longer exist: {vanished}",
        f"annotated pages and documents not read yet (imported): {elsewhere}",
        f"library:      {len(report.library_paths)} path(s)",
    ]
    for path in report.library_paths:
        if not os.path.exists(path):
            shown = one_line(path)
            lines.append(f"  missing:    {shown} — forget it with: aiwatch remove '{shown}'")
    if unopenable:
        lines.append(f"could not be opened: {len(unopenable)}")
        lines += [f"  {one_line(problem)}" for problem in unopenable]
    return DoctorReport(lines, healthy=True)


# ---------------------------------------------------------------------------------------------
# Full-text search from the command line
# ---------------------------------------------------------------------------------------------


def _path_text(source: Source) -> str | None:
    return None if source.path is None else str(source.path)


@dataclass(frozen=True, slots=True)
class SearchResult:
    key: str
    title: str
    path: str | None
    section: str
    offset: int
    snippet: str
    marks: tuple[tuple[int, int], ...]


def search_library(
    index_file: Path,
    query: str,
    wanted: Sequence[Source],
    also_index: Sequence[Source] = (),
    limit: int = 20,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[SearchResult], tuple[str, ...]]:
    """Bring the index up to date (incrementally) and search the `wanted` documents.

    The index is shared with the app, which indexes the whole library: `also_index` (the
    library) is kept indexed alongside `wanted` so that searching a few paths does not evict
    the library and cost the app a re-index. Returns (results, problems of unreadable files).
    """
    from aiwatch_tui.core.find.fulltext.index import FullTextIndex

    by_key = {source.key: source for source in also_index}
    by_key.update({source.key: source for source in wanted})
    wanted_keys = {source.key for source in wanted}
    index = FullTextIndex(index_file)
    try:
        stats = index.update(list(by_key.values()), progress=progress)
        results: list[SearchResult] = []
        asked = limit if len(wanted_keys) == len(by_key) else limit * 4
        while True:
            hits = index.search(query, limit=asked)
            results = [
                SearchResult(
                    key=hit.doc_key,
                    title=hit.title,
                    path=_path_text(by_key[hit.doc_key]),
                    section=hit.section,
                    offset=hit.offset,
                    snippet=hit.snippet,
                    marks=hit.marks,
                )
                for hit in hits
                if hit.doc_key in wanted_keys
            ]
            # Hits from other documents crowded the wanted ones out: ask for more.
            if len(results) >= limit or len(hits) < asked:
                return results[:limit], stats.problems
            asked *= 4
    finally:
        index.close()
