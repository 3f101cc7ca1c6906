"""The index's tables: `files` (what the document list needs, per document) and `passages`
(FTS5). A passage's rowid is `doc_id * ROWS_PER_DOCUMENT + n`, so a document's passages are
one rowid range: FTS5 deletes them by range without scanning the table."""

from __future__ import annotations

SCHEMA_VERSION = 1
ROWS_PER_DOCUMENT = 1 << 24
PAGE_SIZE = 16384
# The `meta` row holding the stamp of the library walk the index was last updated from; any
# update deletes it (see core.library.walk_stamp).
LIBRARY_STAMP = "library_walk"

SCHEMA = (
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
