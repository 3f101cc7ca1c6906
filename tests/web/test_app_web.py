"""The app with web articles: the list shows their source and date, R fetches in a worker,
the palette adds a feed and saves a page, F and the palette choose what the list shows,
quitting mid-fetch keeps what was stored."""

from __future__ import annotations

import asyncio
import threading

from textual.widgets import Input

from aiwatch_tui import cli
from aiwatch_tui.core.store import Store
from aiwatch_tui.ui.app import AiwatchApp, make_app
from aiwatch_tui.ui.widgets.document_list import DocumentList, entry_lines
from aiwatch_tui.ui.widgets.title_bar import TitleBar
from tests.notices import notices
from tests.settle import settled, until
from tests.ui.shown import reader
from tests.ui.test_palette import palette_search
from tests.web.loopback import LoopbackServer, Reply, Seen
from tests.web.samples import page, rss

RSS = "application/rss+xml"
SIZE = (110, 36)


async def aiwatch(*argv: str) -> int:
    """The command line, run beside the test's event loop (it runs one of its own)."""
    return await asyncio.to_thread(cli.main, list(argv))


def listed(app: AiwatchApp) -> list[str]:
    """The list's rows: title and facts, as shown."""
    entries = app.screen.query_one(DocumentList)._entries
    lines = [entry_lines(entry, 100) for entry in entries]
    return [f"{title.plain} | {facts.plain}" for title, facts in lines]


def feed_site(server: LoopbackServer, n: int = 2, name: str = "Wire") -> str:
    items = []
    for i in range(n):
        server.route(f"/{name}{i}", Reply(body=page(f"{name} page {i}", f"Text of {name} {i}.")))
        items.append((f"{name}-{i}", server.url(f"/{name}{i}"), "teaser"))
    return server.route(f"/{name}.xml", Reply(body=rss(items, f"{name} feed"), content_type=RSS))


async def test_r_fetches_in_a_worker_and_articles_join_the_list(server, db_path):
    feed = feed_site(server)
    assert await aiwatch(*["feed", "add", feed]) == 0
    app = make_app(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        before = listed(app)
        assert not any("Story Wire" in row for row in before)
        await pilot.press("R")
        await until(pilot, lambda: not app.web_busy, "the end of the fetch")
        rows = listed(app)
        # The feed's articles, first, with their source (the site) and date.
        assert rows[0].startswith("Story Wire-")
        assert sum("Story Wire-" in row for row in rows) == 2
        # The summary is a notification: Textual shows it once its Notify message, posted
        # as the fetch ended, has been handled (asserting at once raced with that).
        summary = "Fetched 1/1 feeds: 2 new articles."
        await until(pilot, lambda: any(summary in n for n in notices(app)), "the summary")
        assert app.screen.query_one(TitleBar).activity == ""
    with Store(db_path) as store:
        assert len(store.articles()) == 2


async def test_f_and_the_palette_choose_what_the_list_shows(server, db_path):
    feed = feed_site(server, 1, "One")
    other = feed_site(server, 1, "Two")
    for url in (feed, other):
        assert await aiwatch(*["feed", "add", url]) == 0
    assert await aiwatch(*["fetch"]) == 0
    app = make_app(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        everything = listed(app)
        await pilot.press("F")  # web articles
        await pilot.pause()
        assert app.screen.query_one(TitleBar).scope == "web articles"
        assert sorted(r.split(" | ")[0] for r in listed(app)) == ["Story One-0", "Story Two-0"]
        await pilot.press("F")  # local files
        await pilot.pause()
        assert not any("Story" in r for r in listed(app)) and listed(app)
        await pilot.press("F")  # all again
        await pilot.pause()
        assert listed(app) == everything
        hits = await palette_search(pilot, "Show feed: Two")
        assert hits[0].endswith("Show feed: Two feed")
        await pilot.press("enter")
        await pilot.pause()
        assert [r.split(" | ")[0] for r in listed(app)] == ["Story Two-0"]
        assert app.screen.query_one(TitleBar).scope == "Two feed"


async def test_add_feed_from_the_palette(server, db_path):
    feed = feed_site(server, 1, "Added")
    app = make_app(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await palette_search(pilot, "Add feed")
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.screen.query(Input)), "the address box")
        box = app.screen.query_one("#url", Input)
        box.value = "javascript:alert(1)"
        await pilot.press("enter")
        await pilot.pause()
        assert "Not an http(s) address" in str(app.screen.query_one("#url-problem").render())
        box.value = feed
        await pilot.press("enter")
        await until(pilot, lambda: any("Story Added-0" in r for r in listed(app)), "the article")
        await until(pilot, lambda: not app.web_busy, "the end of the fetch")
        assert any(n == "Subscribed to Added feed" for n in notices(app))


async def test_save_page_from_the_palette_opens_it(server, db_path):
    url = server.route("/saved", Reply(body=page("Saved here", "Text to read later.")))
    app = make_app(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await palette_search(pilot, "Save page")
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.screen.query(Input)), "the address box")
        app.screen.query_one("#url", Input).value = url
        await pilot.press("enter")
        await until(
            pilot,
            lambda: (
                getattr(app.screen, "document", None) is not None and app.screen.document.key == url
            ),
            "the saved page in the reader",
        )
        assert "Text to read later." in app.screen.document.text


