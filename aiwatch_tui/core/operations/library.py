"""The library as the command line and the app open it: which documents to show, their
metadata (from the search index's cache when unchanged), how a document is named on the
command line, the paths users add, and the rows that list documents."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from aiwatch_tui.core.annotations import reanchored
from aiwatch_tui.core.files import describe_file_kind, describe_os_error
from aiwatch_tui.core.interchange.errors import InterchangeError
from aiwatch_tui.core.library.catalog import info_from_document
from aiwatch_tui.core.library.loading import (
    FILES,
    LIBRARY,
    LibraryReader,
    PipedReader,
    SourceReader,
    Version,
    read_file_bytes,
)
from aiwatch_tui.core.library.sources import (
    Folders,
    Source,
    SourceKind,
    discover,
    document_key,
    library_sources,
    seeds_dir,
)
from aiwatch_tui.core.model import Document, DocumentInfo, DocumentRow, Highlight
from aiwatch_tui.core.store import Store, StoreError
from aiwatch_tui.core.store.web import ArticleTexts
from aiwatch_tui.core.text.document import DocumentError, document_from_text
from aiwatch_tui.core.text.sanitize import one_line, visible
from aiwatch_tui.core.uris import SEED_PREFIX, key_from_source


class ArticleReader:
    """Fetched web articles: their text is in the database (picklable, for the index's
    parsing processes: see ArticleTexts)."""

    def __init__(self, db: Path) -> None:
        self.texts = ArticleTexts(db)

    def version(self, source: Source) -> Version:
        version = self.texts.version(source.key)
        if version is None:
            raise FileNotFoundError(f"{source.key}: not stored")
        return Version(*version)

    def load(self, source: Source) -> Document:
        try:
            text = self.texts.text(source.key)
        except StoreError as error:
            raise DocumentError(str(error)) from None
        if text is None:
            raise DocumentError(f"{one_line(source.key)}: no longer stored")
        author, published = self.texts.byline(source.key)
        return with_byline(document_from_text(text, source.key, markdown=True), author, published)


class HtmlFileReader:
    """A saved web page (`aiwatch page.html`): read through the same extraction as a fetched
    page, and shown as its article in Markdown, its title first."""

    def version(self, source: Source) -> Version:
        return FILES.version(source)

    def load(self, source: Source) -> Document:
        from aiwatch_tui.core.operations.feeds import article_text
        from aiwatch_tui.core.web.extract import extract_article

        path = source.path
        name = one_line(str(path) if path is not None else source.key)
        if path is None:
            raise DocumentError(f"{name}: no file to read")
        data = read_file_bytes(path, name)
        article = extract_article(data, path.absolute().as_uri())
        if article is None:
            raise DocumentError(f"{name}: no article text found in the page")
        text = article_text(article.title or path.stem, article.markdown, summary_only=False)
        document = document_from_text(text, source.key, markdown=True, path=path)
        return with_byline(document, article.author, article.published)


def with_byline(document: Document, author: str, published: str) -> Document:
    """A web article's author and date (from the page or its feed: made visible, on one
    line), which the reader shows under its title as it does a Markdown file's front matter."""
    if not author and not published:
        return document
    return replace(document, author=visible(author).strip(), date=visible(published[:10]))


HTML_FILES = HtmlFileReader()


def library_reader(store: Store, piped: Mapping[str, bytes] | None = None) -> SourceReader:
    """How this library's documents are read: files and bundled articles from disk, fetched
    web articles from the store, and texts read from standard input (`aiwatch -`: `piped`,
    by key) from memory. Everything that reads documents (the app's catalog, the index,
    imports, exports, listings) reads them through this."""
    readers: dict[SourceKind, SourceReader] = {
        SourceKind.FILE: FILES,
        SourceKind.SEED: FILES,
        SourceKind.HTML: HTML_FILES,
        SourceKind.ARTICLE: ArticleReader(store.path),
    }
    if piped:
        readers[SourceKind.PIPED] = PipedReader(piped)
    return LibraryReader(readers)


def article_sources(store: Store) -> list[Source]:
    """Every stored web article, newest first."""
    return [Source(key, None, SourceKind.ARTICLE) for key in store.article_keys()]


def shown_sources(
    store: Store,
    targets: Sequence[Path] = (),
    folders: Folders | None = None,
    *,
    piped: bool = False,
) -> tuple[list[Source], list[str]]:
    """The documents to show: those the command line named, else (unless a text was read
    from standard input: `piped`) the fetched web articles (newest first), the bundled
    articles and the library; with one-line problems (a path that vanished, a file
    refused). `folders`: see library_sources."""
    if targets:
        return discover(targets)
    if piped:
        return [], []
    sources, problems = library_sources(store.library_paths(), folders)
    return article_sources(store) + sources, problems


def document_to_open(targets: Sequence[Path], sources: Sequence[Source]) -> str | None:
    """The key of the document to open at once: when the command line named one file."""
    if len(targets) == 1 and len(sources) == 1 and not Path(targets[0]).is_dir():
        return sources[0].key
    return None


