"""End to end: the real `aiwatch feed add` and `aiwatch fetch` against a loopback server,
then the app in a pseudo-terminal shows the articles and opens one."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.terminal import Terminal
from tests.e2e.test_launch import AIWATCH, _env
from tests.web.loopback import LoopbackServer, Reply
from tests.web.samples import page

pytestmark = pytest.mark.e2e

FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
<title>Loop Wire \x1b[31m</title><link>{base}/</link>
<item><title>Chips are scarce again</title><link>{base}/chips?utm_source=rss</link>
<guid isPermaLink="false">c1</guid><pubDate>Tue, 03 Jun 2025 09:00:00 GMT</pubDate>
<description>Teaser about chips.</description></item>
<item><title>Power for data centres</title><link>{base}/power</link>
<guid isPermaLink="false">p1</guid><pubDate>Mon, 02 Jun 2025 09:00:00 GMT</pubDate>
<description>Teaser about power.</description></item>
</channel></rss>"""


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    server.route("/chips", Reply(body=page("Chips", "Lead times for accelerators grew again.")))
    server.route("/power", Reply(body=page("Power", "Grids strain under new campuses.")))
    body = FEED.replace("\x1b", "&#x1b;").format(base=server.base).encode()
    server.route("/feed.xml", Reply(body=body, content_type="application/rss+xml"))
    yield server
    server.close()


def _aiwatch(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [AIWATCH, *argv],
        env={**os.environ, **_env(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_fetch_then_read_a_fetched_article_in_the_terminal(site, tmp_path):
    assert _aiwatch(tmp_path, "feed", "add", site.url("/feed.xml")).returncode == 0
    fetched = _aiwatch(tmp_path, "fetch")
    # Not a terminal: one summary line (no progress bar).
    assert (fetched.returncode, fetched.stdout) == (0, "")
    # The feed's title holds a character XML forbids: read anyway, and said.
    assert fetched.stderr.splitlines() == [
        f"aiwatch: {site.url('/feed.xml')}: malformed feed (<unknown>:2:17: reference to "
        "invalid character number); 2 entries read anyway",
        "fetched 1 feed: 2 new articles",
    ]
    with Terminal([AIWATCH], cols=100, rows=30, env=_env(tmp_path)) as term:
        # The newest article first, with its source and date.
        term.wait_for(r"Chips are scarce again", r"2025-06-03")
        screen = term.text()
        assert screen.index("Chips are scarce again") < screen.index("Power for data centres")
        term.send("\r")
        term.wait_for(r"Lead times for accelerators grew again\.")
        term.send("q")
        assert term.wait_exit() == 0
    assert b"\x1b[31m" not in bytes(term.raw)  # the feed's escape never reached the terminal


def test_fetch_on_a_terminal_shows_a_progress_bar(site, tmp_path):
    assert _aiwatch(tmp_path, "feed", "add", site.url("/feed.xml")).returncode == 0
    with Terminal([AIWATCH, "fetch"], cols=100, rows=10, env=_env(tmp_path)) as term:
        assert term.wait_exit(timeout=120) == 0
        raw = bytes(term.raw).decode("utf-8", "replace")
    assert "1/1 feeds, 2 new articles" in raw  # the bar, drawn in place
    assert "fetched 1 feed: 2 new articles" in term.text()


def test_aiwatch_url_fetches_keeps_and_opens_the_page(site, tmp_path):
    url = site.url("/power")
    with Terminal([AIWATCH, url], cols=80, rows=24, env=_env(tmp_path)) as term:
        term.wait_for(r"Grids strain under new campuses\.")  # in the reader, at once
        term.send("q")
        assert term.wait_exit() == 0
    # Kept: readable later without the network.
    site.route("/power", Reply(404))
    kept = _aiwatch(tmp_path, "cat", url)
    assert kept.returncode == 0 and kept.stdout.startswith("# Power\n")
    missing = _aiwatch(tmp_path, site.url("/nowhere"))
    assert (missing.returncode, missing.stderr) == (
        1,
        f"aiwatch: {site.url('/nowhere')}: not found (HTTP 404)\n",
    )


def test_ctrl_c_during_fetch_stops_it_and_keeps_the_articles_stored(tmp_path):
    import json
    import os
    import signal
    import threading
    import time

    server = LoopbackServer()
    release = threading.Event()
    try:
        items = []
        for i in range(3):
            server.route(f"/f{i}", Reply(body=page(f"Fast {i}", f"Fast text {i}.")))
            items.append(f"<item><title>Fast {i}</title><link>{server.url(f'/f{i}')}</link></item>")

        def slow(_seen: object) -> Reply:
            release.wait(60)
            return Reply(body=page("Slow", "late"))

        server.route("/slow", slow)
        items.append(f"<item><title>Slow</title><link>{server.url('/slow')}</link></item>")
        body = f"<rss version='2.0'><channel><title>Mixed</title>{''.join(items)}</channel></rss>"
        feed = server.route(
            "/feed.xml", Reply(body=body.encode(), content_type="application/rss+xml")
        )
        assert _aiwatch(tmp_path, "feed", "add", feed).returncode == 0
        fetch = subprocess.Popen(
            [AIWATCH, "fetch"],
            env={**os.environ, **_env(tmp_path)},
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        fast = {"Fast 0", "Fast 1", "Fast 2"}

        def titles() -> set[str]:
            listed = json.loads(_aiwatch(tmp_path, "list", "--json").stdout)
            return {row["title"] for row in listed}

        deadline = time.monotonic() + 60
        while not fast <= titles() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.hits("/slow") and fetch.poll() is None  # still waiting for that page
        os.killpg(fetch.pid, signal.SIGINT)  # as ^C does: the whole process group
        assert fetch.wait(timeout=60) == 130
    finally:
        release.set()
        server.close()
    assert fast <= titles() and "Slow" not in titles()
