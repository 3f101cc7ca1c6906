"""The set of documents the app is showing: their sources, list metadata and parsed texts.

The list needs only a title and a word count per document, so the catalog keeps
`DocumentInfo` for every source and parses full documents on demand, keeping a few
recently opened ones. A library of thousands of articles then costs its metadata,
not its text. Texts are read through a SourceReader (core.library.loading), whatever their
kind of source.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from aiwatch_tui.core.library.loading import LIBRARY, SourceReader, Version
from aiwatch_tui.core.library.sources import Source
from aiwatch_tui.core.model import Document, DocumentInfo
from aiwatch_tui.core.text.document import DocumentError

# Parsed documents kept in memory; enough for flipping between a handful of articles.
_KEEP_DOCUMENTS = 8


class Problem(NamedTuple):
    """A document that could not be opened, with its one-line reason."""

    key: str
    message: str


def info_from_document(doc: Document, version: Version) -> DocumentInfo:
    return DocumentInfo(
        key=doc.key,
        path=doc.path,
        title=doc.title,
        word_count=doc.word_count,
        size=version.size,
        mtime_ns=version.mtime_ns,
        content_hash=doc.content_hash,
        notices=doc.notices,
    )


class Scanned(NamedTuple):
    """What reading some sources found: metadata of those that open, and why the others do
    not. Read by `read_infos` (any thread), taken by `Catalog.record` (the catalog's owner)."""

    infos: list[DocumentInfo]
    problems: list[Problem]


def read_infos(
    reader: SourceReader, sources: Iterable[Source], cancelled: Callable[[], bool] | None = None
) -> Scanned:
    """Parse each source for its metadata, without keeping anything (stops when `cancelled()`)."""
    infos: list[DocumentInfo] = []
    problems: list[Problem] = []
    for source in sources:
        if cancelled is not None and cancelled():
            break
        try:
            version = reader.version(source)
            infos.append(info_from_document(reader.load(source), version))
        except DocumentError as error:
            problems.append(Problem(source.key, str(error)))
        except OSError as error:
            problems.append(Problem(source.key, _os_problem(source, error)))
    return Scanned(infos, problems)


def _os_problem(source: Source, error: OSError) -> str:
    name = source.path.name if source.path is not None else source.key
    return f"{name}: {error.strerror or error}"


class Catalog:
    """Sources in display order, their metadata once known, and an LRU of parsed documents."""

    def __init__(self, sources: Sequence[Source], reader: SourceReader = LIBRARY) -> None:
        self.reader = reader
        self.sources: list[Source] = list(sources)
        self._by_key = {source.key: source for source in self.sources}
        self._infos: dict[str, DocumentInfo] = {}
        self._problems: dict[str, Problem] = {}
        self._documents: OrderedDict[str, Document] = OrderedDict()
        self._lock = threading.Lock()

    # -- metadata ---------------------------------------------------------------------------

    def info(self, key: str) -> DocumentInfo | None:
        return self._infos.get(key)

    def infos(self) -> list[DocumentInfo]:
        """Metadata of every openable document, in source order (safe from any thread)."""
        with self._lock:
            return [self._infos[s.key] for s in self.sources if s.key in self._infos]

    def problems(self) -> list[Problem]:
        with self._lock:
            return [self._problems[s.key] for s in self.sources if s.key in self._problems]

    def adopt_infos(self, infos: Iterable[DocumentInfo]) -> None:
        """Take metadata known from elsewhere (the index cache) for unchanged files."""
        for info in infos:
            if info.key in self._by_key:
                self._infos[info.key] = info

    def size_at_most(self, sources: Iterable[Source], limit: int) -> bool:
        """Whether the texts of `sources` add up to at most `limit` bytes (counting stops as
        soon as they do not: a large library costs a few looks, not all)."""
        total = 0
        for source in sources:
            try:
                total += self.reader.version(source).size
            except OSError:
                continue
            if total > limit:
                return False
        return True

    def missing_infos(self) -> list[Source]:
        return [s for s in self.sources if s.key not in self._infos and s.key not in self._problems]

    def scan(
        self,
        sources: Iterable[Source] | None = None,
        on_info: Callable[[DocumentInfo], None] | None = None,
        on_problem: Callable[[Problem], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        """Parse the given (default: not yet known) sources to learn their metadata."""
        for source in list(sources if sources is not None else self.missing_infos()):
            if cancelled is not None and cancelled():
                return
            result = self.load(source.key)
            if isinstance(result, Problem):
                if on_problem is not None:
                    on_problem(result)
            elif on_info is not None:
                on_info(self._infos[source.key])

    def record(self, scanned: Scanned) -> None:
        """Take what `read_infos` found (for sources of this catalog)."""
        with self._lock:
            for info in scanned.infos:
                if info.key in self._by_key:
                    self._infos[info.key] = info
                    self._problems.pop(info.key, None)
            for problem in scanned.problems:
                if problem.key in self._by_key:
                    self._problems[problem.key] = problem

    def stale_keys(self, sources: Sequence[Source]) -> set[str]:
        """The documents known now whose text may differ under `sources` (changed or gone).
        Only looks (safe from any thread): `replace_sources` acts on it."""
        by_key = {source.key: source for source in sources}
        with self._lock:
            known = list(self._infos.items())
        stale: set[str] = set()
        for key, info in known:
            source = by_key.get(key)
            try:
                version = self.reader.version(source) if source is not None else None
            except OSError:
                version = None
            if version is None or version != (info.size, info.mtime_ns):
                stale.add(key)
        return stale

    def replace_sources(self, sources: Sequence[Source], stale: Iterable[str]) -> None:
        """Take a new list of sources, forgetting what is known of the `stale` documents."""
        with self._lock:
            self.sources = list(sources)
            self._by_key = {source.key: source for source in self.sources}
            for key in stale:
                self._infos.pop(key, None)
                self._documents.pop(key, None)
            self._problems.clear()  # a file that could not be read may be readable now

    def refresh(self, sources: Sequence[Source]) -> set[str]:
        """Take a new list of sources; forget what is known of files that changed or vanished.

        Returns the keys whose text may differ from what was shown (changed or gone)."""
        stale = self.stale_keys(sources)
        self.replace_sources(sources, stale)
        return stale

    # -- documents --------------------------------------------------------------------------

    def load(self, key: str) -> Document | Problem:
        """The parsed document for `key`, from memory or from its file."""
        with self._lock:
            cached = self._documents.get(key)
            if cached is not None:
                self._documents.move_to_end(key)
                return cached
        source = self._by_key.get(key)
        if source is None:
            return Problem(key, f"{key}: not in this library")
        try:
            version = self.reader.version(source)
            document = self.reader.load(source)
        except DocumentError as error:
            problem = Problem(key, str(error))
            self._problems[key] = problem
            return problem
        except OSError as error:
            problem = Problem(key, _os_problem(source, error))
            self._problems[key] = problem
            return problem
        with self._lock:
            self._infos[key] = info_from_document(document, version)
            self._problems.pop(key, None)
            self._documents[key] = document
            while len(self._documents) > _KEEP_DOCUMENTS:
                self._documents.popitem(last=False)
        return document
