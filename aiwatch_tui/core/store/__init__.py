"""The SQLite file that holds everything the user makes: positions, settings, highlights, notes,
the library's paths, and subscribed feeds with the articles fetched from the web. `Store` is
the one object the rest of aiwatch uses; each concern's queries are in a module of their own
(see database.py for the guarantees).
"""

from __future__ import annotations

from aiwatch_tui.core.store.annotations import AnnotationsMerge, AnnotationTables, MergeResult
from aiwatch_tui.core.store.errors import StoreError, StoreReadOnlyError
from aiwatch_tui.core.store.library import LibraryPaths
from aiwatch_tui.core.store.reading import ReadingState
from aiwatch_tui.core.store.schema import SCHEMA_VERSION
from aiwatch_tui.core.store.web import WebArticles

__all__ = [
    "SCHEMA_VERSION",
    "AnnotationsMerge",
    "MergeResult",
    "Store",
    "StoreError",
    "StoreReadOnlyError",
]


class Store(ReadingState, AnnotationTables, LibraryPaths, WebArticles):
    """The aiwatch database: one connection (Database), with reading positions and settings,
    annotations, the library's paths, and feeds with their fetched articles."""
