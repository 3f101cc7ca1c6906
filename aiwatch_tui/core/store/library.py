"""The folders and files the user added to the library (`aiwatch add`)."""

from __future__ import annotations

import sqlite3

from aiwatch_tui.core.model import utc_now
from aiwatch_tui.core.store.database import Database


def _insert_library_path(conn: sqlite3.Connection, path: str) -> bool:
    cursor = conn.execute(
        "INSERT OR IGNORE INTO library_paths (path, added) VALUES (?, ?)", (path, utc_now())
    )
    return cursor.rowcount > 0


class LibraryPaths(Database):
    """The library's folders and files, in the order they were added."""

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
