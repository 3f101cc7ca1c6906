"""Full-text search over the library, and the cache of its documents' metadata.

An SQLite database in the cache directory holds, per document, what the document list needs
(`files`) and an FTS5 index of its passages (schema.py, passages.py). Everything here is
derived from the documents, so a database that is corrupt or was made by another version is
deleted and rebuilt, and deleting it by hand loses nothing.

Updating is incremental (updating.py): a document whose version (size and modification time)
matches its row is not read at all; one whose content hash is unchanged only has its row
refreshed. The database is in WAL mode and every thread uses its own connection, so the UI
can search while a worker indexes; the worker commits every few hundred documents so searches
see its progress. Queries are translated in query.py; snippets are cut in snippets.py.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiwatch_tui.core.files import make_private_dirs
from aiwatch_tui.core.find.fulltext.passages import Loader, unpack_chunk
from aiwatch_tui.core.find.fulltext.query import (
    QueryPart,
    fts_words_query,
    match_marks,
    query_parts,
)
from aiwatch_tui.core.find.fulltext.schema import (
    LIBRARY_STAMP,
    PAGE_SIZE,
    ROWS_PER_DOCUMENT,
    SCHEMA,
    SCHEMA_VERSION,
)
from aiwatch_tui.core.find.fulltext.snippets import make_snippet
from aiwatch_tui.core.library.loading import LIBRARY, SourceReader
from aiwatch_tui.core.library.sources import Source
from aiwatch_tui.core.model import DocumentInfo
from aiwatch_tui.core.text.sanitize import one_line

if TYPE_CHECKING:
    from aiwatch_tui.core.find.fulltext.updating import UpdateStats

# Up to this many documents' metadata are looked up by key rather than read with all the rest.
FEW_KEYS = 500
RANK_WINDOW = 10_000  # matching passages ranked per query, at most (see _search)
SECTION_WEIGHT = 4.0  # bm25 weight of the section heading column against 1.0 for the passage
_CORRUPT_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB (primary result codes)


@dataclass(frozen=True, slots=True)
class TextHit:
    doc_key: str
    title: str
    section: str  # heading of the section the match is in ("" before the first heading)
    offset: int  # index in Document.text of the first matched word
    snippet: str  # one line of plain text around the match
    marks: tuple[tuple[int, int], ...]  # (start, end) in `snippet` of each matched word


def _is_corruption(error: sqlite3.DatabaseError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return (code & 0xFF) in _CORRUPT_CODES
    message = str(error).lower()
    return "malformed" in message or "not a database" in message


class _StaleSchema(Exception):
    pass


class SearchIndexUnavailable(Exception):
    """Something that is not aiwatch's stands where the index or its folder should be; str()
    is one line naming it and what to do. Only search is lost: the index is derived data."""


_SEARCH_IS_OFF = "or set AIWATCH_CACHE_DIR to another folder — search is off until then"


def _location_problem(path: Path) -> str | None:
    """Why the index cannot be made at `path` (a file where its folder should be, a folder
    where the file should be), or None."""

    if os.path.isdir(path):
        return (
            f"{one_line(str(path))}: is a folder where aiwatch's search index file should be; "
            f"move it aside {_SEARCH_IS_OFF}"
        )
    for folder in (path.parent, *path.parent.parents):
        if os.path.isdir(folder):
            return None
        if os.path.lexists(folder):
            return (
                f"{one_line(str(folder))}: is a file where aiwatch's cache folder should be; "
                f"move it aside {_SEARCH_IS_OFF}"
            )
    return None


class FullTextIndex:
    """The search index and metadata cache at `path` (created, or rebuilt, as needed)."""

    def __init__(self, path: Path, reader: SourceReader = LIBRARY) -> None:
        self.path = path
        self.reader = reader  # how the documents it indexes are read
        self.rebuilt_because: str | None = None  # why an existing file was discarded, if it was
        self._local = threading.local()
        self._lock = threading.Lock()  # guards the list of connections
        self._rebuild_lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._generation = 0
        self._open()

    # -- connections ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # The index holds the articles' text: private to the user, like the database.
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        connection = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        # The file is derived data and is rebuilt when found corrupt, so it need not survive
        # an operating-system crash: skipping fsync makes the first build faster.
        connection.execute("PRAGMA synchronous = OFF")
        with self._lock:
            self._connections.append(connection)
        return connection

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection; a new one after the database was rebuilt."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or self._local.generation != self._generation:
            if connection is not None:
                self._forget(connection)
            connection = self._connect()
            self._local.connection = connection
            self._local.generation = self._generation
        return connection

    def _forget(self, connection: sqlite3.Connection) -> None:
        with self._lock:
            if connection in self._connections:
                self._connections.remove(connection)
        connection.close()

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._local = threading.local()

    def _open(self) -> None:
        problem = _location_problem(self.path)
        if problem is not None:
            raise SearchIndexUnavailable(problem)
        make_private_dirs(self.path.parent)
        try:
            self._ensure_schema(self._connection())
        except _StaleSchema as error:
            self._rebuild(str(error))
        except sqlite3.DatabaseError as error:
            self._guarded(error)

    def _ensure_schema(self, connection: sqlite3.Connection) -> None:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        if not tables:
            # Set before the first write (a WAL database keeps its page size): with 16 KiB
            # pages FTS5's writes and merges took about a tenth less CPU than with 4 KiB.
            connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            # The merge after a large update frees a fifth of the file: given back to the
            # file system then (updating.Updater._optimize), not kept as free pages.
            connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("BEGIN IMMEDIATE")
            for statement in SCHEMA:
                connection.execute(statement)
            connection.execute(
                "INSERT INTO meta (name, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
            connection.execute("COMMIT")
            return
        row = (
            connection.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
            if "meta" in tables
            else None
        )
        if row is None or row[0] != str(SCHEMA_VERSION):
            raise _StaleSchema(
                f"index schema {row[0] if row else 'unknown'}, wanted {SCHEMA_VERSION}"
            )

    def _rebuild(self, reason: str) -> None:
        """Delete the database file and start an empty one (the next update() refills it)."""
        self.rebuilt_because = reason
        with self._lock:
            self._generation += 1
        own: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if own is not None:
            self._forget(own)
            self._local.connection = None
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass
        self._ensure_schema(self._connection())

    def _guarded(self, error: sqlite3.DatabaseError) -> None:
        """Rebuild after corruption; anything else (a locked or unreadable file, say) is not
        ours to hide."""
        if not _is_corruption(error):
            raise error
        with self._rebuild_lock:
            # Another thread may have met the same corruption and rebuilt already.
            if getattr(self._local, "generation", self._generation) == self._generation:
                self._rebuild(str(error))

    # -- metadata ---------------------------------------------------------------------------

    def infos(
        self, known_paths: Mapping[str, Path | None] | None = None
    ) -> dict[str, DocumentInfo]:
        """Metadata of every indexed document, without reading any article.

        `known_paths` (key -> where the caller holds that document now) are used in place
        of the paths recorded at indexing time: they are as current, and it saves building
        10,000 Path objects at start-up. When they are few (a first screen), only their
        documents are returned."""
        select = (
            "SELECT key, path, title, word_count, size, mtime_ns, content_hash, notices FROM files"
        )
        paths = known_paths or {}
        try:
            if 0 < len(paths) <= FEW_KEYS:
                # A first screen's worth: looked up one by one, not read with everything.
                rows = (
                    self._connection()
                    .execute(f"{select} WHERE key IN ({', '.join('?' * len(paths))})", list(paths))
                    .fetchall()
                )
            else:
                rows = self._connection().execute(select).fetchall()
        except sqlite3.DatabaseError as error:
            self._guarded(error)
            return {}
        return {row[0]: _info(row, paths.get(row[0])) for row in rows}

    def info(self, key: str) -> DocumentInfo | None:
        try:
            row = (
                self._connection()
                .execute(
                    "SELECT key, path, title, word_count, size, mtime_ns, content_hash, notices "
                    "FROM files WHERE key = ?",
                    (key,),
                )
                .fetchone()
            )
        except sqlite3.DatabaseError as error:
            self._guarded(error)
            return None
        return None if row is None else _info(row)

    def headings(self) -> list[tuple[str, str, int]]:
        """(doc_key, heading text, offset in Document.text) of every indexed heading, in
        document and text order, read from the stored passages (no article is read): those
        marked as a heading's own passage when indexed (passages.entry_of)."""
        try:
            connection = self._connection()
            keys = dict(connection.execute("SELECT doc_id, key FROM files").fetchall())
            rows = connection.execute(
                "SELECT id, heading, start FROM headings ORDER BY id"
            ).fetchall()
        except sqlite3.DatabaseError as error:
            self._guarded(error)
            return []
        found: list[tuple[str, str, int]] = []
        for rowid, heading, start in rows:
            key = keys.get(rowid // ROWS_PER_DOCUMENT)
            if key is not None:
                found.append((str(key), " ".join(str(heading).split()), int(start)))
        return found

    def headings_version(self) -> tuple[int, int] | None:
        """A value that changes when headings() would (in milliseconds: for caches of it)."""
        try:
            row = (
                self._connection()
                .execute("SELECT count(*), coalesce(max(id), 0) FROM headings")
                .fetchone()
            )
        except sqlite3.DatabaseError as error:
            self._guarded(error)
            return None
        return int(row[0]), int(row[1])

    def versions(self, keys: Iterable[str]) -> dict[str, tuple[str | None, int, int]]:
        """(path, size, modification time in ns) as indexed, of those of `keys` indexed."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        try:
            rows = (
                self._connection()
                .execute(
                    f"SELECT key, path, size, mtime_ns FROM files WHERE key IN ({marks})", wanted
                )
                .fetchall()
            )
        except sqlite3.DatabaseError as error:
            self._guarded(error)
            return {}
        return {str(key): (path, int(size), int(mtime)) for key, path, size, mtime in rows}

    # -- the library walk it was last brought in line with (core.library.walk_stamp) --------

    def library_stamp(self) -> str | None:
        """The stamp set after the last update, if no update has happened since."""
        try:
            row = (
                self._connection()
                .execute("SELECT value FROM meta WHERE name = ?", (LIBRARY_STAMP,))
                .fetchone()
            )
        except sqlite3.DatabaseError as error:
            self._guarded(error)
            return None
        return None if row is None else str(row[0])

    def set_library_stamp(self, stamp: str | None) -> None:
        connection = self._connection()
        if stamp is None:
            connection.execute("DELETE FROM meta WHERE name = ?", (LIBRARY_STAMP,))
        else:
            connection.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (LIBRARY_STAMP, stamp)
            )

    # -- updating ---------------------------------------------------------------------------

    def update(
        self,
        sources: Iterable[Source],
        loader: Loader | None = None,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> UpdateStats:
        """Bring the index in line with `sources`; sources not listed are removed."""
        # Imported here: the reader's relaunch reads the list's first screen from the index
        # before its first frame, and only updates it after (the updater and the article
        # parsing it brings are about a third of the index's import time).
        from aiwatch_tui.core.find.fulltext.updating import Updater

        wanted = list(sources)
        try:
            return Updater(self._connection(), self.reader, loader, progress, cancelled).run(wanted)
        except sqlite3.DatabaseError as error:
            self._guarded(error)
            return Updater(self._connection(), self.reader, loader, progress, cancelled).run(wanted)

    # -- searching --------------------------------------------------------------------------

    def search(self, query: str, limit: int = 20) -> list[TextHit]:
        """The best passages for `query`, by BM25 (section headings weigh more)."""
        parts = query_parts(query)
        match = fts_words_query(query)
        if match is None or limit <= 0:
            return []
        try:
            return self._search(match, parts, limit)
        except sqlite3.OperationalError:
            # A query FTS5 still rejects (fts_words_query should make this impossible).
            return []
        except sqlite3.DatabaseError as error:
            self._guarded(error)
            return []

    def _search(self, match: str, parts: Sequence[QueryPart], limit: int) -> list[TextHit]:
        connection = self._connection()
        # The index holds no positions: FTS5 finds the passages holding every word, and a
        # phrase is checked here on the passage's text, in rank order until `limit` pass.
        phrases = [part for part in parts if len(part.words) > 1]
        documents: dict[int, tuple[str, str]] = {}
        chunks: dict[int, tuple[list[str], list[str], list[int]]] = {}
        hits: list[TextHit] = []
        # Ranked a page at a time (sorting a whole window costs more than ranking it): the
        # next, larger page only when phrases the text lacks left too few.
        done, asked = 0, limit * 4 if phrases else limit
        while True:
            ranked = self._ranked(match, asked, done)
            for rowid in ranked:
                base = rowid - rowid % ROWS_PER_DOCUMENT
                row = connection.execute(
                    "SELECT id, packed FROM passage_chunks WHERE id BETWEEN ? AND ? "
                    "ORDER BY id DESC LIMIT 1",
                    (base, rowid),
                ).fetchone()
                if row is None:
                    continue
                first, packed = row
                if first not in chunks:  # hits come in clusters: each chunk unpacked once
                    chunks[first] = unpack_chunk(packed)
                sections, bodies, starts = chunks[first]
                n = rowid - first
                if n >= len(bodies):
                    continue
                section, body = sections[n], bodies[n]
                if any(
                    not match_marks(body, [p]) and not match_marks(section, [p]) for p in phrases
                ):
                    continue
                doc_id = rowid // ROWS_PER_DOCUMENT
                if doc_id not in documents:
                    named = connection.execute(
                        "SELECT key, title FROM files WHERE doc_id = ?", (doc_id,)
                    ).fetchone()
                    if named is None:
                        continue
                    documents[doc_id] = named
                key, title = documents[doc_id]
                marks = match_marks(body, parts)
                snippet, snippet_marks = make_snippet(body, marks)
                offset = starts[n] + (marks[0][0] if marks else 0)
                section = " ".join(section.split())  # blanked syntax leaves runs of spaces
                hits.append(TextHit(key, title, section, offset, snippet, snippet_marks))
                if len(hits) >= limit:
                    return hits
            if done + len(ranked) < asked or asked >= RANK_WINDOW:
                return hits
            done, asked = asked, min(RANK_WINDOW, 4 * asked)

    def _ranked(self, match: str, limit: int, skip: int) -> list[int]:
        """Rowids of the best matches from the `skip`-th to the `limit`-th, best first."""
        rows = (
            self._connection()
            .execute(
                "SELECT rowid FROM (SELECT rowid, "
                f"bm25(passages, {SECTION_WEIGHT}, 1.0) AS score "
                "FROM passages WHERE passages MATCH ? LIMIT ?) ORDER BY score LIMIT ? OFFSET ?",
                (match, RANK_WINDOW, limit - skip, skip),
            )
            .fetchall()
        )
        return [rowid for (rowid,) in rows]


def _info(row: Sequence[Any], known: Path | None = None) -> DocumentInfo:
    key, path, title, word_count, size, mtime_ns, content_hash, notices = row
    if known is None and path:
        known = Path(path)
    return DocumentInfo(
        key,
        known,
        title,
        word_count,
        size,
        mtime_ns,
        content_hash,
        tuple(notices.split("\n")) if notices else (),
    )
