"""Feeds: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed 1.0/1.1 by our own parser.

`parse_feed` takes the bytes that `http.WebClient` fetched; feedparser is given them in a
BytesIO (a str could make it open a URL or a file), so parsing never touches the network or
the disk. Everything in a feed is untrusted: one-line fields (titles, authors, feed names)
come out as plain text (markup stripped, entities decoded, whitespace collapsed) passed
through the one sanitiser, so no control sequence survives; HTML content is left for the
extractor to turn into Markdown, and links are kept only when they are http(s).

Any input gives a `ParsedFeed` or a `FeedError` whose message is one line naming the URL.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiwatch_tui.core.text.html_text import plain_line
from aiwatch_tui.core.text.sanitize import one_line
from aiwatch_tui.core.web.urls import is_fetchable, join


class FeedError(Exception):
    """A feed that cannot be read; the message is one line naming the URL."""


@dataclass(frozen=True, slots=True)
class FeedEntry:
    guid: str  # the entry's id as the feed gives it (RSS guid, Atom id, JSON Feed id), or ""
    url: str  # the article's address, absolute and http(s), or "" when the feed has none
    title: str  # plain, one line, sanitised
    author: str  # plain, one line, sanitised
    published: str  # ISO-8601 UTC ("2025-06-03T09:39:21Z") or ""
    summary_html: str
    content_html: str
    updated: str = ""  # ISO-8601 UTC when the feed says the entry was modified, or ""

    @property
    def signature(self) -> str:
        """What changes when the publisher changes the entry: its modified date, or else a
        hash of its title and content. A stored entry whose signature differs is fetched
        again (the publisher edited the article)."""
        if self.updated:
            return self.updated
        digest = hashlib.sha256(
            "\0".join((self.title, self.content_html or self.summary_html)).encode("utf-8")
        )
        return digest.hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str  # plain, one line, sanitised ("" when the feed names none)
    site_url: str  # the site the feed belongs to (http(s)) or ""
    entries: tuple[FeedEntry, ...]
    problem: str | None = None  # one line: the feed was malformed but entries were read


_EMAIL_NAME = re.compile(r"^\s*\S+@\S+\s*\((.+)\)\s*$")


def _author_name(value: str) -> str:
    """'ann@example.com (Ann Lee)', the RSS form, gives 'Ann Lee'."""
    match = _EMAIL_NAME.match(value)
    return match.group(1) if match else value


def _text_as_html(text: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _safe_url(base: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    url = join(base, value)
    return url if is_fetchable(url) else ""


# ------------------------------------------------------------------ dates


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_struct(value: object) -> str:
    if not isinstance(value, time.struct_time):
        return ""
    try:
        return _iso(datetime.fromtimestamp(calendar.timegm(value), UTC))
    except (OverflowError, ValueError, OSError):
        return ""


def _from_rfc3339(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return _iso(moment)
    except (OverflowError, ValueError):
        return ""


# ------------------------------------------------------------------ entry point


def _looks_like_json(body: bytes, content_type: str) -> bool:
    if "json" in content_type.lower():
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


def parse_feed(body: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """The feed in `body` (fetched from `url`); raises FeedError, and only that."""
    where = one_line(url)
    try:
        if _looks_like_json(body, content_type):
            return _parse_json_feed(body, url, content_type)
        return _parse_xml_feed(body, url, content_type)
    except FeedError:
        raise
    except RecursionError:
        raise FeedError(f"{where}: not a feed (nested too deeply to read)") from None
    except Exception as error:  # feedparser on hostile bytes: a reason, never a traceback
        reason = one_line(str(error))[:120] or type(error).__name__
        raise FeedError(f"{where}: not a readable feed ({reason})") from None


# ------------------------------------------------------------------ RSS and Atom

_BENIGN_BOZO = frozenset({"CharacterEncodingOverride", "NonXMLContentType"})


def _parse_xml_feed(body: bytes, url: str, content_type: str) -> ParsedFeed:
    import feedparser

    result = feedparser.parse(
        io.BytesIO(body),
        response_headers={
            "content-location": url,
            "content-type": content_type or "application/xml",
        },
        resolve_relative_uris=True,
        sanitize_html=True,
    )
    where = one_line(url)
    raw_entries: Sequence[Mapping[str, Any]] = result.get("entries") or []
    entries = tuple(e for e in (_xml_entry(raw, url) for raw in raw_entries) if e is not None)
    feed: Mapping[str, Any] = result.get("feed") or {}
    bozo = bool(result.get("bozo"))
    if not result.get("version") and not entries:
        if _looks_like_html(body):
            raise FeedError(f"{where}: a web page, not a feed")
        if bozo:
            reason = one_line(str(result.get("bozo_exception", "")))[:120]
            raise FeedError(f"{where}: not a feed ({reason or 'unreadable'})")
        raise FeedError(f"{where}: not a feed (no RSS, Atom or JSON Feed content)")
    problem = None
    exception = result.get("bozo_exception")
    if bozo and type(exception).__name__ not in _BENIGN_BOZO:
        reason = one_line(str(exception))[:120] or "malformed"
        problem = f"{where}: malformed feed ({reason}); {len(entries)} entries read anyway"
    title_detail = feed.get("title_detail") or {}
    return ParsedFeed(
        title=plain_line(str(feed.get("title", "")), is_html=_is_html(title_detail)),
        site_url=_safe_url(url, feed.get("link")),
        entries=entries,
        problem=problem,
    )


def _is_html(detail: object) -> bool:
    return isinstance(detail, Mapping) and "html" in str(detail.get("type", ""))


def _field(raw: Mapping[str, Any], key: str, default: Any = None) -> Any:
    # dict.get, not feedparser's own: its FeedParserDict maps a missing "updated" to
    # "published" (with a warning), which would hide whether the entry was modified.
    return dict.get(raw, key, default) if isinstance(raw, dict) else raw.get(key, default)


def _xml_entry(raw: Mapping[str, Any], feed_url: str) -> FeedEntry | None:
    title = str(_field(raw, "title", "") or "")
    # "author" as written, not feedparser's author_detail: it splits "bo@site.example
    # (Bo Chen)" at the wrong place.
    author_detail = _field(raw, "author_detail") or {}
    author = str(_field(raw, "author", "") or author_detail.get("name") or "")
    content_html = ""
    for content in _field(raw, "content") or ():
        value = str(content.get("value", ""))
        if value.strip():
            content_html = value if _is_html(content) else _text_as_html(value)
            break
    summary = str(_field(raw, "summary", "") or "")
    summary_html = summary if _is_html(_field(raw, "summary_detail")) else _text_as_html(summary)
    url = _safe_url(feed_url, _field(raw, "link"))
    guid = str(_field(raw, "id", "") or "")
    if not (title.strip() or url or guid or content_html or summary_html):
        return None
    published = _from_struct(_field(raw, "published_parsed"))
    updated = _from_struct(_field(raw, "updated_parsed"))
    return FeedEntry(
        guid=one_line(guid),
        url=url,
        title=plain_line(title, is_html=_is_html(_field(raw, "title_detail"))),
        author=plain_line(_author_name(author)),
        published=published or updated,
        summary_html=summary_html,
        content_html=content_html,
        updated=updated,
    )


# ------------------------------------------------------------------ JSON Feed


def _decode_json(body: bytes, content_type: str) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from aiwatch_tui.core.web.http import charset_of

    charset = charset_of(content_type)
    if charset:
        try:
            return body.decode(charset)
        except UnicodeDecodeError:
            pass
    return body.decode("cp1252", errors="replace")


def _parse_json_feed(body: bytes, url: str, content_type: str) -> ParsedFeed:
    where = one_line(url)
    try:
        data = json.loads(_decode_json(body, content_type))
    except ValueError as error:
        reason = one_line(str(error))[:80]
        raise FeedError(f"{where}: not a feed (invalid JSON: {reason})") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FeedError(f'{where}: not a feed (JSON without a JSON Feed "items" list)')
    version = data.get("version")
    problem = None
    if not (isinstance(version, str) and "jsonfeed.org/version/" in version):
        problem = f'{where}: JSON Feed without a "version"; read as JSON Feed 1.1'
    entries: list[FeedEntry] = []
    skipped = 0
    for item in data["items"]:
        entry = _json_entry(item, url) if isinstance(item, dict) else None
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    if skipped:
        note = f"{skipped} item{'s' if skipped != 1 else ''} unreadable"
        problem = f"{problem}; {note}" if problem else f"{where}: {note}, the rest read"
    title = data.get("title")
    return ParsedFeed(
        title=plain_line(title) if isinstance(title, str) else "",
        site_url=_safe_url(url, data.get("home_page_url")),
        entries=tuple(entries),
        problem=problem,
    )


def _json_author(item: Mapping[str, Any]) -> str:
    authors = item.get("authors")  # 1.1
    if isinstance(authors, list):
        names = [a.get("name") for a in authors if isinstance(a, dict)]
        return ", ".join(n for n in names if isinstance(n, str) and n.strip())
    author = item.get("author")  # 1.0
    if isinstance(author, dict) and isinstance(author.get("name"), str):
        return str(author["name"])
    return ""


def _json_entry(item: Mapping[str, Any], feed_url: str) -> FeedEntry | None:
    def text(key: str) -> str:
        value = item.get(key)
        return value if isinstance(value, str) else ""

    raw_id = item.get("id")
    guid = str(raw_id) if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else ""
    url = _safe_url(feed_url, item.get("url")) or _safe_url(feed_url, item.get("external_url"))
    content_html = text("content_html") or _text_as_html(text("content_text"))
    summary = text("summary")
    if not (guid or url or text("title").strip() or content_html):
        return None
    updated = _from_rfc3339(item.get("date_modified"))
    return FeedEntry(
        guid=one_line(guid),
        url=url,
        title=plain_line(text("title")),
        author=plain_line(_json_author(item)),
        published=_from_rfc3339(item.get("date_published")) or updated,
        summary_html=_text_as_html(summary) if summary else "",
        content_html=content_html,
        updated=updated,
    )
