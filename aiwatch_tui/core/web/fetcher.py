"""One `fetch` run: feeds fetched concurrently, new entries' pages fetched and extracted.

Independent of the store: the caller says which feeds to update and what it already has
(entry ids and URLs with their signatures, "summary only" entries to try again), and
receives events as they happen, on the thread that called `fetch_feeds`:

- `FetchedArticle` for each new or changed entry (with its extracted article, or the feed's
  own content as Markdown and `summary_only` when the page gave nothing),
- `FeedOutcome` once per feed, after its articles (ok / not modified / gone / failed, a
  permanent move, the feed's title, its validators for the next conditional request).

The caller stores each article as it arrives, so stopping (the `cancel` event, checked all
along) loses nothing already stored. Network waits overlap in one asyncio loop; parsing and
extraction, which are CPU work, run in `executor` (a process pool uses a second core and
keeps the caller's interpreter free; the default is one worker thread).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from aiwatch_tui.core.model import utc_now
from aiwatch_tui.core.text.sanitize import one_line
from aiwatch_tui.core.web.feeds import FeedEntry, FeedError, ParsedFeed, parse_feed
from aiwatch_tui.core.web.http import FetchPolicy, FetchResult, WebClient
from aiwatch_tui.core.web.urls import is_fetchable, normalize_url


class ExtractedLike(Protocol):
    """What extraction gives for a page (core.web.extract.ExtractedArticle)."""

    @property
    def markdown(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def site_name(self) -> str: ...
    @property
    def published(self) -> str: ...
    @property
    def canonical_url(self) -> str: ...
    @property
    def language(self) -> str: ...


# (page bytes, final URL, the charset the HTTP Content-Type named or None)
ExtractArticle = Callable[[bytes, str, str | None], ExtractedLike | None]
MarkdownFromHtml = Callable[[str, str], str]


def default_extract_article(html: bytes, url: str, charset: str | None) -> ExtractedLike | None:
    # Imported on first use: trafilatura and lxml are heavy, and `aiwatch list` needs neither.
    from aiwatch_tui.core.web.extract import extract_article

    return extract_article(html, url, charset=charset)


def default_markdown_from_html(fragment: str, base_url: str) -> str:
    from aiwatch_tui.core.web.extract import markdown_from_html

    return markdown_from_html(fragment, base_url)


@dataclass(frozen=True, slots=True)
class Extraction:
    """The two extraction functions; module-level functions, so a process pool can run them."""

    extract_article: ExtractArticle = default_extract_article
    markdown_from_html: MarkdownFromHtml = default_markdown_from_html


@dataclass(frozen=True, slots=True)
class FeedRequest:
    url: str
    etag: str = ""
    last_modified: str = ""
    # Entry ids and normalised article URLs already stored, each with the entry signature
    # it was stored under ("" when unknown: never counts as changed).
    known: Mapping[str, str] = field(default_factory=dict)
    # Stored "summary only" entries whose pages are tried again, even when the feed is
    # unchanged (304) or fails.
    retry: tuple[FeedEntry, ...] = ()


class FeedStatus(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not modified"
    GONE = "gone"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    feed_url: str  # as requested
    status: FeedStatus
    error: str | None = None  # one line naming the URL: why it failed or is gone
    problem: str | None = None  # one line: malformed but read
    moved_to: str | None = None  # a permanent redirect's target: store this URL from now on
    title: str = ""
    site_url: str = ""
    etag: str = ""
    last_modified: str = ""
    articles: int = 0  # articles emitted for this feed in this run


@dataclass(frozen=True, slots=True)
class FetchedArticle:
    feed_url: str  # the feed as requested; "" for a page saved on its own
    entry: FeedEntry
    page_url: str  # the address fetched (the entry's link)
    final_url: str  # where redirects led ("" when the page was not fetched)
    extracted: ExtractedLike | None
    summary_only: bool  # the page gave nothing: `summary_markdown` is what there is
    summary_markdown: str  # the feed's own content as Markdown ("" when not needed)
    fetched_at: str
    page_error: str | None = None  # one line: why the page gave nothing
    changed: bool = False  # an entry stored before whose signature changed (an edit)


@dataclass(frozen=True, slots=True)
class PageFailed:
    """A page saved on its own (`save_pages`) that could not be fetched or read."""

    url: str
    error: str


Event = FeedOutcome | FetchedArticle | PageFailed


@dataclass(slots=True)
class FetchSummary:
    feeds: int = 0
    ok: int = 0
    not_modified: int = 0
    gone: int = 0
    failed: int = 0
    articles: int = 0
    summary_only: int = 0
    cancelled: bool = False

    def count(self, event: Event) -> None:
        if isinstance(event, FetchedArticle):
            self.articles += 1
            self.summary_only += event.summary_only
        elif isinstance(event, FeedOutcome):
            if event.status is FeedStatus.OK:
                self.ok += 1
            elif event.status is FeedStatus.NOT_MODIFIED:
                self.not_modified += 1
            elif event.status is FeedStatus.GONE:
                self.gone += 1
            else:
                self.failed += 1


HTML_TYPES = ("text/html", "application/xhtml+xml", "")
_PAGE_WINDOW = 16  # pages fetched but not yet extracted, at most (bounds memory)
_CANCEL_POLL = 0.05
_TICK = 0.25  # how often RunOptions.tick is called


def _entry_keys(entry: FeedEntry) -> list[str]:
    keys = [entry.guid] if entry.guid else []
    if entry.url:
        keys.append(normalize_url(entry.url))
    return keys


def _is_new_or_changed(entry: FeedEntry, known: Mapping[str, str]) -> tuple[bool, bool]:
    """(fetch it, it changed)."""
    stored = [known[key] for key in _entry_keys(entry) if key in known]
    if not stored:
        return True, False
    changed = all(signature and signature != entry.signature for signature in stored)
    return changed, changed


class _Cancelled(Exception):
    pass


class _Run:
    def __init__(
        self,
        emit: Callable[[Event], None],
        client: WebClient,
        extraction: Extraction,
        executor: concurrent.futures.Executor,
        cancel: threading.Event,
    ) -> None:
        self._emit_to_caller = emit
        self.cancel = cancel
        self.client = client
        self.extraction = extraction
        self.executor = executor
        self.window = asyncio.Semaphore(_PAGE_WINDOW)
        self.pages_seen: set[str] = set()

    def check(self) -> None:
        """Stop here when the caller cancelled (between requests, and before each event)."""
        if self.cancel.is_set():
            raise _Cancelled

    def emit(self, event: Event) -> None:
        self.check()
        self._emit_to_caller(event)

    async def cpu(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    async def feed(self, request: FeedRequest) -> None:
        self.check()
        result = await self.client.fetch(
            request.url, kind="feed", etag=request.etag, last_modified=request.last_modified
        )
        retry = [e for e in request.retry if e.url]
        if result.not_modified:
            articles = await self.pages(request.url, [(e, False) for e in retry])
            self.emit(
                FeedOutcome(
                    request.url,
                    FeedStatus.NOT_MODIFIED,
                    moved_to=result.permanent_redirect,
                    etag=result.etag or request.etag,
                    last_modified=result.last_modified or request.last_modified,
                    articles=articles,
                )
            )
            return
        if result.error is not None:
            await self.pages(request.url, [(e, False) for e in retry])
            status = FeedStatus.GONE if result.status == 410 else FeedStatus.FAILED
            self.emit(FeedOutcome(request.url, status, error=result.error))
            return
        try:
            parsed: ParsedFeed = await self.cpu(
                parse_feed, result.body, result.url_final, result.content_type
            )
        except FeedError as error:
            await self.pages(request.url, [(e, False) for e in retry])
            self.emit(FeedOutcome(request.url, FeedStatus.FAILED, error=str(error)))
            return
        wanted: list[tuple[FeedEntry, bool]] = []
        scheduled: set[str] = set()
        for entry in parsed.entries:
            fetch, changed = _is_new_or_changed(entry, request.known)
            if fetch:
                wanted.append((entry, changed))
                scheduled.update(_entry_keys(entry))
        wanted += [(e, False) for e in retry if not scheduled.intersection(_entry_keys(e))]
        articles = await self.pages(request.url, wanted)
        self.emit(
            FeedOutcome(
                request.url,
                FeedStatus.OK,
                problem=parsed.problem,
                moved_to=result.permanent_redirect,
                title=parsed.title,
                site_url=parsed.site_url,
                etag=result.etag,
                last_modified=result.last_modified,
                articles=articles,
            )
        )

    async def pages(self, feed_url: str, wanted: Sequence[tuple[FeedEntry, bool]]) -> int:
        results = await asyncio.gather(*(self.page(feed_url, e, c) for e, c in wanted))
        return sum(results)

    async def page(self, feed_url: str, entry: FeedEntry, changed: bool) -> bool:
        """Fetch, extract and emit one entry's article; False when it was skipped."""
        key = normalize_url(entry.url) if entry.url else ""
        if key:
            if key in self.pages_seen:  # another feed of this run has the same article
                return False
            self.pages_seen.add(key)
        async with self.window:
            self.check()
            extracted, final_url, page_error = await self.article(entry.url)
            summary = ""
            if extracted is None:
                summary = await self.summary(entry, feed_url)
            self.emit(
                FetchedArticle(
                    feed_url=feed_url,
                    entry=entry,
                    page_url=entry.url,
                    final_url=final_url,
                    extracted=extracted,
                    summary_only=extracted is None,
                    summary_markdown=summary,
                    fetched_at=utc_now(),
                    page_error=page_error,
                    changed=changed,
                )
            )
        return True

    async def summary(self, entry: FeedEntry, feed_url: str) -> str:
        """The feed's own content as Markdown (the article when the page gives nothing)."""
        fragment = entry.content_html or entry.summary_html
        try:
            markdown: str = await self.cpu(
                self.extraction.markdown_from_html, fragment, entry.url or feed_url
            )
        except Exception:  # a converter bug on hostile HTML, a broken pool: the plain text
            from aiwatch_tui.core.text.html_text import html_to_text

            return html_to_text(fragment)
        return markdown

    async def article(self, url: str) -> tuple[ExtractedLike | None, str, str | None]:
        """(the extracted article or None, the final URL, why there is none)."""
        if not url:
            return None, "", "the feed gives no link to the article"
        result = await self.client.fetch(url, kind="page")
        if result.error is not None:
            return None, result.url_final, result.error
        return await self.extract(result)

    async def extract(self, result: FetchResult) -> tuple[ExtractedLike | None, str, str | None]:
        url = result.url_final
        where = one_line(url)
        media = result.content_type.split(";")[0].strip().lower()
        if media not in HTML_TYPES:
            return None, url, f"{where}: not a web page ({one_line(media)})"
        try:
            extracted: ExtractedLike | None = await self.cpu(
                self.extraction.extract_article, result.body, url, result.charset
            )
        except (concurrent.futures.process.BrokenProcessPool, MemoryError, RecursionError):
            return None, url, f"{where}: the page could not be read (extraction failed)"
        except Exception as error:  # a bug in an extractor on hostile HTML: not fatal
            return None, url, f"{where}: extraction failed ({type(error).__name__})"
        if extracted is None or not extracted.markdown.strip():
            return None, url, f"{where}: no article text found on the page"
        return extracted, url, None


