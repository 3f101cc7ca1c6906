"""Feeds and web pages as the command line and the app both use them: subscribing (with
discovery), OPML in and out, one fetch run that stores each article as it arrives, saving
single pages, and naming an article by its URL.

A fetch stores articles in small transactions (at most half a second's worth each) as they
are extracted, and stopping it (Ctrl-C, quitting the app) commits what waits first, so it
loses nothing already fetched; a "summary only" article is tried
again by the next fetch; a changed article keeps its earlier text as a version, and its
highlights are placed anew in the new text at once (anchored, moved, changed or orphaned).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar
from urllib.parse import urlsplit

from aiwatch_tui.core.annotations import reanchored
from aiwatch_tui.core.interchange.opml import Subscription, read_opml, write_opml
from aiwatch_tui.core.model import Highlight
from aiwatch_tui.core.store import Store
from aiwatch_tui.core.store.web import FeedRow, NewArticle, Stored, text_hash
from aiwatch_tui.core.text.document import document_from_text
from aiwatch_tui.core.text.html_text import plain_line
from aiwatch_tui.core.text.sanitize import for_export, one_line
from aiwatch_tui.core.uris import is_fetchable
from aiwatch_tui.core.web.feeds import FeedEntry
from aiwatch_tui.core.web.fetcher import (
    Event,
    FeedOutcome,
    FeedRequest,
    FeedStatus,
    FetchedArticle,
    FetchSummary,
    PageFailed,
    RunOptions,
    fetch_feeds,
    find_feed,
    save_pages,
)
from aiwatch_tui.core.web.urls import normalize_url

SUMMARY_ONLY_NOTE = (
    "*Summary only: the full article could not be fetched (the next fetch tries again).*"
)


# -- naming ----------------------------------------------------------------------------------


def find_subscription(store: Store, url: str) -> FeedRow | None:
    """The subscribed feed `url` names, as written or in its normal form."""
    found = store.feed(url)
    if found is not None:
        return found
    wanted = normalize_url(url)
    return next((row for row in store.feeds() if normalize_url(row.url) == wanted), None)


def article_key(store: Store, spec: str) -> str | None:
    """The key of the stored article `spec` names: its URL as in the feed, where it led, or
    its canonical URL (any form: tracking parameters, fragment, host case do not matter)."""
    if not is_fetchable(spec):
        return None
    return store.article_key_for(normalize_url(spec))


# -- subscribing -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subscribed:
    feed: FeedRow
    new: bool
    found_on: str  # the page the feed was discovered on, or ""


def subscribe(
    store: Store, url: str, title: str = "", options: RunOptions | None = None
) -> Subscribed:
    """Subscribe to the feed at `url`, or to the first working feed the page at `url` names.
    FeedError (one line naming the URL) when there is none; nothing is stored then."""
    url = url.strip()
    existing = find_subscription(store, url)
    if existing is not None:
        return Subscribed(existing, False, "")
    found = find_feed(url, (options or RunOptions()).policy)
    existing = find_subscription(store, found.url)
    if existing is not None:
        return Subscribed(existing, False, "")
    new = store.add_feed(found.url, found.feed.title, plain_line(title), found.feed.site_url)
    row = store.feed(found.url)
    assert row is not None
    found_on = url if normalize_url(found.url) != normalize_url(url) else ""
    return Subscribed(row, new, found_on)


@dataclass(slots=True)
class OpmlImport:
    added: int = 0
    existing: int = 0
    skipped: list[str] = field(default_factory=list)


def import_subscriptions(store: Store, data: bytes, name: str) -> OpmlImport:
    """Subscribe to every feed of an OPML file (not fetched now: `aiwatch fetch` does);
    OpmlError (one line) when the file cannot be read, and then nothing is added."""
    reading = read_opml(data, name)
    result = OpmlImport(skipped=list(reading.skipped))
    for sub in reading.subscriptions:
        if find_subscription(store, sub.url) is not None:
            result.existing += 1
        elif store.add_feed(sub.url, "", sub.title, sub.site_url):
            result.added += 1
        else:
            result.existing += 1
    return result


def export_subscriptions(store: Store) -> str:
    return write_opml([Subscription(f.url, f.title, f.site_url) for f in store.feeds()])


# -- what a fetched article is stored as ------------------------------------------------------

_TRAILING_HASHES = re.compile(r"(#+)\s*$")


def _heading(title: str) -> str:
    from aiwatch_tui.core.web.extract import markdown_text

    text = markdown_text(title)
    # A closing "#" sequence would be dropped from an ATX heading: escape it.
    return "# " + _TRAILING_HASHES.sub(lambda m: "\\" + m.group(1), text)


def article_text(title: str, body: str, summary_only: bool) -> str:
    """The Markdown kept for an article: its title as a heading first, then the body."""
    parts = [_heading(title)]
    if summary_only:
        parts.append(SUMMARY_ONLY_NOTE)
    if body.strip():
        parts.append(body.strip("\n"))
    return for_export("\n\n".join(parts) + "\n")


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _canonical(declared: str, page: str) -> str:
    """The canonical URL a page declares, when it is on the page's own site: a page cannot
    make itself another site's article (its text would replace that one's)."""
    if not declared or not is_fetchable(declared):
        return ""
    return normalize_url(declared) if _host(declared) == _host(page) else ""


def new_article(fetched: FetchedArticle, feed: FeedRow | None) -> NewArticle:
    entry = fetched.entry
    extracted = fetched.extracted
    page = fetched.final_url or fetched.page_url
    url_keys = tuple(normalize_url(u) for u in (fetched.page_url, fetched.final_url) if u)
    canonical = _canonical(extracted.canonical_url, page) if extracted else ""
    if canonical or url_keys:
        key = canonical or url_keys[-1]
    else:
        # An entry without a usable link: named by its feed and id.
        ident = entry.guid or entry.title
        key = f"urn:aiwatch:entry:{normalize_url(feed.url) if feed else ''}#{ident}"
    title = entry.title or (extracted.title if extracted else "") or page or key
    title = plain_line(title)
    body = extracted.markdown if extracted else fetched.summary_markdown
    site = plain_line(extracted.site_name if extracted and extracted.site_name else "")
    return NewArticle(
        key=key,
        url=entry.url or fetched.page_url,
        url_keys=tuple(k for k in (*url_keys, canonical) if k),
        canonical_url=canonical,
        guid=entry.guid,
        feed_id=feed.id if feed else None,
        title=title,
        author=plain_line(entry.author or (extracted.author if extracted else "")),
        site=site or (feed.title if feed else "") or _host(page),
        published=entry.published or (extracted.published if extracted else ""),
        fetched=fetched.fetched_at,
        language=plain_line(extracted.language if extracted else ""),
        summary_only=fetched.summary_only,
        entry_signature=entry.signature if feed else "",
        text=article_text(title, body, fetched.summary_only),
        body_hash="" if fetched.summary_only or not body.strip() else text_hash(body.strip()),
    )


def _reanchor(store: Store, key: str, text: str) -> None:
    """Place the article's highlights in its new text (at once: lists and exports tell the
    truth before the article is opened)."""
    highlights = store.highlights(key)
    if not highlights:
        return
    document = document_from_text(text, key, markdown=True)
    changed = [
        after
        for before, after in zip(highlights, reanchored(document, highlights), strict=True)
        if after is not before
    ]
    for highlight in changed:
        store.update_highlight(highlight)


def earlier_passage(
    store: Store, highlight: Highlight, context: int = 40
) -> tuple[str, str] | None:
    """(when that text was fetched, the passage with some context) of the earlier version of
    a web article a highlight was made on, for a highlight the new text lost (orphaned)."""
    versions = store.article_versions(highlight.doc_key)
    made_on = [v for v in versions if v.content_hash == highlight.doc_hash]
    for version in [*made_on, *reversed(versions)]:
        text = version.text
        start = (
            highlight.start
            if text[highlight.start : highlight.end] == highlight.exact
            else (text.find(highlight.exact))
        )
        if start >= 0 and highlight.exact:
            end = start + len(highlight.exact)
            before = text[max(0, start - context) : start]
            after = text[end : end + context]
            passage = " ".join(f"…{before}{highlight.exact}{after}…".split())
            return version.fetched[:10], passage
    return None


# -- fetching --------------------------------------------------------------------------------


@dataclass(slots=True)
class FetchProgress:
    """How a fetch run is going, after each event (for a progress bar or a header)."""

    feeds_total: int
    feeds_done: int = 0
    new: int = 0
    updated: int = 0
    summary_only: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)  # one line each
    problems: list[str] = field(default_factory=list)  # malformed feeds that were read
    keys: list[str] = field(default_factory=list)  # articles stored new or changed
    stored: list[tuple[str, str, str]] = field(default_factory=list)  # (url, key, title) each
    last_title: str = ""


def default_workers() -> int:
    """Extraction processes: two where there are two cores (the issue's machine), one on a
    single core (a second would only take memory)."""
    return max(1, min(2, os.cpu_count() or 1))


def extraction_pool(workers: int | None = None) -> concurrent.futures.Executor:
    """Processes for parsing and extraction: a second core, and the caller's interpreter
    (the app's UI) stays free. Spawned, not forked: the app has threads."""
    _start_resource_tracker()
    return concurrent.futures.ProcessPoolExecutor(
        workers or default_workers(),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_quiet_worker,
    )


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with a real stderr: it is handed
    sys.stderr's file descriptor, which under the app is Textual's capture (fileno -1, and
    the spawn then fails with "bad value(s) in fds_to_keep")."""
    from multiprocessing import resource_tracker

    saved = sys.stderr
    try:
        if saved is None or saved.fileno() < 0:
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - closed below
    except (AttributeError, OSError, ValueError):
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - closed below
    try:
        resource_tracker.ensure_running()
    finally:
        if sys.stderr is not saved:
            sys.stderr.close()
            sys.stderr = saved


def _quiet_worker() -> None:
    """An extraction process writes nothing to the terminal (it is the app's screen): what a
    library prints goes to /dev/null."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _requests(store: Store, feeds: Sequence[FeedRow]) -> list[FeedRequest]:
    requests = []
    for feed in feeds:
        retry = tuple(
            FeedEntry(guid, url, title, author, published, "", "")
            for guid, url, title, author, published in store.summary_only_articles(feed.id)
        )
        requests.append(
            FeedRequest(
                feed.url,
                etag=feed.etag,
                last_modified=feed.last_modified,
                known=store.known_entries(feed.id),
                retry=retry,
            )
        )
    return requests


def feeds_to_fetch(store: Store, only: str | None = None) -> list[FeedRow]:
    """The feeds a fetch updates: all but those gone (410), or the one named."""
    if only is not None:
        row = find_subscription(store, only)
        return [] if row is None else [row]
    return [feed for feed in store.feeds() if feed.status != "gone"]


_T = TypeVar("_T")

# Articles are committed in small batches: a durable commit (synchronous=FULL) costs
# milliseconds, and 5,000 of them cost more than fetching and extracting the articles. At
# most this long's worth of articles waits for its commit; quitting or stopping a fetch
# commits them first.
BATCH_SECONDS = 0.5
BATCH_ARTICLES = 200


class _Recorder:
    """Stores what a fetch run delivers, in small transactions, and counts it."""

    def __init__(
        self,
        store: Store,
        feeds: Sequence[FeedRow],
        on_progress: Callable[[FetchProgress], None] | None,
    ) -> None:
        self.store = store
        self.by_url = {feed.url: feed for feed in feeds}
        self.progress = FetchProgress(len(feeds))
        self.on_progress = on_progress
        self.pending: list[tuple[str, NewArticle]] = []  # (page URL, article)
        self.pending_since = 0.0

    def __call__(self, event: Event) -> None:
        progress = self.progress
        if isinstance(event, FetchedArticle):
            article = new_article(event, self.by_url.get(event.feed_url))
            if not self.pending:
                self.pending_since = time.monotonic()
            self.pending.append((event.page_url, article))
        elif isinstance(event, FeedOutcome):
            self._feed(event)
        elif isinstance(event, PageFailed):
            progress.failed += 1
            progress.failures.append(event.error)
        if self.pending and (
            not isinstance(event, FetchedArticle)
            or len(self.pending) >= BATCH_ARTICLES
            or time.monotonic() - self.pending_since >= BATCH_SECONDS
        ):
            self.flush()
        elif self.on_progress is not None:
            self.on_progress(progress)

    def tick(self) -> None:
        """Between events: commit articles that have waited long enough."""
        if self.pending and time.monotonic() - self.pending_since >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Commit the articles waiting, in one transaction, and say so."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        results = self.store.store_articles([article for _url, article in batch])
        progress = self.progress
        for (page_url, article), result in zip(batch, results, strict=True):
            progress.stored.append((page_url, result.key, article.title))
            if result.outcome is Stored.NEW:
                progress.new += 1
                progress.summary_only += article.summary_only
            elif result.outcome is Stored.UPDATED:
                progress.updated += 1
                _reanchor(self.store, result.key, article.text)
            if result.outcome is not Stored.UNCHANGED:
                progress.keys.append(result.key)
                progress.last_title = article.title
        if self.on_progress is not None:
            self.on_progress(progress)

    def run(self, work: Callable[[], _T]) -> _T:
        """Run `work` (which delivers events), then commit what waits, also when it stops
        on an error or an interrupt: nothing fetched is lost to the batching."""
        try:
            result = work()
        except BaseException:
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the first failure is the one to report
                pass
            raise
        self.flush()
        return result

    def _feed(self, outcome: FeedOutcome) -> None:
        feed = self.by_url.get(outcome.feed_url)
        progress = self.progress
        progress.feeds_done += 1
        if outcome.status in (FeedStatus.FAILED, FeedStatus.GONE):
            progress.failed += 1
            progress.failures.append(outcome.error or f"{one_line(outcome.feed_url)}: failed")
        if outcome.problem:
            progress.problems.append(outcome.problem)
        if feed is None:
            return
        status = {FeedStatus.GONE: "gone", FeedStatus.FAILED: "failing"}.get(outcome.status, "ok")
        fetched = outcome.status in (FeedStatus.OK, FeedStatus.NOT_MODIFIED)
        self.store.record_feed_fetch(
            feed.id,
            status=status,
            error=outcome.error or "",
            title=outcome.title,
            site_url=outcome.site_url,
            etag=outcome.etag if fetched else None,
            last_modified=outcome.last_modified if fetched else None,
            moved_to=outcome.moved_to,
        )


def fetch(
    store: Store,
    only: str | None = None,
    on_progress: Callable[[FetchProgress], None] | None = None,
    options: RunOptions | None = None,
) -> tuple[FetchProgress, FetchSummary]:
    """Update the subscribed feeds (or the one named), storing each article as it arrives."""
    feeds = feeds_to_fetch(store, only)
    recorder = _Recorder(store, feeds, on_progress)
    if not feeds:
        return recorder.progress, FetchSummary()
    own_pool = options is None or options.executor is None
    options = options or RunOptions()
    pool = extraction_pool() if own_pool else options.executor
    try:
        summary = recorder.run(
            lambda: fetch_feeds(
                _requests(store, feeds),
                recorder,
                replace(options, executor=pool, tick=recorder.tick),
            )
        )
    finally:
        if own_pool and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return recorder.progress, summary


def save(
    store: Store,
    urls: Sequence[str],
    on_progress: Callable[[FetchProgress], None] | None = None,
    options: RunOptions | None = None,
) -> FetchProgress:
    """Fetch, extract and store single pages (`aiwatch save`, `aiwatch URL`)."""
    recorder = _Recorder(store, [], on_progress)
    recorder.progress.feeds_total = 0
    options = replace(options or RunOptions(), tick=recorder.tick)
    recorder.run(lambda: save_pages([u.strip() for u in urls], recorder, options))
    return recorder.progress
