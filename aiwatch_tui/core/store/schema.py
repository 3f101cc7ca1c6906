"""The database's schema, version by version: each migration is run once, in order, in one
transaction (see Database._migrate)."""

from __future__ import annotations

SCHEMA_VERSION = 3
APPLICATION_ID = 0x41495741  # "AIWA": marks the file as aiwatch's (PRAGMA application_id)


MIGRATIONS: dict[int, tuple[str, ...]] = {
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

IDENTIFY = (
    "SELECT (SELECT user_version FROM pragma_user_version),"
    " (SELECT application_id FROM pragma_application_id),"
    " (SELECT count(*) FROM sqlite_master)"
)
