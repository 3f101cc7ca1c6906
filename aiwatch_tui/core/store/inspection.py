"""Looking at a database file without changing it (`aiwatch doctor`)."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import NamedTuple

from aiwatch_tui.core.store.database import BUSY_TIMEOUT_MS
from aiwatch_tui.core.store.privacy import read_only_uri
from aiwatch_tui.core.store.schema import APPLICATION_ID, IDENTIFY


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
    uri = read_only_uri(path)
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
    version, application_id, table_count = conn.execute(IDENTIFY).fetchone()
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