async def _watch(cancel: threading.Event, tick: Callable[[], None] | None) -> None:
    """Stop the run when the caller cancels; call `tick` a few times a second meanwhile."""
    ticked = time.monotonic()
    while not cancel.is_set():
        await asyncio.sleep(_CANCEL_POLL)
        if tick is not None and time.monotonic() - ticked >= _TICK:
            ticked = time.monotonic()
            tick()
    raise _Cancelled


async def _run_all(
    jobs: Callable[[_Run], Iterable[Any]],
    emit: Callable[[Event], None],
    policy: FetchPolicy,
    extraction: Extraction,
    executor: concurrent.futures.Executor,
    cancel: threading.Event,
    tick: Callable[[], None] | None = None,
) -> bool:
    """Run the coroutines `jobs` makes; True when cancelled."""
    cancelled = False
    async with WebClient(policy) as client:
        run = _Run(emit, client, extraction, executor, cancel)
        try:
            async with asyncio.TaskGroup() as group:
                watcher = group.create_task(_watch(cancel, tick))
                work = [group.create_task(job) for job in jobs(run)]
                if work:
                    await asyncio.wait(work)
                watcher.cancel()
        except* _Cancelled:
            cancelled = True
    return cancelled


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_error(first) if isinstance(first, BaseExceptionGroup) else first


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How a run fetches and extracts; tests pass small limits and their own extractor."""

    policy: FetchPolicy = field(default_factory=FetchPolicy)
    extraction: Extraction = field(default_factory=Extraction)
    # Where parsing and extraction run; None: one worker thread made for the run.
    executor: concurrent.futures.Executor | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    # Called on the run's thread a few times a second, between events (e.g. to commit
    # articles that wait for a batch while a slow page is fetched).
    tick: Callable[[], None] | None = None


def _execute(
    jobs: Callable[[_Run], Iterable[Any]],
    on_event: Callable[[Event], None],
    options: RunOptions,
) -> FetchSummary:
    summary = FetchSummary()

    def emit(event: Event) -> None:
        summary.count(event)
        on_event(event)

    own = options.executor is None
    lane = options.executor or concurrent.futures.ThreadPoolExecutor(
        1, thread_name_prefix="aiwatch-cpu"
    )
    try:
        coroutine = _run_all(
            jobs, emit, options.policy, options.extraction, lane, options.cancel, options.tick
        )
        try:
            summary.cancelled = asyncio.run(coroutine)
        except BaseExceptionGroup as group:
            # An exception from `on_event` (the caller's store failed): re-raise it as is.
            raise _first_error(group) from None
    finally:
        if own:
            lane.shutdown(wait=True, cancel_futures=True)
    return summary


def fetch_feeds(
    feeds: Sequence[FeedRequest],
    on_event: Callable[[Event], None],
    options: RunOptions | None = None,
) -> FetchSummary:
    """Update `feeds`; `on_event` receives each article and each feed's outcome."""
    jobs: Callable[[_Run], Iterable[Any]] = lambda run: [run.feed(r) for r in feeds]  # noqa: E731
    summary = _execute(jobs, on_event, options or RunOptions())
    summary.feeds = len(feeds)
    return summary


