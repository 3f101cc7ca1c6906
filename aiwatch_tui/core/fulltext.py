"""Full-text search over the library, and the cache of its documents' metadata.

An SQLite database in the cache directory holds, per document, what the document list needs
(`files`) and an FTS5 index of its passages: one row per heading, paragraph, list item or
table row, with the heading of the section it is in. Everything here is derived from the
article files, so a database that is corrupt or was made by another version is deleted and
rebuilt, and deleting it by hand loses nothing.

Updating is incremental: a file whose size and modification time match its row is not read
at all; one whose content hash is unchanged only has its row refreshed. The database is in
WAL mode and every thread uses its own connection, so the UI can search while a worker
indexes; the worker commits every few hundred documents so searches see its progress.

Reading and parsing is Python and FTS5's writing is C, about as costly as each other. A
large update (a first build) parses in child processes on the other cores while this one
writes (_ProcessLoader); a small one, or one with a caller's own loader, parses in a thread.

A passage's rowid is `doc_id * ROWS_PER_DOCUMENT + n`, so a document's passages are one rowid
range: FTS5 deletes them by range without scanning the table.
"""

from __future__ import annotations

import functools
import marshal
import os
import queue
import re
import signal
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Any, NamedTuple

from aiwatch_tui.core.files import make_private_dirs
from aiwatch_tui.core.library.loading import LIBRARY, Version
from aiwatch_tui.core.library.sources import Source, SourceKind
from aiwatch_tui.core.model import BlockKind, Document, DocumentInfo, utc_now

SCHEMA_VERSION = 1
ROWS_PER_DOCUMENT = 1 << 24
COMMIT_EVERY_DOCUMENTS = 200
COMMIT_EVERY_BYTES = 16 * 1024 * 1024
LOAD_AHEAD = 16  # parsed documents waiting to be written, at most
POLL_SECONDS = 0.1  # how often a wait for the loader checks for cancellation
# Parsing in child processes (see _ProcessLoader): only for an update reading at least this
# many documents, in requests of about this many bytes or documents.
PROCESS_LOAD_MIN_DOCUMENTS = 200
MAX_PARSE_PROCESSES = 2
PARSE_BATCH_BYTES = 256 * 1024
PARSE_BATCH_DOCUMENTS = 32
PARSE_BATCHES_AHEAD = 4  # parsed batches waiting to be written, at most
ROWS_PER_INSERT = 128  # passages per INSERT statement
RANK_WINDOW = 10_000  # matching passages ranked per query, at most (see _search)
OPTIMIZE_AFTER = 1000  # documents written in one update() before the index is merged
PAGE_SIZE = 16384
# FTS5 options while an update that will end with an optimize writes: no merging on the way
# (the optimize merges everything into one segment anyway; only 64 segments of one level
# force a merge), and terms buffered in 4 MiB instead of 1 MiB before a segment is written.
# Together they save a fifth to a quarter of the index's CPU time; queries meanwhile were no
# slower at 10,000 articles (p95 18 ms over ~50 segments, 17 ms over one). Afterwards FTS5's
# defaults again keep small updates from leaving many segments behind (an update that
# crashes midway may leave the bulk values: harmless until the next large update).
BULK_SETTINGS = {"automerge": 0, "crisismerge": 64, "hashsize": 4 * 1024 * 1024}
DEFAULT_SETTINGS = {"automerge": 4, "crisismerge": 16, "hashsize": 1024 * 1024}
SNIPPET_CHARS = 150
SNIPPET_LEAD = 50  # characters of context kept before the first match
SECTION_WEIGHT = 4.0  # bm25 weight of the section heading column against 1.0 for the passage
ELLIPSIS = "\u2026"

# highlight() wraps each match in these. Documents are sanitised (no control characters
# survive), and passages are scrubbed of them before indexing, so they cannot be confused.
_OPEN, _CLOSE = "\x02", "\x03"
_FLATTEN = re.compile(r"\s")  # one whitespace character -> one space: marks stay valid

# unicode61 treats letters, digits and private-use characters as token characters; "\w"
# without "_" is the closest Python has, and anything it lets through is quoted anyway.
# Words of a query: letters and digits (an emoji-only query searches nothing).
_TOKEN = re.compile(r"[^\W_]+")
# Words of a passage as FTS5's unicode61 tokenizer sees them: also every character outside
# the Basic Multilingual Plane (its tables stop there, so an emoji is a word of its own and
# "café 🤖 café" does not hold the phrase "café café").
_BODY_TOKEN = re.compile(r"(?:[^\W_]|[\U00010000-\U0010FFFF])+")
_QUERY_PART = re.compile(r'"([^"]*)(?:"|$)|(\S+)')

