"""The SQLite file that holds everything the user makes: positions, settings, highlights, notes.

Guarantees, and how they are kept:
- Nothing committed is lost: WAL journal with synchronous=FULL, and every write is one short
  BEGIN IMMEDIATE ... COMMIT that has finished before the method returns.
- Two aiwatch processes share the file: a busy timeout and IMMEDIATE transactions serialise the
  writers; `changed_elsewhere()` tells a process that the other one committed.
- The file is never made worse: a database that is damaged, belongs to another program or to a
  newer aiwatch is refused or opened read-only before anything is written to it.
- Privacy on shared hosts: the directory (and any parent it makes) is 0700 and the database
  0600 whatever the umask; a symlink, another user's file or folder is refused. SQLite creates
  `-wal`/`-shm` with the permission bits of the database file itself (and chmods away the
  umask), so a 0600 database gives 0600 siblings; we check them again after opening rather than
  touching the process-wide umask, which would race with other threads.
- A database aiwatch may not write (read-only, or from a newer aiwatch) is read through an
  immutable connection: no -wal or -shm file is left beside it.
"""

from __future__ import annotations

import math
import os
import random
import sqlite3
import stat
import threading
import time
import urllib.parse
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from aiwatch_tui.core.files import make_private_dirs
from aiwatch_tui.core.model import AnchorStatus, DocumentNote, Highlight, utc_now
from aiwatch_tui.core.sources import document_note_id
from aiwatch_tui.core.text.sanitize import escaped

SCHEMA_VERSION = 3
APPLICATION_ID = 0x41495741  # "AIWA": marks the file as aiwatch's (PRAGMA application_id)
BUSY_TIMEOUT_MS = 5000
OPEN_DEADLINE_S = 10.0  # give up opening after this long of "busy" from a concurrent opener
PRIVATE_FILE_MODE = 0o600
SIDE_FILE_SUFFIXES = ("-wal", "-shm", "-journal")

# SQLite primary result codes we explain to the user.
_SQLITE_READONLY = 8
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE positions (
            doc_key TEXT PRIMARY KEY NOT NULL,
            text_offset INTEGER NOT NULL,
            progress REAL NOT NULL,
            updated TEXT NOT NULL
        )""",
        """CREATE TABLE settings (
            name TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        )""",
        """CREATE TABLE highlights (
            id TEXT PRIMARY KEY NOT NULL,
            doc_key TEXT NOT NULL,
            doc_hash TEXT NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            exact TEXT NOT NULL,
            prefix TEXT NOT NULL,
            suffix TEXT NOT NULL,
            color TEXT NOT NULL,
            note TEXT NOT NULL,
            created TEXT NOT NULL,
            modified TEXT NOT NULL,
            status TEXT NOT NULL
        )""",
        "CREATE INDEX highlights_by_position ON highlights (doc_key, start_offset)",
        """CREATE TABLE document_notes (
            doc_key TEXT PRIMARY KEY NOT NULL,
            text TEXT NOT NULL,
            modified TEXT NOT NULL
        )""",
        """CREATE TABLE drafts (
            target TEXT PRIMARY KEY NOT NULL,
            text TEXT NOT NULL,
            saved TEXT NOT NULL
        )""",
        f"PRAGMA application_id = {APPLICATION_ID}",
    ),
    2: (
        # Folders and files the user added to the library (`aiwatch add`), absolute and resolved.
        """CREATE TABLE library_paths (
            path TEXT PRIMARY KEY NOT NULL,
            added TEXT NOT NULL
        )""",
    ),
    3: (
        # A document may have several notes (one's own, and others' imported), each an
        # annotation with its own id and times. The existing note of each document keeps the
        # id its exports already carried, so importing an old export merges with it.
        """CREATE TABLE document_notes_v3 (
            id TEXT PRIMARY KEY NOT NULL,
            doc_key TEXT NOT NULL,
            text TEXT NOT NULL,
            created TEXT NOT NULL,
            modified TEXT NOT NULL
        )""",
        "INSERT INTO document_notes_v3 (id, doc_key, text, created, modified)"
        " SELECT aiwatch_document_note_id(doc_key), doc_key, text, modified, modified"
        " FROM document_notes",
        "DROP TABLE document_notes",
        "ALTER TABLE document_notes_v3 RENAME TO document_notes",
        "CREATE INDEX document_notes_by_document ON document_notes (doc_key, created)",
        # Tags of highlights and document notes, by annotation id. Only imports write them
        # for now (from Hypothesis or W3C tagging bodies); exports give them back.
        """CREATE TABLE annotation_tags (
            annotation_id TEXT NOT NULL,
            tag TEXT NOT NULL,
            PRIMARY KEY (annotation_id, tag)
        ) WITHOUT ROWID""",
    ),
}

_IDENTIFY = (
    "SELECT (SELECT user_version FROM pragma_user_version),"
    " (SELECT application_id FROM pragma_application_id),"
    " (SELECT count(*) FROM sqlite_master)"
)

_HIGHLIGHT_COLUMNS = (
    "id, doc_key, doc_hash, start_offset, end_offset, exact, prefix, suffix,"
    " color, note, created, modified, status"
)
_SELECT_HIGHLIGHTS = f"SELECT {_HIGHLIGHT_COLUMNS} FROM highlights"
_ORDER_HIGHLIGHTS = " ORDER BY doc_key, start_offset, end_offset, id"
_INSERT_HIGHLIGHT = f"INSERT INTO highlights ({_HIGHLIGHT_COLUMNS}) VALUES ({', '.join('?' * 13)})"
_REPLACE_HIGHLIGHT = _INSERT_HIGHLIGHT.replace("INSERT", "INSERT OR REPLACE", 1)

# REPLACE (not an upsert) gives the row a fresh, larger rowid: the tie-breaker for last_read()
# when two positions are saved within the same millisecond.
_SAVE_POSITION = (
    "INSERT OR REPLACE INTO positions (doc_key, text_offset, progress, updated) VALUES (?, ?, ?, ?)"
)
_LAST_READ = "SELECT doc_key FROM positions ORDER BY updated DESC, rowid DESC LIMIT 1"

_ANNOTATION_COUNTS = """
    SELECT doc_key, SUM(highlight_count), SUM(note_count) FROM (
        SELECT doc_key, COUNT(*) AS highlight_count, SUM(note <> '') AS note_count
            FROM highlights GROUP BY doc_key
        UNION ALL
        SELECT doc_key, 0, 1 FROM document_notes
    ) GROUP BY doc_key