async def _save_one(run: _Run, url: str) -> None:
    extracted, final_url, error = await run.article(url)
    if extracted is None:
        run.emit(PageFailed(url, error or f"{one_line(url)}: no article text found"))
        return
    entry = FeedEntry(
        guid="", url=url, title="", author="", published="", summary_html="", content_html=""
    )
    run.emit(
        FetchedArticle(
            feed_url="",
            entry=entry,
            page_url=url,
            final_url=final_url,
            extracted=extracted,
            summary_only=False,
            summary_markdown="",
            fetched_at=utc_now(),
        )
    )


def save_pages(
    urls: Sequence[str],
    on_event: Callable[[Event], None],
    options: RunOptions | None = None,
) -> FetchSummary:
    """Fetch and extract single pages (`aiwatch save URL...`): a `FetchedArticle` or a
    `PageFailed` for each URL."""
    return _execute(
        lambda run: [_save_one(run, u) for u in urls], on_event, options or RunOptions()
    )


@dataclass(frozen=True, slots=True)
class FoundFeed:
    url: str  # the feed's address (discovered from a page, or after a permanent move)
    feed: ParsedFeed


async def _find(url: str, policy: FetchPolicy) -> FoundFeed:
    from aiwatch_tui.core.web.discovery import feed_links

    async with WebClient(policy) as client:
        result = await client.fetch(url, kind="feed")
        if result.error is not None:
            raise FeedError(result.error)
        address = result.permanent_redirect or url
        try:
            parsed = parse_feed(result.body, result.url_final, result.content_type)
            return FoundFeed(address, parsed)
        except FeedError as not_a_feed:
            links = feed_links(result.body, result.url_final)
            if not links:
                raise FeedError(f"{one_line(url)}: not a feed, and names no feed") from None
            failure = not_a_feed
            for link in links[:4]:
                found = await client.fetch(link, kind="feed")
                if found.error is not None:
                    failure = FeedError(found.error)
                    continue
                try:
                    parsed = parse_feed(found.body, found.url_final, found.content_type)
                except FeedError as error:
                    failure = error
                    continue
                return FoundFeed(found.permanent_redirect or link, parsed)
            raise failure from None


def find_feed(url: str, policy: FetchPolicy | None = None) -> FoundFeed:
    """The feed at `url`, or the first working feed the page at `url` names.

    Raises FeedError (one line naming the URL) when there is none."""
    if not is_fetchable(url):
        raise FeedError(f"{one_line(url)}: not an http(s) address")
    return asyncio.run(_find(url, policy or FetchPolicy()))
