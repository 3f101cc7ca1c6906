"""Feeds and fetched articles: the user's data, kept in the database with the annotations.

An article is stored once: a new fetch that finds the same entry id in the same feed, the
same normalised URL (the page's, or the canonical one it declares on the same site), or the
same text, updates that article rather than adding another. When its text changes (the
publisher edited it, or the full text replaced a "summary only"), the old text is kept in
`article_versions`, every earlier one, in the same transaction: nothing anyone quoted
disappears. Every write is one short transaction.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from aiwatch_tui.core.model import utc_now
from aiwatch_tui.core.store.database import BUSY_TIMEOUT_MS, Database
from aiwatch_tui.core.store.errors import (
    SQLITE_CORRUPT,
    SQLITE_NOTADB,
    StoreError,
    error_code,
    show,
)
from aiwatch_tui.core.store.privacy import read_only_uri
from aiwatch_tui.core.text.sanitize import one_line


class FeedRow(NamedTuple):
    id: int
    url: str
    title: str  # the user's title if they gave one, else the feed's own
    site_url: str
    etag: str
    last_modified: str
    status: str  # "ok" | "failing" | "gone"
    last_error: str
    last_fetched: str  # ISO-8601 UTC, "" when never fetched
    added: str
    articles: int


class ArticleRow(NamedTuple):
    key: str
    url: str  # the link as the feed (or the user) gave it
    canonical_url: str
    feed_url: str  # "" for a page saved on its own, or once its feed is removed
    title: str
    author: str
    site: str
    published: str
    fetched: str
    language: str
    summary_only: bool
    size: int  # bytes of the UTF-8 text: with changed_ns, the text's version
    changed_ns: int


class ArticleVersion(NamedTuple):
    fetched: str
    content_hash: str
    text: str


@dataclass(frozen=True, slots=True)
class NewArticle:
    """One fetched article, in the form it is stored (all fields sanitised by the caller)."""

    key: str  # the normalised canonical or page URL (or an urn: for an entry without link)
    url: str
    url_keys: tuple[str, ...]  # normalised URLs it is known by (page, final, canonical)
    canonical_url: str
    guid: str
    feed_id: int | None
    title: str
    author: str
    site: str
    published: str
    fetched: str
    language: str
    summary_only: bool
    entry_signature: str
    text: str
    body_hash: str = ""  # of the full article's body ("" for a summary: never compared)


class Stored(StrEnum):
    NEW = "new"
    UPDATED = "updated"  # its text changed: the old one is now a version
    UNCHANGED = "unchanged"


class StoreResult(NamedTuple):
    outcome: Stored
    key: str


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


_FEED_COLUMNS = (
    "f.id, f.url, CASE WHEN f.user_title != '' THEN f.user_title ELSE f.title END, f.site_url,"
    " f.etag, f.last_modified, f.status, f.last_error, f.last_fetched, f.added,"
    " (SELECT count(*) FROM articles a WHERE a.feed_id = f.id)"
)
_ARTICLE_COLUMNS = (
    "a.key, a.url, a.canonical_url, coalesce(f.url, ''), a.title, a.author, a.site, a.published,"
    " a.fetched, a.language, a.summary_only, a.size, a.changed_ns"
)
_ARTICLE_FROM = "articles a LEFT JOIN feeds f ON f.id = a.feed_id"


def _feed(row: Any) -> FeedRow:
    return FeedRow(*row)


def _article(row: Any) -> ArticleRow:
    values = list(row)
    values[10] = bool(values[10])
    return ArticleRow(*values)


class WebArticles(Database):
    """Subscribed feeds and the articles fetched from them or saved one by one."""

    # -- feeds -------------------------------------------------------------------------------

    def feeds(self) -> list[FeedRow]:
        """Every subscribed feed, in the order they were added."""
        return [_feed(r) for r in self._read(f"SELECT {_FEED_COLUMNS} FROM feeds f ORDER BY f.id")]

    def feed(self, url: str) -> FeedRow | None:
        rows = self._read(f"SELECT {_FEED_COLUMNS} FROM feeds f WHERE f.url = ?", (url,))
        return _feed(rows[0]) if rows else None

    def add_feed(self, url: str, title: str = "", user_title: str = "", site_url: str = "") -> bool:
        """Subscribe; False (and nothing changed) when already subscribed."""
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO feeds (url, title, user_title, site_url, added)"
                " VALUES (?, ?, ?, ?, ?)",
                (url, title, user_title, site_url, utc_now()),
            )
            return cursor.rowcount > 0

    def remove_feed(self, url: str) -> FeedRow | None:
        """Unsubscribe; the feed's articles are kept (they are the user's, maybe annotated)."""
        with self._write() as conn:
            row = conn.execute(f"SELECT {_FEED_COLUMNS} FROM feeds f WHERE f.url = ?", (url,))
            found = row.fetchone()
            if found is None:
                return None
            conn.execute("UPDATE articles SET feed_id = NULL WHERE feed_id = ?", (found[0],))
            conn.execute("DELETE FROM feeds WHERE id = ?", (found[0],))
            return _feed(found)

    def record_feed_fetch(
        self,
        feed_id: int,
        *,
        status: str,
        error: str = "",
        title: str = "",
        site_url: str = "",
        etag: str | None = None,
        last_modified: str | None = None,
        moved_to: str | None = None,
    ) -> None:
        """What a fetch found about a feed: its status, its validators, a permanent move."""
        with self._write() as conn:
            conn.execute(
                "UPDATE feeds SET status = ?, last_error = ?, last_fetched = ?,"
                " title = CASE WHEN ? != '' THEN ? ELSE title END,"
                " site_url = CASE WHEN ? != '' THEN ? ELSE site_url END,"
                " etag = coalesce(?, etag), last_modified = coalesce(?, last_modified)"
                " WHERE id = ?",
                (
                    status,
                    error,
                    utc_now(),
                    title,
                    title,
                    site_url,
                    site_url,
                    etag,
                    last_modified,
                    feed_id,
                ),
            )
            if moved_to:
                taken = conn.execute("SELECT 1 FROM feeds WHERE url = ?", (moved_to,)).fetchone()
                if taken is None:  # else the user follows both: keep this one where it was
                    conn.execute("UPDATE feeds SET url = ? WHERE id = ?", (moved_to, feed_id))

    def known_entries(self, feed_id: int) -> dict[str, str]:
        """Entry ids and normalised URLs already stored for the feed -> entry signature, and
        every stored article's URLs (from any feed or saved alone) with no signature."""
        known: dict[str, str] = {}
        for (url_key,) in self._read("SELECT url_key FROM article_urls"):
            known[url_key] = ""
        rows = self._read(
            "SELECT a.guid, u.url_key, a.entry_signature FROM articles a"
            " LEFT JOIN article_urls u ON u.article_id = a.id WHERE a.feed_id = ?",
            (feed_id,),
        )
        for guid, url_key, signature in rows:
            if guid:
                known[guid] = signature
            if url_key:
                known[url_key] = signature
        return known

    def summary_only_articles(self, feed_id: int) -> list[tuple[str, str, str, str, str]]:
        """(guid, url, title, author, published) of the feed's "summary only" articles."""
        return [
            tuple(row)
            for row in self._read(
                "SELECT guid, url, title, author, published FROM articles"
                " WHERE feed_id = ? AND summary_only = 1 AND url != ''",
                (feed_id,),
            )
        ]

    # -- articles ----------------------------------------------------------------------------

    def store_article(self, article: NewArticle) -> StoreResult:
        """Add a fetched article, or update the one it is (see the module docstring)."""
        return self.store_articles([article])[0]

    def store_articles(self, articles: Sequence[NewArticle]) -> list[StoreResult]:
        """Store fetched articles in one transaction (all or none): a fetch of thousands
        pays one durable commit per batch, not one per article."""
        hashes = [text_hash(article.text) for article in articles]
        with self._write() as conn:
            return [
                _store_one(conn, article, new_hash)
                for article, new_hash in zip(articles, hashes, strict=True)
            ]

    def articles(self) -> list[ArticleRow]:
        """Every stored article (newest fetched first)."""
        rows = self._read(
            f"SELECT {_ARTICLE_COLUMNS} FROM {_ARTICLE_FROM} ORDER BY a.fetched DESC, a.id DESC"
        )
        return [_article(r) for r in rows]

    def article(self, key: str) -> ArticleRow | None:
        rows = self._read(f"SELECT {_ARTICLE_COLUMNS} FROM {_ARTICLE_FROM} WHERE a.key = ?", (key,))
        return _article(rows[0]) if rows else None

    def article_key_for(self, url_key: str) -> str | None:
        """The key of the article known by a normalised URL (its page, as in the feed, or
        canonical), or None."""
        rows = self._read(
            "SELECT a.key FROM articles a WHERE a.key = ? UNION ALL"
            " SELECT a.key FROM article_urls u JOIN articles a ON a.id = u.article_id"
            " WHERE u.url_key = ? LIMIT 1",
            (url_key, url_key),
        )
        return str(rows[0][0]) if rows else None

    def article_facts(self) -> dict[str, tuple[str, str, str]]:
        """key -> (site, date, feed URL) of every stored article, for lists."""
        rows = self._read(
            "SELECT a.key, a.site, CASE WHEN a.published != '' THEN a.published"
            " ELSE a.fetched END, coalesce(f.url, '') FROM articles a"
            " LEFT JOIN feeds f ON f.id = a.feed_id"
        )
        return {str(key): (str(site), str(date)[:10], str(feed)) for key, site, date, feed in rows}

    def articles_version(self) -> str:
        """A value that differs whenever an article is stored, changed or removed, read from
        the listing index without the texts (for caches of the library)."""
        rows = self._read(
            "SELECT count(*), coalesce(max(changed_ns), 0), coalesce(sum(size), 0) FROM articles"
        )
        return ":".join(str(value) for value in rows[0])

    def article_keys(self) -> list[str]:
        """Every stored article's key, newest first (published, else fetched)."""
        rows = self._read(
            "SELECT key FROM articles ORDER BY CASE WHEN published != '' THEN published"
            " ELSE fetched END DESC, id DESC"
        )
        return [str(row[0]) for row in rows]

    def article_text(self, key: str) -> str | None:
        rows = self._read("SELECT text FROM articles WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def article_versions(self, key: str) -> list[ArticleVersion]:
        """The earlier texts of an article, oldest first."""
        rows = self._read(
            "SELECT v.fetched, v.content_hash, v.text FROM article_versions v"
            " JOIN articles a ON a.id = v.article_id WHERE a.key = ? ORDER BY v.rowid",
            (key,),
        )
        return [ArticleVersion(*row) for row in rows]


def _store_one(conn: sqlite3.Connection, article: NewArticle, new_hash: str) -> StoreResult:
    """Add one article, or update the one it is, inside the caller's transaction."""
    existing = _find_article(conn, article)
    if existing is None:
        _insert_article(conn, article, new_hash)
        return StoreResult(Stored.NEW, article.key)
    article_id, key, old_hash, old_summary_only = existing
    _remember_urls(conn, article_id, article.url_keys)
    if article.summary_only and not old_summary_only:
        # The page failed this time: the full text stored before stays.
        conn.execute(
            "UPDATE articles SET entry_signature = ? WHERE id = ?",
            (article.entry_signature, article_id),
        )
        return StoreResult(Stored.UNCHANGED, key)
    if old_hash == new_hash:
        conn.execute(
            "UPDATE articles SET entry_signature = ?, summary_only = ? WHERE id = ?",
            (article.entry_signature, int(article.summary_only), article_id),
        )
        return StoreResult(Stored.UNCHANGED, key)
    conn.execute(
        "INSERT INTO article_versions (article_id, fetched, content_hash, text)"
        " SELECT id, fetched, content_hash, text FROM articles WHERE id = ?",
        (article_id,),
    )
    conn.execute(
        "UPDATE articles SET title = ?, author = ?, site = ?, published = ?,"
        " fetched = ?, language = ?, summary_only = ?, entry_signature = ?,"
        " canonical_url = CASE WHEN ? != '' THEN ? ELSE canonical_url END,"
        " content_hash = ?, body_hash = ?, text = ?, size = ?, changed_ns = ?"
        " WHERE id = ?",
        (
            article.title,
            article.author,
            article.site,
            article.published,
            article.fetched,
            article.language,
            int(article.summary_only),
            article.entry_signature,
            article.canonical_url,
            article.canonical_url,
            new_hash,
            article.body_hash,
            article.text,
            _size(article.text),
            time.time_ns(),
            article_id,
        ),
    )
    return StoreResult(Stored.UPDATED, key)


def _find_article(
    conn: sqlite3.Connection, article: NewArticle
) -> tuple[int, str, str, bool] | None:
    """(id, key, content hash, summary only) of the stored article this one is, if any."""
    columns = "a.id, a.key, a.content_hash, a.summary_only"
    if article.guid and article.feed_id is not None:
        row = conn.execute(
            f"SELECT {columns} FROM articles a WHERE a.feed_id = ? AND a.guid = ?",
            (article.feed_id, article.guid),
        ).fetchone()
        if row is not None:
            return _found(row)
    for url_key in (article.key, *article.url_keys):
        row = conn.execute(
            f"SELECT {columns} FROM articles a WHERE a.key = ? UNION ALL"
            f" SELECT {columns} FROM article_urls u JOIN articles a ON a.id = u.article_id"
            " WHERE u.url_key = ? LIMIT 1",
            (url_key, url_key),
        ).fetchone()
        if row is not None:
            return _found(row)
    if not article.body_hash:
        return None
    row = conn.execute(
        f"SELECT {columns} FROM articles a WHERE a.body_hash = ? LIMIT 1", (article.body_hash,)
    ).fetchone()
    return None if row is None else _found(row)


def _found(row: tuple[Any, ...]) -> tuple[int, str, str, bool]:
    """A row of _find_article's columns, typed."""
    return int(row[0]), str(row[1]), str(row[2]), bool(row[3])


def _size(text: str) -> int:
    """An article's size as lists show it: its bytes in UTF-8 (lone surrogates kept)."""
    return len(text.encode("utf-8", "surrogatepass"))


def _insert_article(conn: sqlite3.Connection, article: NewArticle, new_hash: str) -> None:
    cursor = conn.execute(
        "INSERT INTO articles (key, url, canonical_url, guid, feed_id, title, author, site,"
        " published, fetched, language, summary_only, entry_signature, content_hash, body_hash,"
        " text, size, changed_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            article.key,
            article.url,
            article.canonical_url,
            article.guid,
            article.feed_id,
            article.title,
            article.author,
            article.site,
            article.published,
            article.fetched,
            article.language,
            int(article.summary_only),
            article.entry_signature,
            new_hash,
            article.body_hash,
            article.text,
            _size(article.text),
            time.time_ns(),
        ),
    )
    _remember_urls(conn, int(cursor.lastrowid or 0), (article.key, *article.url_keys))


