"""The feed commands as a user types them: feed add/list/remove/import/export, fetch, save,
cat, list --json, against a loopback server, with the real store and extractor."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from aiwatch_tui import cli
from aiwatch_tui.core.interchange.opml import parse_opml
from tests.web.loopback import LoopbackServer, Reply
from tests.web.samples import page, rss

RSS = "application/rss+xml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def site(server: LoopbackServer) -> LoopbackServer:
    """A feed of two articles with pages, and a home page that names the feed."""
    server.route("/one", Reply(body=page("First story", "The first story's text.")))
    server.route("/two", Reply(body=page("Second story", "The second story's text.")))
    items = [
        ("s1", server.url("/one?utm_source=rss"), "teaser one"),
        ("s2", server.url("/two"), "teaser two"),
    ]
    server.route("/feed.xml", Reply(body=rss(items, "Loop Wire"), content_type=RSS))
    server.route(
        "/",
        Reply(
            body=b'<html><head><link rel="alternate" type="application/rss+xml" '
            b'href="/feed.xml"></head><body>Home</body></html>'
        ),
    )
    return server


def test_feed_add_list_remove(site, capsys):
    feed = site.url("/feed.xml")
    assert run(capsys, "feed", "add", feed) == (0, "", f"subscribed: Loop Wire ({feed})\n")
    code, _, err = run(capsys, "feed", "add", feed)
    assert code == 0 and err == f"already subscribed: Loop Wire ({feed})\n"
    code, out, _ = run(capsys, "feed", "list")
    assert code == 0 and out.splitlines() == [f"Loop Wire  {feed}  0 articles  never fetched"]
    code, out, _ = run(capsys, "feed", "list", "--json")
    (listed,) = json.loads(out)
    assert listed["url"] == feed and listed["title"] == "Loop Wire"
    assert listed["status"] == "ok" and listed["articles"] == 0 and listed["last_fetched"] is None
    code, _, err = run(capsys, "feed", "remove", feed)
    assert code == 0 and err == f"unsubscribed: Loop Wire ({feed}); its 0 articles are kept\n"
    assert run(capsys, "feed", "list")[1] == ""
    code, _, err = run(capsys, "feed", "remove", feed)
    assert code == 1 and err == f"aiwatch: not subscribed: {feed}\n"


def test_feed_add_finds_the_feed_a_page_names_and_takes_a_title(site, capsys):
    code, _, err = run(capsys, "feed", "add", site.url("/"), "--title", "My wire")
    feed = site.url("/feed.xml")
    assert code == 0 and err == f"subscribed: My wire ({feed}, found on {site.url('/')})\n"


def test_feed_add_of_what_is_no_feed_is_one_line(site, capsys):
    site.route("/plain", Reply(body=b"<html><head></head><body>No feed</body></html>"))
    code, _, err = run(capsys, "feed", "add", site.url("/plain"))
    assert code == 1 and err == f"aiwatch: {site.url('/plain')}: not a feed, and names no feed\n"
    code, _, err = run(capsys, "feed", "add", "file:///etc/passwd")
    assert code == 1 and err == "aiwatch: file:///etc/passwd: not an http(s) address\n"
    assert run(capsys, "feed", "list")[1] == ""


def test_fetch_stores_articles_and_cat_prints_them(site, capsys, db_path):
    feed = site.url("/feed.xml")
    run(capsys, "feed", "add", feed)
    code, out, err = run(capsys, "fetch")
    assert code == 0 and out == ""
    assert err == "fetched 1 feed: 2 new articles\n"  # one summary line without a terminal
    code, out, _ = run(capsys, "cat", site.url("/one"))  # by its normalised URL
    assert code == 0 and out.startswith("# Story s1\n\nThe first story's text.\n")
    assert "Buy now" not in out and "First!" not in out
    assert run(capsys, "cat", site.url("/one?utm_source=rss"))[1] == out  # as in the feed
    code, out, _ = run(capsys, "list", "--json")
    by_key = {d["key"]: d for d in json.loads(out)}
    one = by_key[site.url("/one")]  # kept under its URL without tracking parameters
    assert one["url"] == site.url("/one?utm_source=rss")  # the link as the feed gave it
    assert one["feed"] == feed and one["title"] == "Story s1" and one["fetched"]
    assert set(one) >= {"url", "feed", "site", "author", "published", "fetched", "key"}
    # The articles are in the database in the data dir (what `aiwatch backup` copies).
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT count(*) FROM articles").fetchone() == (2,)
    # Fetching again finds nothing new.
    assert run(capsys, "fetch")[2] == "fetched 1 feed: no new articles\n"


def test_fetch_one_feed_and_failures(site, capsys):
    feed = site.url("/feed.xml")
    other = site.route("/other.xml", Reply(body=rss([], "Other"), content_type=RSS))
    run(capsys, "feed", "add", feed)
    run(capsys, "feed", "add", other)
    code, _, err = run(capsys, "fetch", "--feed", other)
    assert code == 0 and err == "fetched 1 feed: no new articles\n"
    assert site.hits("/feed.xml") and len(site.hits("/feed.xml")) == 1  # only at `feed add`
    site.route("/feed.xml", Reply(500))
    code, _, err = run(capsys, "fetch")
    assert code == 0  # one feed of two failed
    assert err.splitlines() == [
        f"aiwatch: {feed}: HTTP 500 Internal Server Error",
        "fetched 2 feeds: no new articles, 1 failed",
    ]
    site.route("/other.xml", Reply(404))
    code, _, err = run(capsys, "fetch")
    assert code == 1  # every feed failed
    assert err.splitlines()[-1] == "fetched 2 feeds: no new articles, 2 failed"


def test_a_gone_feed_is_marked_and_a_moved_one_updated(site, capsys):
    feed = site.url("/feed.xml")
    run(capsys, "feed", "add", feed)
    site.route("/feed.xml", Reply(301, headers={"Location": "/moved.xml"}))
    site.route("/moved.xml", Reply(body=rss([], "Loop Wire"), content_type=RSS))
    run(capsys, "fetch")
    assert json.loads(run(capsys, "feed", "list", "--json")[1])[0]["url"] == site.url("/moved.xml")
    site.route("/moved.xml", Reply(410))
    code, _, err = run(capsys, "fetch")
    assert code == 1 and "gone (HTTP 410)" in err
    (listed,) = json.loads(run(capsys, "feed", "list", "--json")[1])
    assert listed["status"] == "gone"


def test_a_summary_only_article_is_retried_by_the_next_fetch(site, capsys):
    site.route("/one", Reply(503))
    run(capsys, "feed", "add", site.url("/feed.xml"))
    assert run(capsys, "fetch")[2] == "fetched 1 feed: 2 new articles (1 summary only)\n"
    out = run(capsys, "cat", site.url("/one"))[1]
    assert "teaser one" in out and "Summary only" in out
    site.route("/one", Reply(body=page("First story", "The first story's text.")))
    run(capsys, "fetch")
    out = run(capsys, "cat", site.url("/one"))[1]
    assert "The first story's text." in out and "Summary only" not in out


def test_import_and_export_opml(site, capsys, tmp_path: Path):
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="1.0"><body><outline text="Folder">'
        f'<outline type="rss" title="Wire" xmlUrl="{site.url("/feed.xml")}"/>'
        '<outline type="rss" title="Bad" xmlUrl="javascript:alert(1)"/>'
        "</outline></body></opml>",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "feed", "import", str(opml))
    assert code == 0
    assert err.splitlines() == [
        "aiwatch: skipped javascript:alert(1): not an http(s) address",
        f"imported from {opml}: 1 new feed, 0 already subscribed",
    ]
    code, out, _ = run(capsys, "feed", "export")
    assert code == 0 and out.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">'
    )
    assert [s.url for s in parse_opml(out.encode())] == [site.url("/feed.xml")]


def test_save_and_cat_a_page(site, capsys):
    code, _, err = run(capsys, "save", site.url("/two"), site.url("/missing"))
    assert code == 1
    assert err.splitlines() == [
        f"saved: Second story ({site.url('/two')})",
        f"aiwatch: {site.url('/missing')}: not found (HTTP 404)",
    ]
    assert run(capsys, "cat", site.url("/two"))[1].startswith("# Second story\n")


def test_web_text_is_sanitised_in_the_cli(server, capsys):
    items = [("x", server.url("/x"), "t")]
    body = rss(items, "Evil &#x1b;[2J feed").replace(b"Story x", b"Story \x1b]0;pwned\x07 x")
    server.route("/feed.xml", Reply(body=body, content_type=RSS))
    server.route("/x", Reply(404))
    run(capsys, "feed", "add", server.url("/feed.xml"))
    run(capsys, "fetch")
    for argv in (("feed", "list"), ("list", "--json"), ("cat", server.url("/x"))):
        out = run(capsys, *argv)[1]
        assert "\x1b" not in out and "\x07" not in out


def test_cat_a_saved_page_reads_it_through_the_extraction(capsys, tmp_path):
    saved = tmp_path / "saved page.html"
    saved.write_bytes(page("Kept offline", "The text of the kept page."))
    code, out, err = run(capsys, "cat", str(saved))
    assert (code, err) == (0, "")
    assert out.startswith("# Kept offline\n\nThe text of the kept page.\n")
    assert "Buy now" not in out and "First!" not in out  # the boilerplate is left out
