"""Where the user is in each document, and their settings."""

from __future__ import annotations

import math

from aiwatch_tui.core.model import utc_now
from aiwatch_tui.core.store.database import Database

# REPLACE (not an upsert) gives the row a fresh, larger rowid: the tie-breaker for last_read()
# when two positions are saved within the same millisecond.
_SAVE_POSITION = (
    "INSERT OR REPLACE INTO positions (doc_key, text_offset, progress, updated) VALUES (?, ?, ?, ?)"
)
_READ_TIMES = "SELECT doc_key, updated FROM positions"
_LAST_READ = "SELECT doc_key FROM positions ORDER BY updated DESC, rowid DESC LIMIT 1"


class ReadingState(Database):
    """Reading positions (a text offset and a progress per document) and settings."""

    def position(self, doc_key: str) -> int | None:
        rows = self._read("SELECT text_offset FROM positions WHERE doc_key = ?", (doc_key,))
        return int(rows[0][0]) if rows else None

    def save_position(self, doc_key: str, offset: int, progress: float) -> None:
        progress = min(1.0, max(0.0, progress)) if math.isfinite(progress) else 0.0
        with self._write() as conn:
            conn.execute(_SAVE_POSITION, (doc_key, max(0, offset), progress, utc_now()))

    def progress_by_document(self) -> dict[str, float]:
        return {key: float(p) for key, p in self._read("SELECT doc_key, progress FROM positions")}

    def read_times(self) -> dict[str, str]:
        """When each document was last read (its position saved), ISO 8601 UTC."""
        return {key: str(updated) for key, updated in self._read(_READ_TIMES)}

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