_SCHEMA = (
    """CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE files (
        key TEXT PRIMARY KEY,
        doc_id INTEGER NOT NULL UNIQUE,
        path TEXT,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        word_count INTEGER NOT NULL,
        notices TEXT NOT NULL DEFAULT '',
        indexed_at TEXT NOT NULL
    )""",
    """CREATE VIRTUAL TABLE passages USING fts5(
        section, body, start UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2'
    )""",
)

_INSERT_ONE = "INSERT INTO passages (rowid, section, body, start) VALUES (?, ?, ?, ?)"
_INSERT_MANY = "INSERT INTO passages (rowid, section, body, start) VALUES " + ", ".join(
    ["(?, ?, ?, ?)"] * ROWS_PER_INSERT
)

_INSERT_FILE = (
    "INSERT INTO files (key, doc_id, path, size, mtime_ns, content_hash, title, "
    "word_count, notices, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET path = excluded.path, size = excluded.size, "
    "mtime_ns = excluded.mtime_ns, content_hash = excluded.content_hash, "
    "title = excluded.title, word_count = excluded.word_count, "
    "notices = excluded.notices, indexed_at = excluded.indexed_at"
)

_CORRUPT_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB (primary result codes)


Loader = Callable[[Source], Document]


@dataclass(frozen=True, slots=True)
class UpdateStats:
    added: int = 0
    updated: int = 0  # re-indexed because the content changed
    removed: int = 0
    unchanged: int = 0  # includes files that were read but whose content hash had not changed
    bytes_read: int = 0
    seconds: float = 0.0
    failed: int = 0  # could not be read or parsed; any old entry is dropped
    problems: tuple[str, ...] = ()  # one line per failed file
    cancelled: bool = False  # stopped early: what was done is committed


@dataclass(frozen=True, slots=True)
class TextHit:
    doc_key: str
    title: str
    section: str  # heading of the section the match is in ("" before the first heading)
    offset: int  # index in Document.text of the first matched word
    snippet: str  # one line of plain text around the match
    marks: tuple[tuple[int, int], ...]  # (start, end) in `snippet` of each matched word


class Passage(NamedTuple):
    section: str
    start: int  # index in Document.text of body[0]
    body: str  # an exact slice of Document.text


class _Stored(NamedTuple):
    doc_id: int
    path: str | None
    size: int
    mtime_ns: int
    content_hash: str


# Looked up once: on Python 3.11 each `BlockKind.X` costs about a tenth of a microsecond.
_RULE, _HEADING, _TABLE = BlockKind.RULE, BlockKind.HEADING, BlockKind.TABLE


def passages(document: Document) -> Iterator[Passage]:
    """The searchable passages of a document, each an exact slice of its text."""
    text = document.text
    section = ""
    for block in document.blocks:
        kind = block.kind
        if kind is _RULE:
            continue
        if kind is _HEADING:
            section = " ".join(text[block.content_start : block.content_end].split())
        if kind is _TABLE and block.rows:
            for row in block.rows:
                if row:
                    yield Passage(section, row[0].start, text[row[0].start : row[-1].end])
            continue
        body = text[block.content_start : block.content_end]
        if body and not body.isspace():  # body.strip() without copying the body
            yield Passage(section, block.content_start, body)


class QueryPart(NamedTuple):
    words: tuple[str, ...]  # one word, or the words of a "quoted phrase", in order
    prefix: bool  # the last word is a prefix (word*)


def query_parts(query: str) -> list[QueryPart]:
    """What the user typed, as words and phrases: "quoted words" are a phrase, word* is a
    prefix, punctuation separates words as the FTS5 tokenizer does."""
    parts: list[QueryPart] = []
    for match in _QUERY_PART.finditer(query):
        phrase, word = match.group(1), match.group(2)
        if phrase is not None:
            tokens = _TOKEN.findall(phrase)
            prefix = False
        else:
            tokens = _TOKEN.findall(word)
            prefix = word.endswith("*") and bool(tokens) and word.rstrip("*").endswith(tokens[-1])
        if tokens:
            parts.append(QueryPart(tuple(tokens), prefix))
    return parts


