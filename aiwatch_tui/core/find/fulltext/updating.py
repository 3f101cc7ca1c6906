"""One update of the index: the sources compared with the stored rows, and the differences
written, committing in batches so that searches see the progress."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple

from aiwatch_tui.core.find.fulltext import parsing
from aiwatch_tui.core.find.fulltext.parsing import Loaded
from aiwatch_tui.core.find.fulltext.passages import Entry, Loader, unpack_chunk
from aiwatch_tui.core.find.fulltext.schema import LIBRARY_STAMP, ROWS_PER_DOCUMENT
from aiwatch_tui.core.library.loading import SourceReader, Version
from aiwatch_tui.core.library.sources import Source
from aiwatch_tui.core.model import utc_now

COMMIT_EVERY_DOCUMENTS = 200
COMMIT_EVERY_BYTES = 16 * 1024 * 1024
ROWS_PER_INSERT = 128  # passages per INSERT statement
OPTIMIZE_AFTER = 1000  # documents written in one update() before the index is merged
# FTS5 options while an update that will end with an optimize writes: no merging on the way
# (the optimize merges everything into one segment anyway; only 64 segments of one level
# force a merge), and terms buffered in 4 MiB instead of 1 MiB before a segment is written.
# Together they save a fifth to a quarter of the index's CPU time; queries meanwhile were no
# slower at 10,000 articles (p95 18 ms over ~50 segments, 17 ms over one). Afterwards FTS5's
# defaults again keep small updates from leaving many segments behind (an update that
# crashes midway may leave the bulk values: harmless until the next large update).
BULK_SETTINGS = {"automerge": 0, "crisismerge": 64, "hashsize": 4 * 1024 * 1024}
DEFAULT_SETTINGS = {"automerge": 4, "crisismerge": 16, "hashsize": 1024 * 1024}

_INSERT_ONE = "INSERT INTO passages (rowid, section, body) VALUES (?, ?, ?)"
_INSERT_MANY = "INSERT INTO passages (rowid, section, body) VALUES " + ", ".join(
    ["(?, ?, ?)"] * ROWS_PER_INSERT
)
_INSERT_CHUNK = "INSERT INTO passage_chunks (id, packed) VALUES (?, ?)"
_INSERT_HEADING = "INSERT INTO headings (id, heading, start) VALUES (?, ?, ?)"
# A contentless FTS5 table forgets a row when told the values it was given.
_FORGET = "INSERT INTO passages (passages, rowid, section, body) VALUES ('delete', ?, ?, ?)"

_INSERT_FILE = (
    "INSERT INTO files (key, doc_id, path, size, mtime_ns, content_hash, title, "
    "word_count, notices, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET path = excluded.path, size = excluded.size, "
    "mtime_ns = excluded.mtime_ns, content_hash = excluded.content_hash, "
    "title = excluded.title, word_count = excluded.word_count, "
    "notices = excluded.notices, indexed_at = excluded.indexed_at"
)


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


class _Stored(NamedTuple):
    doc_id: int
    path: str | None
    size: int
    mtime_ns: int
    content_hash: str


def _path_text(source: Source) -> str | None:
    return None if source.path is None else str(source.path)


class Updater:
    """One update() run: compares sources with the stored rows and writes the differences."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        reader: SourceReader,
        loader: Loader | None,
        progress: Callable[[int, int], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        self.db = connection
        self.custom_loader = loader
        self.reader = reader
        self.load = loader or reader.load
        self.progress = progress or (lambda done, total: None)
        self.cancelled = cancelled or (lambda: False)
        self.counts = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0, "failed": 0}
        self.bytes_read = 0
        self.problems: list[str] = []
        self.next_id = 1
        self.rows: list[object] = []  # passages waiting to be inserted, three values each
        self.chunks: list[tuple[int, bytes]] = []  # their passage_chunks rows
        self.headings: list[tuple[int, str, int]] = []  # their headings rows
        self.files: list[tuple[object, ...]] = []  # files rows waiting, without indexed_at

    def run(self, sources: Sequence[Source]) -> UpdateStats:
        started = time.perf_counter()
        stopped = False
        # Read what is stored only once the write lock is held: another aiwatch updating the
        # same cache at the same moment must not leave us with stale rows and doc ids.
        self.db.execute("BEGIN IMMEDIATE")
        try:
            # Whatever this update is given, the index no longer answers for a library walk
            # until the caller says so again (FullTextIndex.set_library_stamp).
            self.db.execute("DELETE FROM meta WHERE name = ?", (LIBRARY_STAMP,))
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
        loader = parsing.start_loader(to_read, self.custom_loader, self.reader)
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

    def _refresh(self, loaded: Loaded, row: _Stored | None) -> None:
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
        # The old segments' pages, freed by the merge, go back to the file system.
        # (executescript: each step of the pragma frees one page, and execute() takes one.)
        self.db.executescript("PRAGMA incremental_vacuum;")
        # The merge rewrote the whole index into the WAL: fold it back and shrink it.
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _failed(self, source: Source, row: _Stored | None, problem: str) -> None:
        self.problems.append(problem)
        self.counts["failed"] += 1
        if row is not None:
            self._remove(row.doc_id, source.key)

    def _write(self, doc_id: int, source: Source, entry: Entry, version: Version) -> None:
        base = doc_id * ROWS_PER_DOCUMENT
        # Each chunk unpacked in turn, its rows (rowid, section, body) laid end to end and
        # written before the next: a huge document is never all in memory at once. Passages
        # past ROWS_PER_DOCUMENT are not kept.
        for first, packed in zip(entry.chunk_firsts, entry.chunks, strict=True):
            if first >= ROWS_PER_DOCUMENT:
                break
            sections, bodies, _starts = unpack_chunk(packed)
            rowids = range(base + first, base + min(first + len(bodies), ROWS_PER_DOCUMENT))
            self.rows.extend(chain.from_iterable(zip(rowids, sections, bodies, strict=False)))
            self.chunks.append((base + first, packed))
            if len(self.rows) >= 3 * ROWS_PER_INSERT:
                self._flush_rows()
        self.headings += [
            (base + n, heading, start)
            for n, heading, start in entry.headings
            if n < ROWS_PER_DOCUMENT
        ]
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
        width = 3 * ROWS_PER_INSERT
        full = len(self.rows) // width * width
        for start in range(0, full, width):
            self.db.execute(_INSERT_MANY, self.rows[start : start + width])
        rest = self.rows[full:]
        self.rows = []
        self.db.executemany(_INSERT_CHUNK, self.chunks)
        self.db.executemany(_INSERT_HEADING, self.headings)
        self.chunks, self.headings = [], []
        if not everything:
            self.rows = rest
            return
        self.db.executemany(_INSERT_ONE, zip(*[iter(rest)] * 3, strict=True))
        if self.files:
            indexed_at = utc_now()
            self.db.executemany(_INSERT_FILE, [(*row, indexed_at) for row in self.files])
            self.files = []

    def _commit(self) -> None:
        self._flush_rows(everything=True)
        self.db.execute("COMMIT")

    def _delete_passages(self, doc_id: int) -> None:
        base = doc_id * ROWS_PER_DOCUMENT
        span = (base, base + ROWS_PER_DOCUMENT - 1)
        stored = self.db.execute(
            "SELECT id, packed FROM passage_chunks WHERE id BETWEEN ? AND ?", span
        ).fetchall()
        for first, packed in stored:
            sections, bodies, _starts = unpack_chunk(packed)
            # (Only what was inserted: a contentless table told of another row goes wrong.)
            rowids = range(first, min(first + len(bodies), span[1] + 1))
            self.db.executemany(_FORGET, zip(rowids, sections, bodies, strict=False))
        self.db.execute("DELETE FROM passage_chunks WHERE id BETWEEN ? AND ?", span)
        self.db.execute("DELETE FROM headings WHERE id BETWEEN ? AND ?", span)

    def _remove(self, doc_id: int, key: str) -> None:
        self._delete_passages(doc_id)
        self.db.execute("DELETE FROM files WHERE key = ?", (key,))
