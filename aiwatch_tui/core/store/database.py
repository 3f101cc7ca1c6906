"""The connection to the SQLite file that holds everything the user makes.

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

import os
import random
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiwatch_tui.core.store import schema
from aiwatch_tui.core.store.errors import (
    SQLITE_BUSY,
    SQLITE_CANTOPEN,
    SQLITE_CORRUPT,
    SQLITE_FULL,
    SQLITE_IOERR,
    SQLITE_LOCKED,
    SQLITE_NOTADB,
    SQLITE_READONLY,
    StoreError,
    StoreReadOnlyError,
    error_code,
    is_busy,
    show,
)
from aiwatch_tui.core.store.privacy import (
    check_private_file,
    create_private_file,
    prepare_files,
    read_only_uri,
    side_files,
)
from aiwatch_tui.core.store.schema import APPLICATION_ID, IDENTIFY, SCHEMA_VERSION
from aiwatch_tui.core.uris import document_note_id

BUSY_TIMEOUT_MS = 5000
OPEN_DEADLINE_S = 10.0  # give up opening after this long of "busy" from a concurrent opener


# The fetched articles and their earlier versions (see _quick_check).
_ARCHIVE_TABLES = frozenset({"articles", "article_versions", "article_urls"})


class _WalNotEnabled(Exception):
    """journal_mode=WAL did not take (yet): retried, then reported as a StoreError."""


class Database:
    """One connection to the aiwatch database, safe to call from several threads: opening it
    (or refusing to), one short transaction per write, and its care (backup, checks). The
    tables are read and written by the classes that make up `Store`."""

    SCHEMA_VERSION = SCHEMA_VERSION

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.read_only = False
        self.read_only_reason = ""  # the one-line message every write raises when read-only
        self._lock = threading.RLock()
        self._initialised = False  # whether this store wrote the schema into an empty file
        fixes, found_empty = prepare_files(self.path)
        self.notices: tuple[str, ...] = tuple(fixes)
        self._conn: sqlite3.Connection | None = self._open()
        try:
            if found_empty and self._initialised:
                # Said, not silently done: an empty file where the database should be may be
                # a database that was lost (a failed copy, a full disk); nothing was in it.
                self.notices += (
                    f"{show(self.path)} was an empty file (0 bytes); started a new, empty "
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
            uri = read_only_uri(self.path)
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
                if not is_busy(error) or time.monotonic() > deadline:
                    raise self._error(error, "open") from error
            except _WalNotEnabled as error:
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"{show(self.path)}: cannot switch the database to WAL journal mode "
                        f"(it stayed {error}); keep the database on a local disk"
                    ) from error
            except sqlite3.Error as error:
                raise self._error(error, "open") from error
            # Another process is creating or converting the same file right now.
            time.sleep(random.uniform(0.02, 0.1))

    def _try_open(self) -> sqlite3.Connection:
        if not os.access(self.path, os.W_OK):
            return self._open_read_only(
                f"{show(self.path)} is not writable (read-only file or file system); "
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
                    f"{show(self.path)}: holds no aiwatch database yet and cannot be written "
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
            f"{show(self.path)} was written by a newer aiwatch (schema {version} > "
            f"{SCHEMA_VERSION}); upgrade aiwatch — opened read-only"
        )

    def _check_is_aiwatch(self, conn: sqlite3.Connection) -> int:
        # One statement, so one snapshot: a concurrent opener's migration is seen whole or not.
        version, application_id, table_count = conn.execute(IDENTIFY).fetchone()
        foreign = application_id not in (0, APPLICATION_ID)
        if application_id == 0 and version == 0:
            # A fresh file is empty; an SQLite file with tables but no marks is another program's.
            foreign = table_count > 0
        if foreign:
            raise StoreError(
                f"{show(self.path)}: is an SQLite database of another program, not aiwatch's; "
                "it was left untouched — name another file with --db"
            )
        return int(version)

    def _quick_check(self, conn: sqlite3.Connection) -> None:
        # Every table but the archive of fetched articles, which grows for ever: checking it
        # at each start would cost a read of the whole file (a fifth of a second for 5,000
        # articles, seconds for 50,000). A damaged article page fails the query that reads it,
        # in one line like any damage; `aiwatch doctor` checks the whole file.
        tables = [
            str(row[0])
            for row in conn.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        checked = [table for table in tables if table not in _ARCHIVE_TABLES]
        if len(checked) == len(tables):
            pragmas = ["PRAGMA quick_check(3)"]
        else:
            pragmas = [f'PRAGMA quick_check("{table}")' for table in checked]
        for pragma in pragmas:
            problems = [str(row[0]) for row in conn.execute(pragma)]
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
                for statement in schema.MIGRATIONS[step]:  # looked up here: tests swap it
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
        for side_file in side_files(self.path):
            fixes += check_private_file(side_file)[1]
        return fixes

    # -- plumbing ----------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"{show(self.path)}: the database is closed")
        return self._conn

    def _damaged(self, detail: str) -> StoreError:
        return StoreError(
            f"{show(self.path)}: the database is damaged ({detail}); it was left untouched — "
            "move it aside or restore a backup, then start aiwatch again"
        )

    def _error(self, error: sqlite3.Error, doing: str) -> StoreError:
        code = error_code(error)
        detail = str(error)
        if code in (SQLITE_CORRUPT, SQLITE_NOTADB) or (
            isinstance(error, sqlite3.DatabaseError)
            and not isinstance(error, sqlite3.OperationalError)
            and ("malformed" in detail or "not a database" in detail)
        ):
            if doing == "open":
                return StoreError(
                    f"{show(self.path)}: is not an aiwatch database or is damaged ({detail}); "
                    "it was left untouched — move it aside or restore a backup"
                )
            return self._damaged(detail)
        advice = {
            SQLITE_FULL: "free some disk space, then try again",
            SQLITE_BUSY: "another aiwatch kept the database busy; try again",
            SQLITE_LOCKED: "another aiwatch kept the database busy; try again",
            SQLITE_READONLY: "the file or its folder is read-only; check the permissions",
            SQLITE_IOERR: "the disk reported an error; check it and free some space",
            SQLITE_CANTOPEN: "check that the folder exists and is writable",
        }.get(code, "check the file and its folder, then try again")
        outcome = "nothing was changed" if doing == "save" else "nothing was written"
        return StoreError(f"{show(self.path)}: could not {doing} ({detail}); {outcome} — {advice}")

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
                    raise ValueError(f"{show(self.path)}: {error}") from error
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

    def __enter__(self) -> Self:
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

    # -- care --------------------------------------------------------------------------------

    def backup(self, dest: Path) -> None:
        """Copy a consistent snapshot into the new file `dest` (0600); refuses an existing file."""
        dest = Path(dest)
        if not create_private_file(dest):
            raise StoreError(f"{show(dest)}: already exists; choose a new file name for the backup")
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
            for leftover in [dest, *side_files(dest)]:
                leftover.unlink(missing_ok=True)
            if isinstance(error, sqlite3.Error):
                raise StoreError(
                    f"{show(dest)}: the backup failed ({error}); nothing was kept — "
                    "check the free space there and try again"
                ) from error
            raise

    def integrity_check(self) -> str:
        """ "ok", or the problems SQLite found, joined on one line."""
        return "; ".join(str(row[0]) for row in self._read("PRAGMA integrity_check"))

    def schema_version(self) -> int:
        return self._pragma_int("user_version")
