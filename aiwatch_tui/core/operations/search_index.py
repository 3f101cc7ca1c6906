"""The full-text index as the command line and the app use it: the one place that opens it
(at Paths.search_index, shared by both), its cache of document metadata, keeping it up to
date, and searching the library from the command line."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiwatch_tui.core.find.fulltext.index import FullTextIndex, TextHit
from aiwatch_tui.core.library.loading import LIBRARY, SourceReader
from aiwatch_tui.core.library.sources import Source, SourceKind
from aiwatch_tui.core.library.walk_stamp import save_first_screen, stamp_holds
from aiwatch_tui.core.model import DocumentInfo
from aiwatch_tui.core.uris import SEED_PREFIX
from aiwatch_tui.paths import Paths


def open_search_index(paths: Paths, reader: SourceReader = LIBRARY) -> FullTextIndex:
    """The index (made, or rebuilt, as needed), reading documents with `reader`;
    SearchIndexUnavailable when something else stands where it should be."""
    return FullTextIndex(paths.search_index, reader)


def cached_infos(
    paths: Paths, known_paths: Mapping[str, Path | None] | None = None
) -> dict[str, DocumentInfo]:
    """Document metadata from the search index, when it has been built; never creates it.
    `known_paths`: see FullTextIndex.infos."""
    if not paths.search_index.is_file():
        return {}
    try:
        index = open_search_index(paths)
        try:
            return index.infos(known_paths)
        finally:
            index.close()
    except Exception:  # noqa: BLE001 - derived data: a cache we cannot read we do without
        return {}


def indexed_source(paths: Paths, key: str, library_paths: Sequence[str]) -> Source | None:
    """The source of document `key` as the index last saw it, if it lies in the library (a
    bundled article, or a file under one of `library_paths`); never creates the index."""
    if not paths.search_index.is_file():
        return None
    try:
        index = open_search_index(paths)
        try:
            info = index.info(key)
        finally:
            index.close()
    except Exception:  # noqa: BLE001 - derived data: a cache we cannot read we do without
        return None
    if info is None or info.path is None:
        return None
    if key.startswith(SEED_PREFIX):
        return Source(key, info.path, SourceKind.SEED)
    where = str(info.path)
    if any(where == p or where.startswith(os.path.join(p, "")) for p in library_paths):
        return Source(key, info.path, SourceKind.FILE)
    return None


def update_search_index(
    index: FullTextIndex,
    sources: Sequence[Source],
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> str:
    """Bring the index in line with `sources`: "" when done (or cancelled), else a one-line
    problem. A failure is typically another aiwatch indexing the same cache at the same
    moment: its work is kept, and a second pass picks up whatever is left."""
    for attempt in range(2):
        try:
            index.update(sources, progress=progress, cancelled=cancelled)
            return ""
        except Exception as error:  # noqa: BLE001 - search is optional; reading goes on
            if attempt == 1:
                return f"search index: {error}"
    return ""  # pragma: no cover - the loop returns


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


def _result(hit: TextHit, path: str | None) -> SearchResult:
    return SearchResult(
        key=hit.doc_key,
        title=hit.title,
        path=path,
        section=hit.section,
        offset=hit.offset,
        snippet=hit.snippet,
        marks=hit.marks,
    )


def search_unchanged_library(
    paths: Paths, query: str, library_paths: Sequence[str], limit: int = 20, articles: str = ""
) -> list[SearchResult] | None:
    """The library searched without walking it or looking at each document, when that is
    safe: the index was last updated from a walk of these `library_paths` whose folders have
    not changed since (core.library.walk_stamp), and the files of the results are as indexed.
    None when it is not (the caller walks the library and calls search_library).

    Costs one stat() per folder and per result, not per document: a file edited in place that
    is not among the results is seen at the next full update (by the app, or by a search once
    a folder changed)."""
    if not paths.search_index.is_file():
        return None
    index = open_search_index(paths)
    try:
        if not stamp_holds(index.library_stamp(), library_paths, articles):
            return None
        hits = index.search(query, limit=limit)
        indexed = index.versions(hit.doc_key for hit in hits)
        for path, size, mtime_ns in indexed.values():
            if path is None:
                continue  # a stored article: the articles' version in the stamp answers
            try:
                status = os.stat(path)
            except OSError:
                return None
            if (status.st_size, status.st_mtime_ns) != (size, mtime_ns):
                return None
        return [_result(hit, indexed[hit.doc_key][0]) for hit in hits if hit.doc_key in indexed]
    finally:
        index.close()


def search_library(
    paths: Paths,
    query: str,
    wanted: Sequence[Source],
    also_index: Sequence[Source] = (),
    limit: int = 20,
    progress: Callable[[int, int], None] | None = None,
    reader: SourceReader = LIBRARY,
    stamp: str | None = None,
) -> tuple[list[SearchResult], tuple[str, ...]]:
    """Bring the index up to date (incrementally) and search the `wanted` documents.

    The index is shared with the app, which indexes the whole library: `also_index` (the
    library) is kept indexed alongside `wanted` so that searching a few paths does not evict
    the library and cost the app a re-index. `stamp`: the walk that listed the library
    (core.library.walk_stamp), kept in the index once it is up to date so that the next
    search may skip the walk, and with the library's first screen for the app's next launch.
    Returns (results, problems of unreadable files).
    """
    by_key = {source.key: source for source in also_index}
    by_key.update({source.key: source for source in wanted})
    wanted_keys = {source.key for source in wanted}
    index = open_search_index(paths, reader)
    try:
        stats = index.update(list(by_key.values()), progress=progress)
        if stamp is not None and not stats.cancelled:
            index.set_library_stamp(stamp)
            save_first_screen(paths.first_screen, stamp, also_index)
        results: list[SearchResult] = []
        asked = limit if len(wanted_keys) == len(by_key) else limit * 4
        while True:
            hits = index.search(query, limit=asked)
            results = [
                _result(hit, _path_text(by_key[hit.doc_key]))
                for hit in hits
                if hit.doc_key in wanted_keys
            ]
            # Hits from other documents crowded the wanted ones out: ask for more.
            if len(results) >= limit or len(hits) < asked:
                return results[:limit], stats.problems
            asked *= 4
    finally:
        index.close()