"""


class StoreError(Exception):
    """A problem with the database file; str() is one line: the file, what is wrong, what to do."""


class StoreReadOnlyError(StoreError):
    """A write was attempted on a store that was opened read-only."""


class MergeResult(NamedTuple):
    added: int
    updated: int
    unchanged: int
    # Kept as they were, but placed in a document at last: an orphan whose document has
    # become readable (added to the library) gets the imported anchor; its note stays.
    reanchored: int = 0


class AnnotationsMerge(NamedTuple):
    """What one merge_annotations() transaction did."""

    highlights: MergeResult
    notes: MergeResult


class DatabaseReport(NamedTuple):
    """What inspect_database() found; read without changing (or creating) anything."""

    path: Path
    exists: bool
    size: int = 0
    mode: int = 0
    schema_version: int = 0
    integrity: str = ""  # "ok", or the problems SQLite found
    problem: str = ""  # one line: why the file is unusable ("" when it is usable)
    highlights: int = 0
    orphaned: int = 0
    highlight_notes: int = 0
    document_notes: int = 0
    annotated_keys: tuple[str, ...] = ()  # documents that have highlights or a note
    library_paths: tuple[str, ...] = ()

    @property
    def healthy(self) -> bool:
        return self.exists and not self.problem and self.integrity == "ok"


class _WalNotEnabled(Exception):
    """journal_mode=WAL did not take (yet): retried, then reported as a StoreError."""


def _show(path: Path | str) -> str:
    # File names are untrusted: keep messages on one line and free of terminal controls.
    return escaped(os.fspath(path))


def _current_uid() -> int | None:
    getuid = getattr(os, "getuid", None)
    return getuid() if getuid is not None else None


def _error_code(error: sqlite3.Error) -> int:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else -1


def _is_busy(error: sqlite3.Error) -> bool:
    if _error_code(error) in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return True
    message = str(error).lower()
    return "locked" in message or "busy" in message


def _is_newer(candidate: str, current: str) -> bool:
    # Imported highlights may spell times differently ("+00:00", no milliseconds): compare
    # instants when both parse, else fall back to comparing the strings.
    try:
        return datetime.fromisoformat(candidate) > datetime.fromisoformat(current)
    except (TypeError, ValueError):  # TypeError: one time has a zone, the other has none
        return candidate > current


def _anchor_status(value: str) -> AnchorStatus:
    try:
        return AnchorStatus(value)
    except ValueError:
        return AnchorStatus.ANCHORED  # unknown (newer) status: re-anchoring will decide again


def _highlight_from_row(row: Sequence[Any]) -> Highlight:
    return Highlight(
        id=row[0],
        doc_key=row[1],
        doc_hash=row[2],
        start=row[3],
        end=row[4],
        exact=row[5],
        prefix=row[6],
        suffix=row[7],
        color=row[8],
        note=row[9],
        created=row[10],
        modified=row[11],
        status=_anchor_status(row[12]),
    )


def _highlight_params(h: Highlight) -> tuple[object, ...]:
    return (
        h.id,
        h.doc_key,
        h.doc_hash,
        h.start,
        h.end,
        h.exact,
        h.prefix,
        h.suffix,
        h.color,
        h.note,
        h.created,
        h.modified,
        str(h.status),
    )


def _replace_tags(conn: sqlite3.Connection, annotation_id: str, tags: Sequence[str]) -> None:
    conn.execute("DELETE FROM annotation_tags WHERE annotation_id = ?", (annotation_id,))
    conn.executemany(
        "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag) VALUES (?, ?)",
        [(annotation_id, tag) for tag in tags],
    )


def _add_tags(conn: sqlite3.Connection, annotation_id: str, tags: Sequence[str]) -> bool:
    """Add the tags not yet there; True when any was."""
    added = False
    for tag in tags:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag) VALUES (?, ?)",
            (annotation_id, tag),
        )
        added = added or cursor.rowcount > 0
    return added


_ANCHOR_UPDATE = (
    "UPDATE highlights SET doc_key = ?, doc_hash = ?, start_offset = ?, end_offset = ?,"
    " exact = ?, prefix = ?, suffix = ?, status = ? WHERE id = ?"
)


def _merge_highlight_rows(
    conn: sqlite3.Connection,
    hs: Sequence[Highlight],
    tags: Mapping[str, Sequence[str]],
) -> MergeResult:
    added = updated = unchanged = reanchored = 0
    for h in hs:
        row = conn.execute(
            "SELECT modified, status FROM highlights WHERE id = ?", (h.id,)
        ).fetchone()
        h_tags = tags.get(h.id, ())
        if row is None:
            if not h.modified:
                # Undated in the file: dated by the import. An undated copy is never newer
                # than what is stored, so importing it again changes nothing.
                now = utc_now()
                h = replace(h, created=h.created or now, modified=now)
            conn.execute(_INSERT_HIGHLIGHT, _highlight_params(h))
            _replace_tags(conn, h.id, h_tags)
            added += 1
        elif _is_newer(h.modified, str(row[0])):
            conn.execute(_REPLACE_HIGHLIGHT, _highlight_params(h))
            _replace_tags(conn, h.id, h_tags)
            updated += 1
        elif row[1] == AnchorStatus.ORPHANED and h.status is not AnchorStatus.ORPHANED:
            # The same annotation, unedited since or edited here: what was edited here (note,
            # colour) stays, and it takes the place the import found for it.
            conn.execute(
                _ANCHOR_UPDATE,
                (h.doc_key, h.doc_hash, h.start, h.end, h.exact, h.prefix, h.suffix)
                + (str(h.status), h.id),
            )
            _add_tags(conn, h.id, h_tags)
            reanchored += 1
        elif _add_tags(conn, h.id, h_tags):
            updated += 1  # tags are never removed by an older copy, only added
        else:
            unchanged += 1
    return MergeResult(added, updated, unchanged, reanchored)


def _note_id(note: DocumentNote) -> str:
    return note.id or document_note_id(note.doc_key)


def _merge_note_rows(
    conn: sqlite3.Connection,
    notes: Sequence[DocumentNote],
    tags: Mapping[str, Sequence[str]],
    readable_keys: Collection[str],
) -> MergeResult:
    added = updated = unchanged = reanchored = 0
    for note in notes:
        note_id = _note_id(note)
        note_tags = tags.get(note_id, ())
        row = conn.execute(
            "SELECT text, modified, doc_key FROM document_notes WHERE id = ?", (note_id,)
        ).fetchone()
        if not note.text.strip() and not note_tags:
            unchanged += 1
            continue
        modified = note.modified or utc_now()
        if row is None:
            conn.execute(
                "INSERT INTO document_notes (id, doc_key, text, created, modified)"
                " VALUES (?, ?, ?, ?, ?)",
                (note_id, note.doc_key, note.text, note.created or modified, modified),
            )
            _replace_tags(conn, note_id, note_tags)
            added += 1
        elif str(row[0]) != note.text and _is_newer(note.modified, str(row[1])):
            conn.execute(
                "UPDATE document_notes SET doc_key = ?, text = ?, modified = ? WHERE id = ?",
                (note.doc_key, note.text, modified, note_id),
            )
            _replace_tags(conn, note_id, note_tags)
            updated += 1
        elif str(row[2]) != note.doc_key and note.doc_key in readable_keys:
            # Kept under the name the file gave; its document is now in the library.
            conn.execute(
                "UPDATE document_notes SET doc_key = ? WHERE id = ?", (note.doc_key, note_id)
            )
            _add_tags(conn, note_id, note_tags)
            reanchored += 1
        elif _add_tags(conn, note_id, note_tags):
            updated += 1
        else:
            unchanged += 1  # the same text, or the note here was changed more recently
    return MergeResult(added, updated, unchanged, reanchored)


def _insert_library_path(conn: sqlite3.Connection, path: str) -> bool:
    cursor = conn.execute(
        "INSERT OR IGNORE INTO library_paths (path, added) VALUES (?, ?)", (path, utc_now())
    )
    return cursor.rowcount > 0


# --- the file and its directory -------------------------------------------------------------


def _holds_only_the_database(directory: Path, db_name: str) -> bool:
    try:
        with os.scandir(directory) as entries:
            return all(entry.name.startswith(db_name) for entry in entries)
    except OSError:
        return False


def _secure_directory(db_path: Path) -> list[str]:
    """Create the database's directory 0700, or check an existing one; returns what was fixed.

    An existing folder of ours that other users can open is made private when it holds only
    aiwatch's files (the data folder). A folder the user keeps other things in (named with
    --db: a project folder, the home directory) is not re-moded behind their back: it is
    accepted when others can only read it (the database files themselves are 0600) and refused
    when others can write to it, since they could plant a -wal/-shm file or a symlink there.
    """
    directory = db_path.parent
    try:
        if not os.path.lexists(directory):  # something else there is named just below
            make_private_dirs(directory)
        info = os.stat(directory)
    except (OSError, ValueError) as error:
        raise StoreError(
            f"{_show(directory)}: cannot create or read the data folder ({error}); "
            "check the path given with --db or AIWATCH_DB"
        ) from error
    if not stat.S_ISDIR(info.st_mode):
        raise StoreError(f"{_show(directory)}: is not a folder; name another database with --db")
    uid = _current_uid()
    if uid is not None and info.st_uid != uid:
        raise StoreError(
            f"{_show(directory)}: the folder belongs to another user (uid {info.st_uid}), who "
            "could read or replace your data; keep the database in a folder of your own (--db)"
        )
    if uid is None or not info.st_mode & 0o077:
        return []
    old_mode = stat.S_IMODE(info.st_mode)
    new_mode = old_mode & 0o700  # a folder the user made read-only stays read-only
    if not _holds_only_the_database(directory, db_path.name):
        if info.st_mode & 0o022:
            raise StoreError(
                f"{_show(directory)}: other users can write to this folder ({old_mode:o}) and "
                "could tamper with the database; keep it in a private folder (--db)"
            )
        return []
    try:
        os.chmod(directory, new_mode)
    except OSError as error:
        raise StoreError(
            f"{_show(directory)}: other users can open this folder and it cannot be made "
            f"private ({error.strerror}); run: chmod go-rwx '{_show(directory)}'"
        ) from error
    return [
        f"{_show(directory)} was open to other users ({old_mode:o}); made it private ({new_mode:o})"
    ]


def _check_private_file(path: Path) -> tuple[bool, list[str]]:
    """(exists, fixes) for the database or a side file; refuses links and other users' files."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False, []
    except (OSError, ValueError) as error:
        raise StoreError(f"{_show(path)}: cannot be read ({error})") from error
    if stat.S_ISLNK(info.st_mode):
        raise StoreError(
            f"{_show(path)}: is a symbolic link; refusing to follow it (it could send your data "
            "elsewhere) — remove the link or name the real file with --db"
        )
    if not stat.S_ISREG(info.st_mode):
        raise StoreError(f"{_show(path)}: is not a regular file; name a database file with --db")
    uid = _current_uid()
    if uid is not None and info.st_uid != uid:
        raise StoreError(
            f"{_show(path)}: belongs to another user (uid {info.st_uid}); refusing to use it — "
            "use a database of your own (--db or AIWATCH_DB)"
        )
    if uid is None or not info.st_mode & 0o077:
        return True, []
    old_mode = stat.S_IMODE(info.st_mode)
    # Only the others' bits go: a file the user made read-only (0444) stays read-only (0400).
    new_mode = old_mode & 0o700
    try:
        os.chmod(path, new_mode)
    except OSError as error:
        raise StoreError(
            f"{_show(path)}: other users can read it and it cannot be made private "
            f"({error.strerror}); run: chmod go-rwx '{_show(path)}'"
        ) from error
    return True, [
        f"{_show(path)} was readable by other users ({old_mode:o}); made it private ({new_mode:o})"
    ]


