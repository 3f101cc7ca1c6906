"""The index's tables: `files` (what the document list needs, per document), `passages`
(FTS5, contentless), `passage_chunks` (the passages themselves) and `headings`. A passage's rowid is
`doc_id * ROWS_PER_DOCUMENT + n`, so a document's passages are one rowid range."""

from __future__ import annotations

SCHEMA_VERSION = 3
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
    # Contentless and without positions (detail=none): the smallest FTS5 index (measured
    # with bench.fts_options: 1.1 times the corpus with the texts below, against 2-3 times
    # storing the text in FTS5 with positions). Phrases are checked on the passages' texts.
    """CREATE VIRTUAL TABLE passages USING fts5(
        section, body,
        content = '', detail = none,
        tokenize = 'unicode61 remove_diacritics 2'
    )""",
    # The passages themselves, in compressed chunks of a document's consecutive passages
    # (passages.pack_chunk), each under the rowid of its first passage.
    """CREATE TABLE passage_chunks (id INTEGER PRIMARY KEY, packed BLOB NOT NULL)""",
    # Each heading's own passage: its text and where it starts (for the palette).
    """CREATE TABLE headings (
        id INTEGER PRIMARY KEY, heading TEXT NOT NULL, start INTEGER NOT NULL
    )""",
)