def document_rows(store: Store, infos: Iterable[DocumentInfo]) -> list[DocumentRow]:
    """Each document with its reading progress and annotation counts (and, for a web
    article, its site, date and feed), as lists show it."""
    infos = list(infos)
    progress = store.progress_by_document()
    counts = store.annotation_counts([info.key for info in infos])
    articles = store.article_facts()
    rows: list[DocumentRow] = []
    for info in infos:
        highlights, notes = counts.get(info.key, (0, 0))
        facts = articles.get(info.key)
        row = DocumentRow(info, progress.get(info.key, 0.0), highlights, notes)
        if facts is not None:
            row = row._replace(site=facts[0], date=facts[1], feed_url=facts[2], is_article=True)
        rows.append(row)
    return rows


def fresh_info(
    info: DocumentInfo | None, source: Source, reader: SourceReader = LIBRARY
) -> DocumentInfo | None:
    """`info` if it still describes the source's text (same size and modification time)."""
    if info is None:
        return None
    try:
        version = reader.version(source)
    except OSError:
        return None
    if (info.size, info.mtime_ns) != version:
        return None
    return info


def load_info(source: Source, reader: SourceReader = LIBRARY) -> DocumentInfo:
    """Parse the document for its metadata; DocumentError (one line) when it cannot be."""
    try:
        version = reader.version(source)
    except OSError as error:
        name = one_line(str(source.path) if source.path is not None else source.key)
        raise DocumentError(f"{name}: {describe_os_error(error)}") from None
    return info_from_document(reader.load(source), version)


def document_infos(
    sources: Sequence[Source],
    cached: Mapping[str, DocumentInfo] | None = None,
    reader: SourceReader = LIBRARY,
) -> tuple[list[DocumentInfo], list[str]]:
    """Metadata of each source, from `cached` when the file is unchanged, else by parsing it;
    problems are one line each and do not stop the others."""
    infos: list[DocumentInfo] = []
    problems: list[str] = []
    for source in sources:
        info = fresh_info((cached or {}).get(source.key), source, reader)
        if info is None:
            try:
                info = load_info(source, reader)
            except DocumentError as error:
                problems.append(str(error))
                continue
        infos.append(info)
    return infos, problems


def reanchored_in_library(
    store: Store, hashes: Mapping[str, str], load: Callable[[str], Document | None]
) -> list[Highlight]:
    """Every highlight whose document's text changed since it was made (its `hashes`: key ->
    content hash now), placed anew in that text, so that the annotations screen and the
    counts tell the truth before each document is opened. Only reads (any thread may call
    it): the caller saves what it returns."""
    highlights: dict[str, list[Highlight]] = {}
    for highlight in store.highlights():
        current = hashes.get(highlight.doc_key)
        if current is not None and highlight.doc_hash != current:
            highlights.setdefault(highlight.doc_key, []).append(highlight)
    changed: list[Highlight] = []
    for key in sorted(highlights):
        document = load(key)
        if document is None:
            continue
        for before, after in zip(
            highlights[key], reanchored(document, highlights[key]), strict=True
        ):
            if after is not before:
                changed.append(after)
    return changed


# -- naming documents ------------------------------------------------------------------------


def seed_path(key: str) -> Path | None:
    path = seeds_dir() / key[len(SEED_PREFIX) :]
    return path if path.is_file() else None


def source_of(key: str, by_key: Mapping[str, Source]) -> Source | None:
    """Where the document `key` is read from: only a document of `by_key` (the library) or
    a bundled one. A key can come from an imported file, so any other path is never read."""
    if key in by_key:
        return by_key[key]
    if key.startswith(SEED_PREFIX):
        path = seed_path(key)
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
    if "/" not in name and seed_path(SEED_PREFIX + name) is not None:
        return SEED_PREFIX + name
    absolute = str(path.absolute())
    for key in known_keys:
        if key in (spec, absolute):
            return key
    raise InterchangeError(
        f"{shown}: no such document (give a path, a file:// or urn:aiwatch: URI, "
        "or a bundled article's name)"
    )


# -- the library's paths -------------------------------------------------------------------


def resolve_library_path(text: str) -> tuple[Path | None, str]:
    """(resolved path, "") of an existing folder or file to add, or (None, why not)."""
    try:
        resolved = Path(text).expanduser().resolve(strict=True)
        mode = os.stat(resolved).st_mode
    except (OSError, RuntimeError) as error:
        why = describe_os_error(error) if isinstance(error, OSError) else "symbolic link loop"
        return None, f"{one_line(text)}: {why}"
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        return None, f"{one_line(text)}: not a folder or file (it is {describe_file_kind(mode)})"
    return resolved, ""


def add_library_path(store: Store, path: Path) -> tuple[bool, int]:
    """Remember a resolved folder or file: (whether it was new, documents found under it)."""
    found = len(discover([path])[0])
    return store.add_library_path(str(path)), found


def remove_library_path(store: Store, text: str) -> str | None:
    """Forget a folder or file as it was added (given as typed, or resolved); the path
    forgotten, or None when it was not in the library. Its annotations are kept."""
    given = Path(text).expanduser()
    candidates = [str(given.absolute())]
    try:
        candidates.append(str(given.resolve()))
    except (OSError, RuntimeError):
        pass
    for candidate in candidates:
        if store.remove_library_path(candidate):
            return candidate
    return None