def _remember_urls(conn: sqlite3.Connection, article_id: int, url_keys: tuple[str, ...]) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO article_urls (url_key, article_id) VALUES (?, ?)",
        [(url_key, article_id) for url_key in dict.fromkeys(url_keys) if url_key],
    )


class ArticleTexts:
    """Stored articles' texts for the library's reader, from any thread or process: its own
    read-only connection, opened on first use (a pickled copy, in an indexing process, opens
    its own). The versions (size, changed_ns) are read in one query and read again only when
    the database changed (PRAGMA data_version)."""

    def __init__(self, db: Path) -> None:
        self.db = Path(db)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._data_version = -1
        self._versions: dict[str, tuple[int, int]] = {}

    def __getstate__(self) -> dict[str, object]:
        return {"db": self.db}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(Path(str(state["db"])))  # type: ignore[misc]

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = sqlite3.connect(
                read_only_uri(self.db), uri=True, isolation_level=None, check_same_thread=False
            )
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return self._conn

    def version(self, key: str) -> tuple[int, int] | None:
        """(size, changed_ns) of the article's text now, or None when it is not stored."""
        with self._lock:
            try:
                conn = self._connection()
                data_version = int(conn.execute("PRAGMA data_version").fetchone()[0])
                if data_version != self._data_version:
                    rows = conn.execute("SELECT key, size, changed_ns FROM articles").fetchall()
                    self._versions = {str(k): (int(s), int(c)) for k, s, c in rows}
                    self._data_version = data_version
            except sqlite3.Error:
                return None
            return self._versions.get(key)

    def _row(self, sql: str, key: str) -> tuple[object, ...] | None:
        with self._lock:
            row: tuple[object, ...] | None = self._connection().execute(sql, (key,)).fetchone()
        return row

    def text(self, key: str) -> str | None:
        try:
            row = self._row("SELECT text FROM articles WHERE key = ?", key)
        except sqlite3.Error as error:
            raise _unreadable(self.db, key, error) from None
        return None if row is None else str(row[0])

    def byline(self, key: str) -> tuple[str, str]:
        """(author, published) of a stored article, as the page gave them ("" if unknown);
        untrusted text."""
        try:
            row = self._row("SELECT author, published FROM articles WHERE key = ?", key)
        except sqlite3.Error:
            return "", ""  # the text was read: a byline is not worth failing over
        return ("", "") if row is None else (str(row[0]), str(row[1]))


def _unreadable(db: Path, key: str, error: sqlite3.Error) -> StoreError:
    """One line for an article whose stored text cannot be read (never "not stored": it is)."""
    detail = one_line(str(error)) or type(error).__name__
    if error_code(error) in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return StoreError(
            f"{show(db)}: the database is damaged ({detail}) where it keeps {one_line(key)}; "
            "run `aiwatch doctor`, and restore a backup"
        )
    return StoreError(f"{show(db)}: could not read {one_line(key)} ({detail}); try again")
