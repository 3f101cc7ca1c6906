"""The database's schema, version by version: each migration is run once, in order, in one
transaction (see Database._migrate)."""

from __future__ import annotations

SCHEMA_VERSION = 4
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
    4: (
        # Subscribed feeds. `title` is the feed's own (updated by each fetch), `user_title`
        # the one given with `feed add --title` (shown when set). status: ok | failing | gone.
        """CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            url TEXT UNIQUE NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            user_title TEXT NOT NULL DEFAULT '',
            site_url TEXT NOT NULL DEFAULT '',
            etag TEXT NOT NULL DEFAULT '',
            last_modified TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'ok',
            last_error TEXT NOT NULL DEFAULT '',
            last_fetched TEXT NOT NULL DEFAULT '',
            added TEXT NOT NULL
        )""",
        # Fetched articles: the user's data, kept forever. `key` is the document key (the
        # normalised canonical or page URL); `text` the Markdown as stored, its title first
        # (`content_hash` its sha256; `body_hash` that of the article's body without the
        # title, "" for a summary, so the same article under another URL is found);
        # `size` and `changed_ns` say when the text changed (the library's version of it).
        """CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            key TEXT UNIQUE NOT NULL,
            url TEXT NOT NULL,
            canonical_url TEXT NOT NULL DEFAULT '',
            guid TEXT NOT NULL DEFAULT '',
            feed_id INTEGER,
            title TEXT NOT NULL,
            author TEXT NOT NULL DEFAULT '',
            site TEXT NOT NULL DEFAULT '',
            published TEXT NOT NULL DEFAULT '',
            fetched TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT '',
            summary_only INTEGER NOT NULL DEFAULT 0,
            entry_signature TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL,
            body_hash TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            size INTEGER NOT NULL,
            changed_ns INTEGER NOT NULL
        )""",
        "CREATE INDEX articles_by_feed_entry ON articles (feed_id, guid)",
        # What the list and the library's versions read of every article, without walking
        # the texts (a scan of the table reads each row's text pages: 60 ms for 5,000).
        "CREATE INDEX articles_listing ON articles"
        " (key, published, fetched, site, feed_id, size, changed_ns)",
        # The same article under another URL (syndicated, or renamed): the same body text.
        "CREATE INDEX articles_by_body ON articles (body_hash)",
        # Every normalised URL an article is known by: its page as the feed links it, where
        # redirects led, the canonical URL it declares.
        """CREATE TABLE article_urls (
            url_key TEXT PRIMARY KEY NOT NULL,
            article_id INTEGER NOT NULL
        ) WITHOUT ROWID""",
        "CREATE INDEX article_urls_by_article ON article_urls (article_id)",
        # Every earlier text of an article (a publisher's edit, a summary replaced by the
        # full text), so that an orphaned highlight still shows the passage it was made on.
        """CREATE TABLE article_versions (
            article_id INTEGER NOT NULL,
            fetched TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            text TEXT NOT NULL
        )""",
        "CREATE INDEX article_versions_by_article ON article_versions (article_id)",
    ),
}

IDENTIFY = (
    "SELECT (SELECT user_version FROM pragma_user_version),"
    " (SELECT application_id FROM pragma_application_id),"
    " (SELECT count(*) FROM sqlite_master)"
)