def fts_query(query: str) -> str | None:
    """Translate what a user typed into an FTS5 query that cannot be a syntax error.

    Every part must occur (AND). Each is sent as a quoted string (a phrase of one or more
    words), so FTS5 operators, parentheses, column filters and stray punctuation in the input
    are only ever text. None: nothing to search for.
    """
    quoted = [
        '"' + " ".join(part.words).replace('"', '""') + '"' + ("*" if part.prefix else "")
        for part in query_parts(query)
    ]
    return " AND ".join(quoted) if quoted else None


def _fold_token(token: str) -> str:
    """A token as unicode61 with remove_diacritics indexes it: lowercase, and Latin letters
    without their accents ("Zürich" -> "zurich"; "ﬁ", "ø" and Greek keep their form)."""
    if token.isascii():
        return token.lower()
    return "".join(map(_fold_char, token)).lower()


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char.isascii():
        return char
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed[0] if len(decomposed) > 1 and decomposed[0].isascii() else char


def match_marks(body: str, parts: Sequence[QueryPart]) -> list[tuple[int, int]]:
    """(start, end) in `body` of every occurrence of a query part, the way FTS5 matches it.

    Cheaper than asking FTS5's highlight(), which re-runs the whole query for each row.
    """
    tokens = [(m.start(), m.end(), _fold_token(m.group())) for m in _BODY_TOKEN.finditer(body)]
    marks: set[tuple[int, int]] = set()
    for part in parts:
        words = [_fold_token(word) for word in part.words]
        last = len(words) - 1
        for i in range(len(tokens) - last):
            if all(
                tokens[i + j][2].startswith(word)
                if part.prefix and j == last
                else tokens[i + j][2] == word
                for j, word in enumerate(words)
            ):
                marks.add((tokens[i][0], tokens[i + last][1]))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(marks):
        if merged and start < merged[-1][1]:  # overlapping phrases ("a a" in "a a a") join
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


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
    from aiwatch_tui.core.text.sanitize import one_line

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

    def __init__(self, path: Path) -> None:
        self.path = path
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
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA:
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
        10,000 Path objects at start-up."""
        try:
            rows = (
                self._connection()
                .execute(
                    "SELECT key, path, title, word_count, size, mtime_ns, content_hash, notices "
                    "FROM files"
                )
                .fetchall()
            )
        except sqlite3.DatabaseError as error:
            self._guarded(error)
            return {}
        paths = known_paths or {}
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
        document and text order, read from the stored passages (no article is read).

        A heading's own passage is the one whose body is exactly its section name (passages()
        names a section by its heading's text), unless the passage before it is one too: then
        it is a paragraph repeating the heading. A heading with a run of spaces inside differs
        from its section name and is left out (finding it would double the cost of the scan).
        The FTS5 content table (c0 section, c1 body, c2 start) is read directly: a scan
        through the virtual table costs twice as much, and comparing the columns in SQL
        skips every other passage in C (0.2-0.5 s for 10,000 articles, 70,000 headings).
        """
        try:
            connection = self._connection()
            keys = dict(connection.execute("SELECT doc_id, key FROM files").fetchall())
            rows = connection.execute(
                "SELECT a.id, a.c0, a.c2 FROM passages_content AS a "
                "LEFT JOIN passages_content AS b ON b.id = a.id - 1 "
                "WHERE a.c0 = a.c1 AND a.c0 <> '' AND (b.c1 IS NULL OR b.c1 <> a.c0) "
                "ORDER BY a.id"
            ).fetchall()
        except sqlite3.DatabaseError as error:
            self._guarded(error)
            return []
        found: list[tuple[str, str, int]] = []
        for rowid, section, start in rows:
            key = keys.get(rowid // ROWS_PER_DOCUMENT)
            if key is not None:
                found.append((str(key), str(section), int(start)))
        return found

    # -- updating ---------------------------------------------------------------------------

    def update(
        self,
        sources: Iterable[Source],
        loader: Loader | None = None,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> UpdateStats:
        """Bring the index in line with `sources`; sources not listed are removed."""
        wanted = list(sources)
        try:
            return _Updater(self._connection(), loader, progress, cancelled).run(wanted)
        except sqlite3.DatabaseError as error:
            self._guarded(error)
            return _Updater(self._connection(), loader, progress, cancelled).run(wanted)

    # -- searching --------------------------------------------------------------------------

    def search(self, query: str, limit: int = 20) -> list[TextHit]:
        """The best passages for `query`, by BM25 (section headings weigh more)."""
        parts = query_parts(query)
        match = fts_query(query)
        if match is None or limit <= 0:
            return []
        try:
            return self._search(match, parts, limit)
        except sqlite3.OperationalError:
            # A query FTS5 still rejects (fts_query should make this impossible).
            return []
        except sqlite3.DatabaseError as error:
            self._guarded(error)
            return []

    def _search(self, match: str, parts: Sequence[QueryPart], limit: int) -> list[TextHit]:
        connection = self._connection()
        # BM25 costs about a microsecond per matching row, so a query matching most of the
        # library ("ai") ranks only its first RANK_WINDOW matches.
        ranked = connection.execute(
            "SELECT rowid FROM (SELECT rowid, "
            f"bm25(passages, {SECTION_WEIGHT}, 1.0, 0.0) AS score "
            "FROM passages WHERE passages MATCH ? LIMIT ?) ORDER BY score LIMIT ?",
            (match, RANK_WINDOW, limit),
        ).fetchall()
        documents: dict[int, tuple[str, str]] = {}
        hits: list[TextHit] = []
        for (rowid,) in ranked:
            section, start, body = connection.execute(
                "SELECT section, start, body FROM passages WHERE rowid = ?", (rowid,)
            ).fetchone()
            marks = match_marks(body, parts)
            if not marks:
                # Python's idea of a token differed from FTS5's: ask FTS5 itself.
                marks = self._fts_marks(match, rowid)
            doc_id = rowid // ROWS_PER_DOCUMENT
            if doc_id not in documents:
                row = connection.execute(
                    "SELECT key, title FROM files WHERE doc_id = ?", (doc_id,)
                ).fetchone()
                if row is None:
                    continue
                documents[doc_id] = row
            key, title = documents[doc_id]
            snippet, snippet_marks = make_snippet(body, marks)
            first = marks[0][0] if marks else 0
            hits.append(TextHit(key, title, section, start + first, snippet, snippet_marks))
        return hits

    def _fts_marks(self, match: str, rowid: int) -> list[tuple[int, int]]:
        row = (
            self._connection()
            .execute(
                "SELECT highlight(passages, 1, ?, ?) FROM passages "
                "WHERE passages MATCH ? AND rowid = ?",
                (_OPEN, _CLOSE, match, rowid),
            )
            .fetchone()
        )
        return [] if row is None else _unmark(row[0])[1]


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


def _scrub(body: str) -> str:
    """`body` with any sentinel character replaced (same length, so offsets hold)."""
    if _OPEN in body or _CLOSE in body:
        return body.replace(_OPEN, "\ufffd").replace(_CLOSE, "\ufffd")
    return body


def _unmark(highlighted: str) -> tuple[str, list[tuple[int, int]]]:
    """Remove highlight() sentinels, returning the plain text and the ranges they marked."""
    plain: list[str] = []
    marks: list[tuple[int, int]] = []
    length = 0
    opened = -1
    for piece in re.split(f"([{_OPEN}{_CLOSE}])", highlighted):
        if piece == _OPEN:
            opened = length
        elif piece == _CLOSE:
            if opened >= 0 and length > opened:
                marks.append((opened, length))
            opened = -1
        elif piece:
            plain.append(piece)
            length += len(piece)
    return "".join(plain), marks


def make_snippet(
    body: str, marks: Sequence[tuple[int, int]], width: int = SNIPPET_CHARS
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About `width` characters of `body` around its first mark, on one line, with the marks
    moved into the snippet (an ellipsis shows where text was cut)."""
    first = marks[0][0] if marks else 0
    start = max(0, first - SNIPPET_LEAD)
    if start > 0:
        # Begin at a word: the first space within reach, when there is one.
        space = body.find(" ", start, first)
        if space >= 0:
            start = space + 1
    end = min(len(body), start + width)
    if end < len(body):
        space = body.rfind(" ", max(first, start + width // 2), end)
        if space > start:
            end = space
    lead = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(body) else ""
    snippet = lead + _FLATTEN.sub(" ", body[start:end]) + tail
    shift = len(lead) - start
    inside = tuple(
        (max(s, start) + shift, min(e, end) + shift) for s, e in marks if e > start and s < end
    )
    return snippet, inside


class _Entry(NamedTuple):
    """What the index stores of one document: its `files` row and its passages, as columns.

    Plain strings and numbers only, so that a parsing process can send it cheaply (marshal).
    """

    content_hash: str
    title: str
    word_count: int
    notices: str  # one per line
    sections: list[str]
    bodies: list[str]  # scrubbed of the highlight sentinels
    starts: list[int]


def _entry(document: Document) -> _Entry:
    """The document's files row and passages (those of passages(), in the same order)."""
    text = document.text
    # Sanitised text never holds the sentinels: one scan of the text instead of one per body.
    scrub = _OPEN in text or _CLOSE in text
    sections: list[str] = []
    bodies: list[str] = []
    starts: list[int] = []
    for passage in passages(document):
        sections.append(passage.section)
        bodies.append(_scrub(passage.body) if scrub else passage.body)
        starts.append(passage.start)
    return _Entry(
        document.content_hash,
        document.title,
        document.word_count,
        "\n".join(document.notices),
        sections,
        bodies,
        starts,
    )


def _load_entry(load: Loader, source: Source) -> tuple[_Entry | None, str]:
    """(entry, "") or (None, why it could not be loaded)."""
    try:
        return _entry(load(source)), ""
    except Exception as error:  # one unreadable file must not stop the library
        return None, str(error) or type(error).__name__


def _path_text(source: Source) -> str | None:
    return None if source.path is None else str(source.path)


class _Loaded(NamedTuple):
    source: Source
    version: Version
    entry: _Entry | None  # None when it could not be loaded
    problem: str


Job = tuple[Source, Version]


class _Prefetch:
    """Documents loaded ahead of the writer by a thread of its own, handed over in order."""

    def __init__(self, batches_ahead: int) -> None:
        self._queue: queue.Queue[list[_Loaded] | None] = queue.Queue(maxsize=batches_ahead)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _start(self, name: str) -> None:
        self._thread = threading.Thread(target=self._fill, name=name, daemon=True)
        self._thread.start()

    def _fill(self) -> None:
        try:
            self._produce()
        finally:
            self._put(None)

    def _produce(self) -> None:
        raise NotImplementedError

    def _put(self, item: list[_Loaded] | None) -> bool:
        """Queue `item`, waiting for room; False once stopped."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _load_here(self, load: Loader, jobs: Iterable[Job]) -> None:
        for source, version in jobs:
            if self._stop.is_set():
                return
            entry, problem = _load_entry(load, source)
            self._put([_Loaded(source, version, entry, problem)])

    def loaded(self, cancelled: Callable[[], bool]) -> Iterator[_Loaded]:
        """The loaded documents in job order; ends early once `cancelled()` while waiting."""
        while True:
            try:
                batch = self._queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if cancelled():
                    return
                continue
            if batch is None:
                return
            yield from batch

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


class _BackgroundLoader(_Prefetch):
    """Reads and parses documents a few steps ahead of the writer, in a thread.

    Parsing is Python and holds the GIL; FTS5 tokenises and writes in C with the GIL released,
    so the two overlap a little. Used for small updates and for a caller's own loader.
    """

    def __init__(self, load: Loader, jobs: Sequence[Job]) -> None:
        super().__init__(LOAD_AHEAD)
        self._load, self._jobs = load, jobs
        self._start("fulltext-loader")

    def _produce(self) -> None:
        self._load_here(self._load, self._jobs)


def _parse_processes(to_read: int, loader: Loader | None) -> int:
    """How many parsing processes an update with `to_read` documents should use (0: none).

    Parsing in a thread competes with the writer for the GIL; in other processes it runs
    beside it on the other cores. Only the default loader can run there (it is importable
    by name), and only a large update pays for starting an interpreter (~0.1 s).
    """
    if loader is not None or to_read < PROCESS_LOAD_MIN_DOCUMENTS or getattr(sys, "frozen", False):
        return 0
    if not sys.executable:
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    # The writer keeps one core busy; more parsers than the rest would only take turns.
    return max(0, min(cores - 1, MAX_PARSE_PROCESSES))


# A parsing process: `python -I -c` (no site customisation, no current directory on the path)
# importing this package from where the parent found it, then serving requests on stdin.
_CHILD_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from aiwatch_tui.core.fulltext import _serve_parse_requests; _serve_parse_requests()"
)
_FRAME = struct.Struct("<Q")


def _write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_FRAME.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> bytes | None:
    """The next message, or None at the end of the stream (the other side went away)."""
    header = stream.read(_FRAME.size)
    if len(header) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(header)
    payload = stream.read(size)
    return payload if len(payload) == size else None


def _source(key: str, path: str | None, kind: str) -> Source:
    return Source(key, None if path is None else Path(path), SourceKind(kind))


def _serve_parse_requests() -> None:
    """The main loop of a parsing process: each request is a list of (path, key), each
    reply the list of _load_entry results for them, both marshalled. Ends at end of input."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the parent, which stops us
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    # Nothing may reach the terminal, and stray output must not corrupt the replies.
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)
    try:
        while (request := _read_frame(requests)) is not None:
            results = [
                _load_entry(LIBRARY.load, _source(*fields)) for fields in marshal.loads(request)
            ]
            plain = [(None if entry is None else tuple(entry), why) for entry, why in results]
            _write_frame(replies, marshal.dumps(plain))
    except OSError:  # the parent went away
        pass


def _start_parser() -> subprocess.Popen[bytes]:
    import aiwatch_tui

    root = str(Path(aiwatch_tui.__file__).resolve().parent.parent)
    return subprocess.Popen(
        [sys.executable, "-I", "-c", _CHILD_CODE, root],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        close_fds=True,
    )


def _batches(jobs: Sequence[Job]) -> list[list[Job]]:
    """Consecutive jobs grouped into requests of about PARSE_BATCH_BYTES."""
    batches: list[list[Job]] = []
    batch: list[Job] = []
    size = 0
    for job in jobs:
        batch.append(job)
        size += job[1].size
        if size >= PARSE_BATCH_BYTES or len(batch) >= PARSE_BATCH_DOCUMENTS:
            batches.append(batch)
            batch, size = [], 0
    if batch:
        batches.append(batch)
    return batches


class _ProcessLoader(_Prefetch):
    """Parses documents in child processes, on other cores than the writer.

    A thread hands each child batches of paths in turn and collects the replies in the same
    turn, so documents arrive in job order. If a child cannot be started the caller falls
    back to _BackgroundLoader; if one dies or stops answering midway, whatever was not yet
    delivered is parsed in this thread instead. stop() kills and reaps every child.
    """

    def __init__(self, jobs: Sequence[Job], processes: int) -> None:
        super().__init__(PARSE_BATCHES_AHEAD)
        self._batches = _batches(jobs)
        self._delivered = 0  # batches handed to the writer
        self._children: list[subprocess.Popen[bytes]] = []
        try:
            for _ in range(processes):
                self._children.append(_start_parser())
            self._start("fulltext-parsers")
        except BaseException:
            self._end_children()
            raise

    def _produce(self) -> None:
        try:
            self._from_children()
        except (OSError, EOFError, ValueError, TypeError):
            pass  # a child died or sent something unreadable: finish the work here
        if not self._stop.is_set():
            rest = [job for batch in self._batches[self._delivered :] for job in batch]
            self._load_here(LIBRARY.load, rest)

    def _from_children(self) -> None:
        """Deliver the batches the children parse, in order, counting them in _delivered.

        Batch k goes to child k % n, and each child has one request at a time: it reads a
        request whole before it answers, so neither side can be stuck writing to a full pipe
        while the other is stuck writing too.
        """
        batches, children = self._batches, self._children
        for sent in range(min(len(children), len(batches))):
            self._send(sent)
        while (delivered := self._delivered) < len(batches):
            stdout = children[delivered % len(children)].stdout
            assert stdout is not None
            reply = _read_frame(stdout)
            if reply is None:
                raise EOFError("a parsing process ended")
            if delivered + len(children) < len(batches):
                self._send(delivered + len(children))  # the child that answered is idle
            results = marshal.loads(reply)
            batch = batches[delivered]
            if len(results) != len(batch):
                raise ValueError("a parsing process answered the wrong request")
            loaded = [
                _Loaded(source, version, None if entry is None else _Entry(*entry), problem)
                for (source, version), (entry, problem) in zip(batch, results, strict=True)
            ]
            if not self._put(loaded):
                return
            self._delivered += 1

    def _send(self, number: int) -> None:
        """Ask child number % n to parse batch `number`."""
        stdin = self._children[number % len(self._children)].stdin
        assert stdin is not None
        request = [
            (source.key, None if source.path is None else str(source.path), str(source.kind))
            for source, _ in self._batches[number]
        ]
        _write_frame(stdin, marshal.dumps(request))

    def _end_children(self) -> None:
        for child in self._children:
            child.kill()  # idle or mid-document: nothing of theirs needs to be kept
        for child in self._children:
            child.wait()  # reaped: no zombie is left behind
            for stream in (child.stdin, child.stdout):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass

    def stop(self) -> None:
        self._stop.set()
        # Killing the children first unblocks a thread waiting to read from or write to one.
        for child in self._children:
            child.kill()
        super().stop()
        self._end_children()


class _Updater:
    """One update() run: compares sources with the stored rows and writes the differences."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        loader: Loader | None,
        progress: Callable[[int, int], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        self.db = connection
        self.custom_loader = loader
        self.reader = LIBRARY
        self.load = loader or self.reader.load
        self.progress = progress or (lambda done, total: None)
        self.cancelled = cancelled or (lambda: False)
        self.counts = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0, "failed": 0}
        self.bytes_read = 0
        self.problems: list[str] = []
        self.next_id = 1
        self.rows: list[object] = []  # passages waiting to be inserted, four values each
        self.files: list[tuple[object, ...]] = []  # files rows waiting, without indexed_at

    def run(self, sources: Sequence[Source]) -> UpdateStats:
        started = time.perf_counter()
        stopped = False
        # Read what is stored only once the write lock is held: another aiwatch updating the
        # same cache at the same moment must not leave us with stale rows and doc ids.
        self.db.execute("BEGIN IMMEDIATE")
        try:
            stored = {
                row[0]: _Stored(*row[1:])
                for row in self.db.execute(
                    "SELECT key, doc_id, path, size, mtime_ns, content_hash FROM files"
                )
            }
            by_key = {source.key: source for source in sources}
            self.next_id = 1 + max((row.doc_id for row in stored.values()), default=0)
            for key in stored.keys() - by_key.keys():
                self._remove(stored[key].doc_id, key)
                self.counts["removed"] += 1
            to_read = self._changed(by_key.values(), stored)
            done = len(by_key) - len(to_read)
            if done:
                self.progress(done, len(by_key))
            bulk = len(to_read) >= OPTIMIZE_AFTER
            if bulk:
                self._configure(BULK_SETTINGS)
            stopped = self._read_and_write(to_read, stored, done, len(by_key))
            if bulk:
                self._configure(DEFAULT_SETTINGS)
            self._commit()
            if not stopped and self.counts["added"] + self.counts["updated"] >= OPTIMIZE_AFTER:
                self._optimize()
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        return UpdateStats(
            **self.counts,
            bytes_read=self.bytes_read,
            seconds=time.perf_counter() - started,
            problems=tuple(self.problems),
            cancelled=stopped,
        )

    def _changed(
        self, sources: Iterable[Source], stored: dict[str, _Stored]
    ) -> list[tuple[Source, Version]]:
        """The sources that must be read: new, or size or modification time differ."""
        to_read = []
        for source in sources:
            row = stored.get(source.key)
            try:
                version = self.reader.version(source)
            except OSError as error:
                name = source.path.name if source.path is not None else source.key
                self._failed(source, row, f"{name}: {error.strerror or error}")
                continue
            if row is None or (row.size, row.mtime_ns) != version:
                to_read.append((source, version))
                continue
            if row.path != _path_text(source):
                self.db.execute(
                    "UPDATE files SET path = ? WHERE key = ?", (_path_text(source), source.key)
                )
            self.counts["unchanged"] += 1
        return to_read

    def _read_and_write(
        self,
        to_read: Sequence[tuple[Source, Version]],
        stored: dict[str, _Stored],
        done: int,
        total: int,
    ) -> bool:
        """Index what `to_read` holds, committing in batches; True when cancelled."""
        if not to_read:
            return False
        loader = self._loader(to_read)
        pending_documents = pending_bytes = 0
        written = 0
        try:
            for loaded in loader.loaded(self.cancelled):
                if self.cancelled():
                    return True
                self._refresh(loaded, stored.get(loaded.source.key))
                pending_documents += 1
                pending_bytes += loaded.version.size
                if pending_documents >= COMMIT_EVERY_DOCUMENTS or (
                    pending_bytes >= COMMIT_EVERY_BYTES
                ):
                    self._commit()
                    self.db.execute("BEGIN IMMEDIATE")
                    # Another process may have written between the two transactions.
                    (top,) = self.db.execute(
                        "SELECT coalesce(max(doc_id), 0) FROM files"
                    ).fetchone()
                    self.next_id = max(self.next_id, top + 1)
                    pending_documents = pending_bytes = 0
                done += 1
                written += 1
                self.progress(done, total)
        finally:
            loader.stop()
        return written < len(to_read)  # the loader stopped early: cancelled while waiting

    def _loader(self, to_read: Sequence[Job]) -> _Prefetch:
        processes = _parse_processes(len(to_read), self.custom_loader)
        if processes:
            try:
                return _ProcessLoader(to_read, processes)
            except (OSError, ValueError, subprocess.SubprocessError):
                pass  # no child processes here: parse in a thread instead
        return _BackgroundLoader(self.load, to_read)

    def _refresh(self, loaded: _Loaded, row: _Stored | None) -> None:
        """Write one document that was read: re-index it only if its content changed."""
        source, version, entry = loaded.source, loaded.version, loaded.entry
        if entry is None:
            self._failed(source, row, loaded.problem)
            return
        self.bytes_read += version.size
        if row is not None and row.content_hash == entry.content_hash:
            self.db.execute(
                "UPDATE files SET size = ?, mtime_ns = ?, path = ? WHERE key = ?",
                (version.size, version.mtime_ns, _path_text(source), source.key),
            )
            self.counts["unchanged"] += 1
            return
        if row is None:
            doc_id, self.next_id = self.next_id, self.next_id + 1
            self.counts["added"] += 1
        else:
            doc_id = row.doc_id
            self._delete_passages(doc_id)
            self.counts["updated"] += 1
        self._write(doc_id, source, entry, version)

    def _configure(self, settings: dict[str, int]) -> None:
        """Set FTS5 options (stored in the index, so they hold until set again)."""
        for name, value in settings.items():
            self.db.execute("INSERT INTO passages (passages, rank) VALUES (?, ?)", (name, value))

    def _optimize(self) -> None:
        # One b-tree instead of many small segments: queries get up to twice as fast.
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT INTO passages (passages) VALUES ('optimize')")
        self.db.execute("COMMIT")
        # The merge rewrote the whole index into the WAL: fold it back and shrink it.
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _failed(self, source: Source, row: _Stored | None, problem: str) -> None:
        self.problems.append(problem)
        self.counts["failed"] += 1
        if row is not None:
            self._remove(row.doc_id, source.key)

    def _write(self, doc_id: int, source: Source, entry: _Entry, version: Version) -> None:
        base = doc_id * ROWS_PER_DOCUMENT
        # Rows (rowid, section, body, start) laid end to end, built in C: zip stops at the
        # shortest, so the range also caps a document at ROWS_PER_DOCUMENT passages.
        rowids = range(base, base + min(len(entry.starts), ROWS_PER_DOCUMENT))
        self.rows.extend(
            chain.from_iterable(
                zip(rowids, entry.sections, entry.bodies, entry.starts, strict=False)
            )
        )
        if len(self.rows) >= 4 * ROWS_PER_INSERT:
            self._flush_rows()
        self.files.append(
            (
                source.key,
                doc_id,
                _path_text(source),
                version.size,
                version.mtime_ns,
                entry.content_hash,
                entry.title,
                entry.word_count,
                entry.notices,
            )
        )

    def _flush_rows(self, everything: bool = False) -> None:
        """Insert the buffered passages, many rows per statement (and, with `everything`,
        the buffered files rows).

        Each statement runs with the GIL released; few large ones let the parsing thread
        and SQLite take turns far less often than one statement per row would.
        """
        width = 4 * ROWS_PER_INSERT
        full = len(self.rows) // width * width
        for start in range(0, full, width):
            self.db.execute(_INSERT_MANY, self.rows[start : start + width])
        rest = self.rows[full:]
        self.rows = []
        if not everything:
            self.rows = rest
            return
        self.db.executemany(_INSERT_ONE, zip(*[iter(rest)] * 4, strict=True))
        if self.files:
            indexed_at = utc_now()
            self.db.executemany(_INSERT_FILE, [(*row, indexed_at) for row in self.files])
            self.files = []

    def _commit(self) -> None:
        self._flush_rows(everything=True)
        self.db.execute("COMMIT")

    def _delete_passages(self, doc_id: int) -> None:
        base = doc_id * ROWS_PER_DOCUMENT
        self.db.execute(
            "DELETE FROM passages WHERE rowid BETWEEN ? AND ?",
            (base, base + ROWS_PER_DOCUMENT - 1),
        )

    def _remove(self, doc_id: int, key: str) -> None:
        self._delete_passages(doc_id)
        self.db.execute("DELETE FROM files WHERE key = ?", (key,))
