"""What can go wrong with the database, said in one line: the file, what is wrong, what to do."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from aiwatch_tui.core.text.sanitize import escaped

# SQLite primary result codes we explain to the user.
SQLITE_READONLY = 8
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26


class StoreError(Exception):
    """A problem with the database file; str() is one line: the file, what is wrong, what to do."""


class StoreReadOnlyError(StoreError):
    """A write was attempted on a store that was opened read-only."""


def show(path: Path | str) -> str:
    # File names are untrusted: keep messages on one line and free of terminal controls.
    return escaped(os.fspath(path))


def _current_uid() -> int | None:
    getuid = getattr(os, "getuid", None)
    return getuid() if getuid is not None else None


def error_code(error: sqlite3.Error) -> int:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else -1


def is_busy(error: sqlite3.Error) -> bool:
    if error_code(error) in (SQLITE_BUSY, SQLITE_LOCKED):
        return True
    message = str(error).lower()
    return "locked" in message or "busy" in message