async def test_quitting_mid_fetch_keeps_what_was_stored(server, db_path):
    release = threading.Event()
    items = []
    for i in range(6):
        server.route(f"/fast{i}", Reply(body=page(f"Fast {i}", f"Fast text {i}.")))
        items.append((f"fast-{i}", server.url(f"/fast{i}"), "t"))

    def slow(seen: Seen) -> Reply:
        release.wait(120)  # until the test has quit the app
        return Reply(body=page("S", "late"))

    server.route("/slow", slow)
    items.append(("slow", server.url("/slow"), "t"))
    feed = server.route("/feed.xml", Reply(body=rss(items, "Mixed"), content_type=RSS))
    assert await aiwatch(*["feed", "add", feed]) == 0
    app = make_app(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("R")
        await until(pilot, lambda: sum("Story fast-" in r for r in listed(app)) == 6, "six")
        assert app.web_busy  # the slow page is still being fetched
        await pilot.press("q")
    release.set()
    with Store(db_path) as store:
        keys = {a.key for a in store.articles()}
    assert {server.url(f"/fast{i}") for i in range(6)} <= keys
    assert server.url("/slow") not in keys


async def test_a_saved_page_opens_as_its_article(tmp_path, db_path):
    saved = tmp_path / "kept.html"
    saved.write_bytes(page("Kept offline", "The text of the kept page."))
    app = make_app([saved], db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        document = reader(app).document
        assert document is not None
        assert document.text.startswith("# Kept offline\n")
        assert "The text of the kept page." in document.text and "Buy now" not in document.text


async def test_articles_fetched_by_r_are_listed_newest_first(server, db_path):
    days = [2, 5, 1, 4, 3]  # the feed's order is not the dates' order
    items = "".join(
        f"<item><title>Day {day}</title><link>{server.url(f'/d{day}')}</link>"
        f"<guid>d{day}</guid><pubDate>Mon, 0{day} Jun 2025 09:00:00 GMT</pubDate></item>"
        for day in days
    )
    for day in days:
        server.route(f"/d{day}", Reply(body=page(f"Day {day}", f"What happened on day {day}.")))
    feed = server.route(
        "/days.xml",
        Reply(
            body=f'<rss version="2.0"><channel><title>Days</title>{items}</channel></rss>'.encode(),
            content_type=RSS,
        ),
    )
    assert await aiwatch(*["feed", "add", feed]) == 0
    app = make_app(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("R")
        await until(pilot, lambda: not app.web_busy, "the end of the fetch")
        titles = [row.split(" | ")[0] for row in listed(app)][:5]
        assert titles == ["Day 5", "Day 4", "Day 3", "Day 2", "Day 1"]


BYLINED = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>Chips</title>"
    b"<meta name='author' content='Jo Marsh'>"
    b"<meta property='article:published_time' content='2025-06-03T09:00:00Z'></head>"
    b"<body><article><h1>Chips</h1><p>The chip makers said demand grew again this quarter,"
    b" and the lines at the fabs are longer than ever before in the industry.</p><p>Analysts"
    b" expect the trend to last a while yet, as data centres keep growing in number and in"
    b" size across the world.</p></article></body></html>"
)


async def test_a_web_article_shows_its_author_and_date_under_its_title(server, tmp_path, db_path):
    """Through the Markdown reader: the article's own title heading, then its byline, for
    a fetched article and a saved page alike."""
    url = server.route("/chips", Reply(body=BYLINED))
    assert await aiwatch("save", url) == 0
    saved = tmp_path / "chips.html"
    saved.write_bytes(BYLINED)
    for app in (make_app(db_path=db_path), make_app([saved], db_path=db_path)):
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)  # wide enough: the reader previews the first document
            shown = reader(app)
            rows = [shown.render_line(y).text.strip() for y in range(4)]
            assert rows[0] == "Chips" and rows[1].startswith("───")
            assert rows[2] == "Jo Marsh · 2025-06-03"
            assert shown.document is not None and shown.document.author == "Jo Marsh"