def _create_private_file(path: Path) -> bool:
    """Create an empty file 0600 (whatever the umask); False when it already exists."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    except (OSError, ValueError) as error:
        raise StoreError(f"{_show(path)}: cannot create the file ({error})") from error
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)
    return True


def _side_files(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in SIDE_FILE_SUFFIXES]


def _prepare_files(path: Path) -> tuple[list[str], bool]:
    """Make sure the directory and database exist and are private before SQLite sees them.
    Returns what was fixed, and whether an empty file was already there (not made by us)."""
    fixes = _secure_directory(path)
    exists, fixed = _check_private_file(path)
    if not exists and not _create_private_file(path):
        # Another process created it between our look and our create: check its file instead.
        exists, fixed = _check_private_file(path)
    found_empty = exists and os.stat(path).st_size == 0
    fixes += fixed
    for side_file in _side_files(path):
        fixes += _check_private_file(side_file)[1]
    return fixes, found_empty


def _read_only_uri(path: Path) -> str:
    """A read-only URI for `path` that leaves its folder exactly as it is.

    A plain mode=ro reader of a WAL database creates -wal and -shm files beside it (and leaves
    them); with `immutable=1` SQLite creates nothing and takes no locks. That is right when no
    write-ahead log is there: the file then holds every committed transaction. A -wal with
    content holds commits not yet copied into the file (an aiwatch running or killed), which
    an immutable reader would not see: then plain mode=ro, the side files being there already.
    The cost: an immutable reader does not see commits made after it opened (by a newer
    aiwatch, which starts a -wal first); it is used only where aiwatch cannot write anyway.
    """
    uri = f"file:{urllib.parse.quote(os.fspath(path.absolute()))}?mode=ro"
    try:
        log_size = os.stat(path.with_name(path.name + "-wal")).st_size
    except OSError:
        log_size = 0
    return uri if log_size else uri + "&immutable=1"


# --- the store ------------------------------------------------------------------------------


class Store:
    """One connection to the aiwatch database, safe to call from several threads."""

    SCHEMA_VERSION = SCHEMA_VERSION

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.read_only = False
        self.read_only_reason = ""  # the one-line message every write raises when read-only
        self._lock = threading.RLock()
        self._initialised = False  # whether this store wrote the schema into an empty file
        fixes, found_empty = _prepare_files(self.path)
        self.notices: tuple[str, ...] = tuple(fixes)
        self._conn: sqlite3.Connection | None = self._open()
        try:
            if found_empty and self._initialised:
                # Said, not silently done: an empty file where the database should be may be
                # a database that was lost (a failed copy, a full disk); nothing was in it.
                self.notices += (
                    f"{_show(self.path)} was an empty file (0 bytes); started a new, empty "
                    "database in it — if your highlights were there, restore a backup",
                )
            self.notices += tuple(self._recheck_side_files())
            self._data_version = self._pragma_int("data_version")
        except BaseException:
            self.close()
            raise

    # -- opening -----------------------------------------------------------------------------

    def _connect(self, *, read_only: bool) -> sqlite3.Connection:
        # mode=rw: SQLite must never create the file itself (we did, with mode 0600).
        if read_only:
            uri = _read_only_uri(self.path)
        else:
            uri = f"file:{urllib.parse.quote(os.fspath(self.path.absolute()))}?mode=rw"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn

    def _open(self) -> sqlite3.Connection:
        deadline = time.monotonic() + OPEN_DEADLINE_S
        while True:
            try:
                return self._try_open()
            except sqlite3.OperationalError as error:
                if not _is_busy(error) or time.monotonic() > deadline:
                    raise self._error(error, "open") from error
            except _WalNotEnabled as error:
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"{_show(self.path)}: cannot switch the database to WAL journal mode "
                        f"(it stayed {error}); keep the database on a local disk"
                    ) from error
            except sqlite3.Error as error:
                raise self._error(error, "open") from error
            # Another process is creating or converting the same file right now.
            time.sleep(random.uniform(0.02, 0.1))

    def _try_open(self) -> sqlite3.Connection:
        if not os.access(self.path, os.W_OK):
            return self._open_read_only(
                f"{_show(self.path)} is not writable (read-only file or file system); "
                "opened read-only — changes will not be saved"
            )
        # Looked at read-only first: a read-write connection to a newer aiwatch's WAL database
        # would create -wal and -shm files beside it before its version could be read.
        newer = self._newer_version()
        if newer:
            return self._open_read_only(self._newer_reason(newer))
        conn = self._connect(read_only=False)
        try:
            version = self._check_is_aiwatch(conn)  # the first read: a non-database fails here
            if version > SCHEMA_VERSION:
                conn.close()
                return self._open_read_only(self._newer_reason(version))
            self._quick_check(conn)  # before anything is written to a damaged file
            self._enable_wal(conn)
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            if version < SCHEMA_VERSION:
                newer = self._migrate(conn)
                if newer:
                    conn.close()
                    return self._open_read_only(self._newer_reason(newer))
        except BaseException:
            conn.close()
            raise
        return conn

    def _newer_version(self) -> int:
        """The schema version when it is newer than this aiwatch's, else 0 (read-only)."""
        conn = self._connect(read_only=True)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
        return version if version > SCHEMA_VERSION else 0

    def _open_read_only(self, reason: str) -> sqlite3.Connection:
        conn = self._connect(read_only=True)
        try:
            version = self._check_is_aiwatch(conn)
            if version == 0:
                raise StoreError(
                    f"{_show(self.path)}: holds no aiwatch database yet and cannot be written "
                    f"({reason.split(';')[0]}); name another database with --db"
                )
            self._quick_check(conn)
        except BaseException:
            conn.close()
            raise
        self.read_only = True
        self.read_only_reason = reason
        return conn

    def _newer_reason(self, version: int) -> str:
        return (
            f"{_show(self.path)} was written by a newer aiwatch (schema {version} > "
            f"{SCHEMA_VERSION}); upgrade aiwatch — opened read-only"
        )

    def _check_is_aiwatch(self, conn: sqlite3.Connection) -> int:
        # One statement, so one snapshot: a concurrent opener's migration is seen whole or not.
        version, application_id, table_count = conn.execute(_IDENTIFY).fetchone()
        foreign = application_id not in (0, APPLICATION_ID)
        if application_id == 0 and version == 0:
            # A fresh file is empty; an SQLite file with tables but no marks is another program's.
            foreign = table_count > 0
        if foreign:
            raise StoreError(
                f"{_show(self.path)}: is an SQLite database of another program, not aiwatch's; "
                "it was left untouched — name another file with --db"
            )
        return int(version)

    def _quick_check(self, conn: sqlite3.Connection) -> None:
        problems = [str(row[0]) for row in conn.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise self._damaged(problems[0])

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
        mode = str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
        if mode != "wal":  # verified: a pragma that did not take reports the old mode
            raise _WalNotEnabled(mode)

    def _migrate(self, conn: sqlite3.Connection) -> int:
        """Bring the schema up to date in one transaction; returns a newer version found, or 0."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: a concurrent opener may have migrated already.
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                conn.execute("ROLLBACK")
                return version
            self._initialised = version == 0
            # Used by migration 3 to give each existing document note its exported id.
            conn.create_function(
                "aiwatch_document_note_id", 1, document_note_id, deterministic=True
            )
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[step]:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return 0

    def _recheck_side_files(self) -> list[str]:
        fixes: list[str] = []
        for side_file in _side_files(self.path):
            fixes += _check_private_file(side_file)[1]
        return fixes

    # -- plumbing ----------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"{_show(self.path)}: the database is closed")
        return self._conn

    def _damaged(self, detail: str) -> StoreError:
        return StoreError(
            f"{_show(self.path)}: the database is damaged ({detail}); it was left untouched — "
            "move it aside or restore a backup, then start aiwatch again"
        )

    def _error(self, error: sqlite3.Error, doing: str) -> StoreError:
        code = _error_code(error)
        detail = str(error)
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or (
            isinstance(error, sqlite3.DatabaseError)
            and not isinstance(error, sqlite3.OperationalError)
            and ("malformed" in detail or "not a database" in detail)
        ):
            if doing == "open":
                return StoreError(
                    f"{_show(self.path)}: is not an aiwatch database or is damaged ({detail}); "
                    "it was left untouched — move it aside or restore a backup"
                )
            return self._damaged(detail)
        advice = {
            _SQLITE_FULL: "free some disk space, then try again",
            _SQLITE_BUSY: "another aiwatch kept the database busy; try again",
            _SQLITE_LOCKED: "another aiwatch kept the database busy; try again",
            _SQLITE_READONLY: "the file or its folder is read-only; check the permissions",
            _SQLITE_IOERR: "the disk reported an error; check it and free some space",
            _SQLITE_CANTOPEN: "check that the folder exists and is writable",
        }.get(code, "check the file and its folder, then try again")
        outcome = "nothing was changed" if doing == "save" else "nothing was written"
        return StoreError(f"{_show(self.path)}: could not {doing} ({detail}); {outcome} — {advice}")

    def _refuse_if_newer(self, conn: sqlite3.Connection) -> None:
        # A newer aiwatch may have migrated the file while we had it open.
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            self.read_only = True
            self.read_only_reason = self._newer_reason(version)
            raise StoreReadOnlyError(self.read_only_reason)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short BEGIN IMMEDIATE ... COMMIT, rolled back on any failure."""
        with self._lock:
            conn = self._connection()
            if self.read_only:
                raise StoreReadOnlyError(self.read_only_reason)
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise self._error(error, "save") from error
            try:
                self._refuse_if_newer(conn)
                yield conn
                conn.execute("COMMIT")
            except BaseException as error:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass  # the connection already rolled back (e.g. after SQLITE_FULL)
                if isinstance(error, sqlite3.IntegrityError):
                    raise ValueError(f"{_show(self.path)}: {error}") from error
                if isinstance(error, sqlite3.Error):
                    raise self._error(error, "save") from error
                raise

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        with self._lock:
            try:
                return self._connection().execute(sql, params).fetchall()
            except sqlite3.Error as error:
                raise self._error(error, "read") from error

    def _pragma_int(self, name: str) -> int:
        return int(self._read(f"PRAGMA {name}")[0][0])

    # -- lifetime ----------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def changed_elsewhere(self) -> bool:
        """True when another connection committed since the last call (or since opening)."""
        with self._lock:
            version = self._pragma_int("data_version")
            changed = version != self._data_version
            self._data_version = version
            return changed

    # -- reading positions and settings ------------------------------------------------------

    def position(self, doc_key: str) -> int | None:
        rows = self._read("SELECT text_offset FROM positions WHERE doc_key = ?", (doc_key,))
        return int(rows[0][0]) if rows else None

    def save_position(self, doc_key: str, offset: int, progress: float) -> None:
        progress = min(1.0, max(0.0, progress)) if math.isfinite(progress) else 0.0
        with self._write() as conn:
            conn.execute(_SAVE_POSITION, (doc_key, max(0, offset), progress, utc_now()))

    def progress_by_document(self) -> dict[str, float]:
        return {key: float(p) for key, p in self._read("SELECT doc_key, progress FROM positions")}

    def last_read(self) -> str | None:
        rows = self._read(_LAST_READ)
        return str(rows[0][0]) if rows else None

    def setting(self, name: str) -> str | None:
        rows = self._read("SELECT value FROM settings WHERE name = ?", (name,))
        return str(rows[0][0]) if rows else None

    def set_setting(self, name: str, value: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", (name, value)
            )

    # -- highlights and notes ----------------------------------------------------------------

    def add_highlight(self, h: Highlight) -> None:
        """Insert a new highlight; ValueError if its id is already taken."""
        with self._write() as conn:
            conn.execute(_INSERT_HIGHLIGHT, _highlight_params(h))

    def update_highlight(self, h: Highlight) -> None:
        """Replace every field of the row with h.id; re-creates the row if another process deleted
        it meanwhile, so an edited note is never silently dropped."""
        with self._write() as conn:
            conn.execute(_REPLACE_HIGHLIGHT, _highlight_params(h))

    def delete_highlight(self, highlight_id: str) -> Highlight | None:
        with self._write() as conn:
            row = conn.execute(f"{_SELECT_HIGHLIGHTS} WHERE id = ?", (highlight_id,)).fetchone()
            conn.execute("DELETE FROM highlights WHERE id = ?", (highlight_id,))
        return _highlight_from_row(row) if row is not None else None

    def highlight(self, highlight_id: str) -> Highlight | None:
        rows = self._read(f"{_SELECT_HIGHLIGHTS} WHERE id = ?", (highlight_id,))
        return _highlight_from_row(rows[0]) if rows else None

    def highlights(self, doc_key: str | None = None) -> list[Highlight]:
        """Ordered by doc_key, then start offset."""
        if doc_key is None:
            rows = self._read(_SELECT_HIGHLIGHTS + _ORDER_HIGHLIGHTS)
        else:
            rows = self._read(
                f"{_SELECT_HIGHLIGHTS} WHERE doc_key = ?{_ORDER_HIGHLIGHTS}", (doc_key,)
            )
        return [_highlight_from_row(row) for row in rows]

    def annotation_counts(self) -> dict[str, tuple[int, int]]:
        """doc_key -> (highlights, notes), notes counting highlight notes and document notes."""
        return {key: (int(h), int(n)) for key, h, n in self._read(_ANNOTATION_COUNTS)}

    def document_note(self, doc_key: str, note_id: str = "") -> str:
        """The text of a document's note: its own (the one `A` edits), or the one `note_id`."""
        rows = self._read(
            "SELECT text FROM document_notes WHERE id = ?", (note_id or document_note_id(doc_key),)
        )
        return str(rows[0][0]) if rows else ""

    def set_document_note(self, doc_key: str, text: str, note_id: str = "") -> None:
        """Save a document's own note (or the note `note_id`); an empty (or blank) text
        deletes it. Its creation time is kept across edits."""
        note_id = note_id or document_note_id(doc_key)
        with self._write() as conn:
            if text.strip():
                now = utc_now()
                conn.execute(
                    "INSERT INTO document_notes (id, doc_key, text, created, modified)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE"
                    " SET text = excluded.text, modified = excluded.modified",
                    (note_id, doc_key, text, now, now),
                )
            else:
                conn.execute("DELETE FROM document_notes WHERE id = ?", (note_id,))

    def save_draft(self, target: str, text: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO drafts (target, text, saved) VALUES (?, ?, ?)",
                (target, text, utc_now()),
            )

    def draft(self, target: str) -> str | None:
        rows = self._read("SELECT text FROM drafts WHERE target = ?", (target,))
        return str(rows[0][0]) if rows else None

    def drafts(self) -> dict[str, str]:
        """Every unsaved draft by target (e.g. to offer them back after a crash)."""
        return {str(t): str(x) for t, x in self._read("SELECT target, text FROM drafts")}

    def discard_draft(self, target: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM drafts WHERE target = ?", (target,))

    # -- interchange and care ----------------------------------------------------------------

    def merge_highlights(self, hs: Sequence[Highlight]) -> MergeResult:
        """Merge by id in one transaction: new ids are added, a newer `modified` wins."""
        with self._write() as conn:
            return _merge_highlight_rows(conn, hs, {})

    def merge_annotations(
        self,
        highlights: Sequence[Highlight],
        notes: Sequence[DocumentNote] = (),
        tags: Mapping[str, Sequence[str]] | None = None,
        readable_keys: Collection[str] = (),
    ) -> AnnotationsMerge:
        """An import, in one transaction, everything merged by annotation id: a new id is
        added, a newer `modified` wins (with its tags), and an identical or older copy leaves
        what is here, with two exceptions. An orphan here that the import could place takes
        that place (its note and colour stay); a note kept under another document key moves
        to its key in `readable_keys` (documents the import could read). Tags (by annotation
        id) are only ever added by an older copy. All of it is written, or none."""
        with self._write() as conn:
            merged_highlights = _merge_highlight_rows(conn, highlights, tags or {})
            merged_notes = _merge_note_rows(conn, notes, tags or {}, frozenset(readable_keys))
        return AnnotationsMerge(merged_highlights, merged_notes)

    def document_notes(self) -> list[DocumentNote]:
        """Every note of a whole document, by document key, then by creation."""
        rows = self._read(
            "SELECT doc_key, text, modified, id, created FROM document_notes"
            " ORDER BY doc_key, created, id"
        )
        return [DocumentNote(*(str(value) for value in row)) for row in rows]

    def tags(self) -> dict[str, tuple[str, ...]]:
        """The tags of each tagged annotation (highlight or document note), by its id."""
        tags: dict[str, list[str]] = {}
        for annotation_id, tag in self._read(
            "SELECT annotation_id, tag FROM annotation_tags ORDER BY annotation_id, tag"
        ):
            tags.setdefault(str(annotation_id), []).append(str(tag))
        return {key: tuple(values) for key, values in tags.items()}

    # -- the library -------------------------------------------------------------------------

    def library_paths(self) -> list[str]:
        """The folders and files added to the library, in the order they were added."""
        return [str(row[0]) for row in self._read("SELECT path FROM library_paths ORDER BY rowid")]

    def add_library_path(self, path: str) -> bool:
        """Remember a folder or file (give it absolute and resolved); False if already there."""
        with self._write() as conn:
            return _insert_library_path(conn, path)

    def remove_library_path(self, path: str) -> bool:
        """Forget a folder or file (its annotations are kept); False if it was not there."""
        with self._write() as conn:
            return conn.execute("DELETE FROM library_paths WHERE path = ?", (path,)).rowcount > 0

    # -- care --------------------------------------------------------------------------------

    def backup(self, dest: Path) -> None:
        """Copy a consistent snapshot into the new file `dest` (0600); refuses an existing file."""
        dest = Path(dest)
        if not _create_private_file(dest):
            raise StoreError(
                f"{_show(dest)}: already exists; choose a new file name for the backup"
            )
        try:
            with self._lock:
                target = sqlite3.connect(
                    f"file:{urllib.parse.quote(os.fspath(dest.absolute()))}?mode=rw", uri=True
                )
                try:
                    # pages=-1 copies everything in one step: one read transaction, one snapshot.
                    self._connection().backup(target, pages=-1)
                finally:
                    target.close()
        except BaseException as error:
            for leftover in [dest, *_side_files(dest)]:
                leftover.unlink(missing_ok=True)
            if isinstance(error, sqlite3.Error):
                raise StoreError(
                    f"{_show(dest)}: the backup failed ({error}); nothing was kept — "
                    "check the free space there and try again"
                ) from error
            raise

    def integrity_check(self) -> str:
        """ "ok", or the problems SQLite found, joined on one line."""
        return "; ".join(str(row[0]) for row in self._read("PRAGMA integrity_check"))

    def schema_version(self) -> int:
        return self._pragma_int("user_version")


# --- inspection (aiwatch doctor) --------------------------------------------------------------

_COUNT_HIGHLIGHTS = (
    "SELECT COUNT(*), COALESCE(SUM(status = 'orphaned'), 0), COALESCE(SUM(note <> ''), 0)"
    " FROM highlights"
)
_ANNOTATED_KEYS = (
    "SELECT doc_key FROM highlights UNION SELECT doc_key FROM document_notes ORDER BY 1"
)


def inspect_database(path: Path) -> DatabaseReport:
    """Look at a database file without creating, migrating, repairing or re-moding it.

    Used by `aiwatch doctor`, which must be safe to run on a damaged file or while the app
    is running: the file is opened read-only and only read.
    """
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return DatabaseReport(path=path, exists=False)
    except (OSError, ValueError) as error:
        return DatabaseReport(path=path, exists=True, problem=f"cannot be read ({error})")
    size, mode = info.st_size, stat.S_IMODE(info.st_mode)
    if stat.S_ISLNK(info.st_mode):
        problem = "is a symbolic link, which aiwatch refuses to follow"
        return DatabaseReport(path=path, exists=True, size=size, mode=mode, problem=problem)
    if not stat.S_ISREG(info.st_mode):
        problem = "is not a regular file"
        return DatabaseReport(path=path, exists=True, size=size, mode=mode, problem=problem)
    uri = _read_only_uri(path)
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as error:
        return DatabaseReport(path, True, size, mode, problem=f"cannot be opened ({error})")
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return _inspect_open(conn, path, size, mode)
    except sqlite3.Error as error:
        return DatabaseReport(path, True, size, mode, problem=f"cannot be read ({error})")
    finally:
        conn.close()


def _inspect_open(conn: sqlite3.Connection, path: Path, size: int, mode: int) -> DatabaseReport:
    version, application_id, table_count = conn.execute(_IDENTIFY).fetchone()
    if application_id not in (0, APPLICATION_ID) or (
        application_id == 0 and version == 0 and table_count > 0
    ):
        problem = "is an SQLite database of another program, not aiwatch's"
        return DatabaseReport(path, True, size, mode, int(version), problem=problem)
    integrity = "; ".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check(20)"))
    report = DatabaseReport(path, True, size, mode, int(version), integrity=integrity)
    if version < 1:
        return report  # created but never opened by aiwatch: nothing in it yet
    highlights, orphaned, highlight_notes = conn.execute(_COUNT_HIGHLIGHTS).fetchone()
    document_notes = conn.execute("SELECT COUNT(*) FROM document_notes").fetchone()[0]
    keys = tuple(str(row[0]) for row in conn.execute(_ANNOTATED_KEYS))
    library: tuple[str, ...] = ()
    if version >= 2:
        rows = conn.execute("SELECT path FROM library_paths ORDER BY rowid")
        library = tuple(str(row[0]) for row in rows)
    return DatabaseReport(
        path,
        True,
        size,
        mode,
        int(version),
        integrity=integrity,
        highlights=int(highlights),
        orphaned=int(orphaned),
        highlight_notes=int(highlight_notes),
        document_notes=int(document_notes),
        annotated_keys=keys,
        library_paths=library,
    )
