"""One fetch run end to end against loopback: feeds, pages, extraction, outcomes."""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from aiwatch_tui.core.web.feeds import FeedEntry, FeedError
from aiwatch_tui.core.web.fetcher import (
    Event,
    Extraction,
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
from aiwatch_tui.core.web.http import FetchPolicy
from aiwatch_tui.core.web.urls import normalize_url
from tests.web import tiny_extract
from tests.web.loopback import LoopbackServer, Reply, Seen
from tests.web.samples import RSS2, page, rss

# The real extractor (core.web.extract); a few tests use a small one of their own.
EXTRACTION = Extraction()
RSS = "application/rss+xml"


class RecordingExecutor(concurrent.futures.ThreadPoolExecutor):
    """A real one-thread executor that remembers which functions it ran."""

    def __init__(self) -> None:
        super().__init__(1)
        self.ran: list[str] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        self.ran.append(fn.__name__)
        return super().submit(fn, *args, **kwargs)


def options(policy: FetchPolicy, **more: Any) -> RunOptions:
    return RunOptions(policy=policy, **{"extraction": EXTRACTION, **more})


def run(
    requests: list[FeedRequest], policy: FetchPolicy, **more: Any
) -> tuple[list[Event], FetchSummary]:
    events: list[Event] = []
    summary = fetch_feeds(requests, events.append, options(policy, **more))
    return events, summary


def articles(events: list[Event]) -> list[FetchedArticle]:
    return [e for e in events if isinstance(e, FetchedArticle)]


def outcomes(events: list[Event]) -> list[FeedOutcome]:
    return [e for e in events if isinstance(e, FeedOutcome)]


@pytest.fixture
def site(server: LoopbackServer) -> LoopbackServer:
    """A feed of three entries: two pages with boilerplate, one page that is missing."""
    server.route("/a", Reply(body=page("Alpha", "Alpha text.")))
    server.route("/b", Reply(body=page("Beta", "Beta text.")))
    items = [
        ("g-a", server.url("/a?utm_source=rss"), "teaser a"),
        ("g-b", server.url("/b"), "teaser b"),
        ("g-c", server.url("/c-missing"), "&lt;p&gt;Only the &lt;b&gt;teaser&lt;/b&gt;&lt;/p&gt;"),
    ]
    server.route("/feed", Reply(body=rss(items), content_type=RSS, headers={"ETag": '"1"'}))
    return server


def test_new_entries_are_fetched_extracted_and_reported(site, policy):
    events, summary = run([FeedRequest(site.url("/feed"))], policy)
    found = {a.entry.guid: a for a in articles(events)}
    assert set(found) == {"g-a", "g-b", "g-c"}
    alpha = found["g-a"]
    assert alpha.extracted is not None and alpha.extracted.title == "Alpha"
    # The article, not the menus, the ads and the comments.
    assert alpha.extracted.markdown.startswith("Alpha text.\n\nThe announcement came")
    assert "Buy now" not in alpha.extracted.markdown and "First!" not in alpha.extracted.markdown
    assert not alpha.summary_only and alpha.page_error is None
    assert alpha.final_url == site.url("/a?utm_source=rss")
    missing = found["g-c"]
    assert missing.summary_only and missing.extracted is None
    assert missing.summary_markdown == "Only the **teaser**\n"
    assert missing.page_error == f"{site.url('/c-missing')}: not found (HTTP 404)"
    (outcome,) = outcomes(events)
    assert events[-1] is outcome  # after its articles
    assert outcome.status is FeedStatus.OK and outcome.title == "Loop Feed"
    assert outcome.etag == '"1"' and outcome.articles == 3 and outcome.error is None
    assert (summary.feeds, summary.ok, summary.articles, summary.summary_only) == (1, 1, 3, 1)


def test_known_entries_are_not_fetched_again_and_edited_ones_are(site, policy):
    first, _ = run([FeedRequest(site.url("/feed"))], policy)
    signatures = {a.entry.guid: a.entry.signature for a in articles(first)}
    known = {"g-a": signatures["g-a"], normalize_url(site.url("/b")): signatures["g-b"]}
    known["g-c"] = "an older signature"  # the publisher changed entry c since
    before = len(site.hits("/a"))
    events, summary = run([FeedRequest(site.url("/feed"), known=known)], policy)
    assert [(a.entry.guid, a.changed) for a in articles(events)] == [("g-c", True)]
    assert len(site.hits("/a")) == before and summary.articles == 1


def test_a_304_costs_no_parsing(site, policy):
    first, _ = run([FeedRequest(site.url("/feed"))], policy)
    etag = outcomes(first)[0].etag

    def conditional(seen: Seen) -> Reply:
        if seen.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        return Reply(body=RSS2, content_type=RSS)

    site.route("/feed", conditional)
    executor = RecordingExecutor()
    try:
        events, summary = run(
            [FeedRequest(site.url("/feed"), etag=etag)], policy, executor=executor
        )
    finally:
        executor.shutdown()
    assert events == [FeedOutcome(site.url("/feed"), FeedStatus.NOT_MODIFIED, etag=etag)]
    assert executor.ran == []  # neither parse_feed nor extraction ran
    assert summary.not_modified == 1 and summary.articles == 0
    # Without the validator the same feed is parsed (the executor is what parses).
    executor = RecordingExecutor()
    try:
        run([FeedRequest(site.url("/feed"))], policy, executor=executor)
    finally:
        executor.shutdown()
    assert executor.ran[0] == "parse_feed"


def test_a_410_marks_the_feed_gone(server, policy):
    url = server.route("/feed", Reply(410))
    events, summary = run([FeedRequest(url)], policy)
    assert events == [
        FeedOutcome(url, FeedStatus.GONE, error=f"{url}: gone (HTTP 410): the publisher removed it")
    ]
    assert summary.gone == 1


def test_a_permanent_move_is_reported_for_the_store(site, policy):
    old = site.route("/old-feed", Reply(308, headers={"Location": "/feed"}))
    events, _ = run([FeedRequest(old)], policy)
    (outcome,) = outcomes(events)
    assert outcome.moved_to == site.url("/feed") and outcome.status is FeedStatus.OK
    assert {a.feed_url for a in articles(events)} == {old}  # as the caller knows the feed


def test_failures_say_why_and_the_other_feeds_go_on(site, policy):
    garbage = site.route(
        "/garbage", Reply(body=b"\x00\x01 not xml at all", content_type="text/plain")
    )
    html = site.route("/page", Reply(body=page("A page", "no feed here")))
    events, summary = run(
        [
            FeedRequest(garbage),
            FeedRequest(site.url("/nowhere")),
            FeedRequest(site.url("/feed")),
            FeedRequest(html),
        ],
        replace(policy, retries=0),
    )
    by_url = {o.feed_url: o for o in outcomes(events)}
    assert by_url[site.url("/nowhere")].error == f"{site.url('/nowhere')}: not found (HTTP 404)"
    assert by_url[html].error == f"{html}: a web page, not a feed"
    assert by_url[garbage].status is FeedStatus.FAILED
    assert by_url[site.url("/feed")].status is FeedStatus.OK
    assert (summary.failed, summary.ok, summary.articles) == (3, 1, 3)


def test_an_entry_without_a_usable_link_is_summary_only_and_nothing_is_requested(server, policy):
    body = rss([("g1", "javascript:alert(1)", "Teaser one"), ("g2", "file:///etc/passwd", "Two")])
    url = server.route("/feed", Reply(body=body, content_type=RSS))
    events, _ = run([FeedRequest(url)], policy)
    found = articles(events)
    assert [(a.summary_only, a.summary_markdown, a.page_url) for a in found] == [
        (True, "Teaser one\n", ""),
        (True, "Two\n", ""),
    ]
    assert found[0].page_error == "the feed gives no link to the article"
    assert len(server.stats.requests) == 1  # the feed only


def test_summary_only_articles_are_retried_even_when_the_feed_is_unchanged(server, policy):
    server.route("/later", Reply(body=page("Later", "Now it is there.")))
    url = server.route("/feed", Reply(304))
    retry = FeedEntry("g", server.url("/later"), "Later", "", "", "", "")
    events, _ = run([FeedRequest(url, etag='"x"', retry=(retry,))], policy)
    (article,) = articles(events)
    assert not article.summary_only
    assert article.extracted.markdown.startswith("Now it is there.\n")
    assert outcomes(events)[0].status is FeedStatus.NOT_MODIFIED


def test_an_article_in_two_feeds_is_fetched_once(site, policy):
    twin = site.route(
        "/twin", Reply(body=rss([("t", site.url("/a#comments"), "x")]), content_type=RSS)
    )
    events, summary = run([FeedRequest(site.url("/feed")), FeedRequest(twin)], policy)
    assert len(site.hits("/a")) == 1 and summary.articles == 3


def test_a_page_that_is_not_html_is_summary_only(server, policy):
    server.route("/doc.pdf", Reply(body=b"%PDF-1.7", content_type="application/pdf"))
    body = rss([("p", server.url("/doc.pdf"), "A PDF")])
    events, _ = run(
        [FeedRequest(server.route("/feed", Reply(body=body, content_type=RSS)))], policy
    )
    (article,) = articles(events)
    assert article.summary_only and article.page_error == (
        f"{server.url('/doc.pdf')}: not a web page (application/pdf)"
    )


def test_a_page_with_no_article_text_is_summary_only(server, policy):
    # A page drawn by JavaScript: nothing to read without running it.
    app = b'<html><body><div id="root"></div><script>render()</script></body></html>'
    server.route("/empty", Reply(body=app))
    body = rss([("e", server.url("/empty"), "The teaser")])
    events, _ = run(
        [FeedRequest(server.route("/feed", Reply(body=body, content_type=RSS)))], policy
    )
    (article,) = articles(events)
    assert article.summary_only and article.summary_markdown == "The teaser\n"
    assert article.page_error == f"{server.url('/empty')}: no article text found on the page"


CAFE = "Caf\u00e9 cr\u00e8me"


def test_the_http_charset_reaches_the_extractor(server, policy):
    # Latin-1 bytes, the charset only in the header, the page wrongly claiming UTF-8.
    body = page(CAFE, CAFE).decode().encode("latin-1")
    content_type = "text/html; charset=iso-8859-1"
    server.route("/p", Reply(body=body, content_type=content_type))
    feed = rss([("p", server.url("/p"), "x")])
    events, _ = run(
        [FeedRequest(server.route("/feed", Reply(body=feed, content_type=RSS)))], policy
    )
    (article,) = articles(events)
    assert article.extracted.title == CAFE
    assert article.extracted.markdown.startswith(f"{CAFE}\n")


def test_cancelling_stops_the_run_and_keeps_what_was_delivered(server, policy):
    cancel = threading.Event()
    for n in range(20):
        server.route(f"/p{n}", Reply(body=page(f"P{n}", f"text {n}")))
    body = rss([(f"g{n}", server.url(f"/p{n}"), "t") for n in range(20)])
    url = server.route("/feed", Reply(body=body, content_type=RSS))
    delivered: list[Event] = []

    def on_event(event: Event) -> None:
        delivered.append(event)
        if len(delivered) == 3:
            cancel.set()

    summary = fetch_feeds([FeedRequest(url)], on_event, options(policy, cancel=cancel))
    # Nothing is delivered after the cancel: the three stored articles are all there is.
    assert summary.cancelled and summary.articles == 3
    assert len(articles(delivered)) == 3 and outcomes(delivered) == []
    assert len(server.stats.requests) < 21


def test_an_error_in_the_callers_store_stops_the_run_and_is_raised_as_is(site, policy):
    def failing_store(event: Event) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        fetch_feeds([FeedRequest(site.url("/feed"))], failing_store, options(policy))


def test_extraction_in_a_process_pool(site, policy):
    # The small extractor of the tests: what is checked is the pickling across processes.
    tiny = Extraction(tiny_extract.extract_article, tiny_extract.markdown_from_html)
    with concurrent.futures.ProcessPoolExecutor(1) as pool:
        events, summary = run(
            [FeedRequest(site.url("/feed"))], policy, executor=pool, extraction=tiny
        )
    assert summary.articles == 3
    assert {a.extracted.title for a in articles(events) if a.extracted} == {"Alpha", "Beta"}


def test_save_pages(server, policy):
    good = server.route("/good", Reply(body=page("Good", "Saved text.")))
    events: list[Event] = []
    save_pages([good, server.url("/bad"), "file:///etc/passwd"], events.append, options(policy))
    saved = [e for e in events if isinstance(e, FetchedArticle)]
    failed = sorted((e.url, e.error) for e in events if isinstance(e, PageFailed))
    assert [(a.page_url, a.extracted.title, a.feed_url) for a in saved] == [(good, "Good", "")]
    assert failed == [
        ("file:///etc/passwd", "file:///etc/passwd: not an http(s) address, not fetched"),
        (server.url("/bad"), f"{server.url('/bad')}: not found (HTTP 404)"),
    ]


def test_find_feed_directly_and_by_discovery(site, policy):
    found = find_feed(site.url("/feed"), policy)
    assert found.url == site.url("/feed") and found.feed.title == "Loop Feed"
    home = site.route(
        "/home",
        Reply(
            body=b'<html><head><link rel="alternate" type="application/rss+xml" '
            b'href="/feed"></head><body>Home</body></html>'
        ),
    )
    assert find_feed(home, policy).url == site.url("/feed")


def test_find_feed_says_why_there_is_none(server, policy):
    plain = server.route("/plain", Reply(body=b"<html><head></head><body>x</body></html>"))
    with pytest.raises(FeedError, match=r"not a feed, and names no feed"):
        find_feed(plain, policy)
    dead = server.route(
        "/dead-link",
        Reply(body=b'<head><link rel="alternate" type="application/atom+xml" href="/gone"></head>'),
    )
    with pytest.raises(FeedError, match=r"/gone: not found \(HTTP 404\)"):
        find_feed(dead, policy)
    with pytest.raises(FeedError, match=r"^ftp://x.example/: not an http\(s\) address$"):
        find_feed("ftp://x.example/", policy)
