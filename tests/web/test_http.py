"""The HTTP client's rules, against a real server on loopback."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace

import brotli
import pytest

from aiwatch_tui import __version__
from aiwatch_tui.core.web.http import (
    FetchPolicy,
    FetchResult,
    Kind,
    TooLarge,
    WebClient,
    _BrotliStage,
    _ZlibStage,
    retry_after_seconds,
)
from tests.web.loopback import LoopbackServer, Reply, Seen, ServerStats


def fetch(
    url: str, policy: FetchPolicy, kind: Kind = "feed", etag: str = "", last_modified: str = ""
) -> FetchResult:
    async def run() -> FetchResult:
        async with WebClient(policy) as client:
            return await client.fetch(url, kind=kind, etag=etag, last_modified=last_modified)

    return asyncio.run(run())


def test_an_honest_user_agent_and_the_encodings_it_can_decode(server, policy):
    url = server.route("/feed", Reply(body=b"<rss/>"))
    result = fetch(url, policy)
    assert result.ok and result.body == b"<rss/>" and result.status == 200
    headers = server.hits("/feed")[0].headers
    assert headers["user-agent"].startswith(f"aiwatch/{__version__} ")
    assert headers["accept-encoding"] == "gzip, deflate, br"


def test_conditional_request_gets_304_with_no_body(server, policy):
    def conditional(seen: Seen) -> Reply:
        if seen.headers.get("if-none-match") == '"v1"':
            return Reply(304, headers={"ETag": '"v1"'})
        return Reply(
            body=b"<rss/>",
            headers={"ETag": '"v1"', "Last-Modified": "Tue, 03 Jun 2025 09:00:00 GMT"},
        )

    url = server.route("/feed", conditional)
    first = fetch(url, policy)
    assert first.etag == '"v1"' and first.last_modified == "Tue, 03 Jun 2025 09:00:00 GMT"
    second = fetch(url, policy, etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.ok and second.body == b""
    assert server.hits("/feed")[1].headers["if-modified-since"] == first.last_modified


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_is_followed_and_reported(server, policy, status):
    server.route("/new", Reply(body=b"<rss/>"))
    url = server.route("/old", Reply(status, headers={"Location": "/new"}))
    result = fetch(url, policy)
    assert result.ok and result.body == b"<rss/>"
    assert result.permanent_redirect == server.url("/new")
    assert result.url_final == server.url("/new") and result.url_requested == url


def test_a_temporary_redirect_is_followed_but_not_reported_as_a_move(server, policy):
    server.route("/new", Reply(body=b"ok"))
    server.route("/moved", Reply(302, headers={"Location": "/new"}))
    url = server.route("/old", Reply(301, headers={"Location": "/moved"}))
    result = fetch(url, policy)
    assert result.ok and result.url_final == server.url("/new")
    # Only the permanent part of the chain is a move: /old now lives at /moved.
    assert result.permanent_redirect == server.url("/moved")


def test_a_redirect_loop_is_an_error_naming_the_url(server, policy):
    server.route("/b", Reply(302, headers={"Location": "/a"}))
    url = server.route("/a", Reply(302, headers={"Location": "/b"}))
    result = fetch(url, policy)
    assert not result.ok and result.error == f"{url}: redirect loop at {url}"
    assert len(server.hits("/a")) == 1 and len(server.hits("/b")) == 1


def test_at_most_five_redirects(server, policy):
    for n in range(7):
        server.route(f"/r{n}", Reply(302, headers={"Location": f"/r{n + 1}"}))
    server.route("/r7", Reply(body=b"end"))
    assert fetch(server.url("/r2"), policy).body == b"end"  # five hops
    result = fetch(server.url("/r1"), policy)  # six hops
    assert result.error == f"{server.url('/r1')}: more than 5 redirects"
    assert not server.hits("/r7")[1:]


@pytest.mark.parametrize(
    "target",
    ["file:///etc/passwd", "data:text/html,<p>hi</p>", "javascript:alert(1)", "ftp://x.org/f"],
)
def test_a_redirect_to_another_scheme_is_never_followed(server, policy, target):
    url = server.route("/feed", Reply(301, headers={"Location": target}))
    result = fetch(url, policy)
    assert result.error == (
        f"{url}: redirected to {target}, which is not an http(s) address: not followed"
    )
    assert result.body == b"" and result.permanent_redirect is None


def test_a_url_that_is_not_http_is_never_requested(policy):
    for url in ["file:///etc/passwd", "data:,x", "javascript:x", "example.com/feed"]:
        assert fetch(url, policy).error == f"{url}: not an http(s) address, not fetched"


def test_404_fails_at_once_and_says_so(server, policy):
    url = server.url("/nothing")
    result = fetch(url, policy)
    assert result.status == 404 and result.error == f"{url}: not found (HTTP 404)"
    assert len(server.hits("/nothing")) == 1  # a 404 is not retried


def test_410_says_the_publisher_removed_it(server, policy):
    url = server.route("/feed", Reply(410))
    result = fetch(url, policy)
    assert result.status == 410 and result.error == (
        f"{url}: gone (HTTP 410): the publisher removed it"
    )
    assert len(server.hits("/feed")) == 1


def _sequence(*replies: Reply) -> tuple[list[int], Callable[[Seen], Reply]]:
    calls: list[int] = []

    def answer(seen: Seen) -> Reply:
        calls.append(1)
        return replies[min(len(calls), len(replies)) - 1]

    return calls, answer


def test_500_then_success_is_retried(server, policy):
    calls, answer = _sequence(Reply(500), Reply(503), Reply(body=b"<rss/>"))
    url = server.route("/feed", answer)
    result = fetch(url, policy)
    assert result.ok and result.body == b"<rss/>" and len(calls) == 3


def test_500_every_time_gives_up_after_two_retries(server, policy):
    calls, answer = _sequence(Reply(500))
    url = server.route("/feed", answer)
    result = fetch(url, policy)
    assert result.status == 500 and result.error == f"{url}: HTTP 500 Internal Server Error"
    assert len(calls) == 3


def test_429_with_retry_after_is_retried_within_the_budget(server, policy):
    calls, answer = _sequence(Reply(429, headers={"Retry-After": "0"}), Reply(body=b"ok"))
    url = server.route("/feed", answer)
    assert fetch(url, policy).body == b"ok" and len(calls) == 2


def test_429_asking_for_longer_than_the_budget_is_not_waited_for(server, policy):
    calls, answer = _sequence(Reply(429, headers={"Retry-After": "120"}), Reply(body=b"ok"))
    url = server.route("/feed", answer)
    result = fetch(url, replace(policy, max_retry_wait=60.0))
    assert result.error == f"{url}: rate limited (HTTP 429), retry after 120 s"
    assert len(calls) == 1


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    # A date an hour after a fixed "now": no reading of the clock, so no race with it.
    now = 1_800_000_000.0
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 3600))
    assert 3000 < (retry_after_seconds(future, now=now) or 0) <= 3600
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_a_server_slower_than_the_deadline_times_out(server, policy):
    url = server.route("/slow", Reply(body=b"late", delay=30))
    result = fetch(url, replace(policy, total_timeout=0.3, retries=0))
    assert result.status == 0 and result.error == (
        f"{url}: no complete answer within 0.3 s (timed out)"
    )


def test_a_body_that_trickles_past_the_deadline_times_out(server, policy):
    url = server.route("/slow", Reply(body=b"late", stall_after_headers=30))
    result = fetch(url, replace(policy, total_timeout=0.3, retries=0))
    assert result.error is not None and "timed out" in result.error


@pytest.mark.parametrize("declared", [True, False])
def test_a_body_larger_than_the_cap_is_not_read(server, policy, declared):
    url = server.route("/big", Reply(body=b"x" * 50_000, send_length=declared))
    result = fetch(url, replace(policy, page_cap=10_000), kind="page")
    assert result.error == f"{url}: larger than 10,000 bytes (the limit for one download), not read"
    assert result.body == b""
    assert fetch(url, replace(policy, page_cap=50_000), kind="page").body == b"x" * 50_000


def test_feeds_and_pages_have_their_own_caps(server, policy):
    url = server.route("/big", Reply(body=b"x" * 3_000))
    small = replace(policy, feed_cap=5_000, page_cap=2_000)
    assert fetch(url, small, kind="feed").ok
    assert not fetch(url, small, kind="page").ok
    assert FetchPolicy().feed_cap == 10 * 1024 * 1024 and FetchPolicy().page_cap == 5 * 1024 * 1024


def test_a_gzip_bomb_stops_at_the_decompressed_cap(server, policy):
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000  # small on the wire...
    url = server.route(
        "/bomb",
        Reply(body=bomb, content_type="application/rss+xml", headers={"Content-Encoding": "gzip"}),
    )
    result = fetch(url, replace(policy, feed_cap=1024 * 1024))
    # ...and refused once the decompressed bytes pass the cap, without inflating it all.
    assert result.error == f"{url}: larger than 1 MB (the limit for one download), not read"


@pytest.mark.parametrize("name", ["gzip", "deflate", "deflate-raw", "br"])
def test_compressed_bodies_are_decoded(server, policy, name):
    text = b"<rss>" + b"caf\xc3\xa9 " * 2000 + b"</rss>"
    if name == "gzip":
        body, header = gzip.compress(text), "gzip"
    elif name == "deflate":
        body, header = zlib.compress(text), "deflate"
    elif name == "deflate-raw":
        packer = zlib.compressobj(wbits=-15)
        body, header = packer.compress(text) + packer.flush(), "deflate"
    else:
        body, header = brotli.compress(text), "br"
    url = server.route("/feed", Reply(body=body, headers={"Content-Encoding": header}))
    assert fetch(url, policy).body == text


@pytest.mark.parametrize("stage", ["gzip", "br"])
def test_one_small_compressed_chunk_never_inflates_past_the_limit(stage):
    # The whole bomb arrives as one chunk: the decoder must stop at the limit, not inflate
    # 16 MB and then compare.
    zeros = b"\0" * (16 * 1024 * 1024)
    if stage == "gzip":
        decoder: _ZlibStage | _BrotliStage = _ZlibStage(31)
        chunk = gzip.compress(zeros)
    else:
        decoder = _BrotliStage()
        chunk = brotli.compress(zeros, quality=1)
    with pytest.raises(TooLarge):
        decoder.feed(chunk, 100_000)


def test_an_unknown_content_encoding_is_refused(server, policy):
    url = server.route("/feed", Reply(body=b"??", headers={"Content-Encoding": "zstd-magic"}))
    assert fetch(url, policy).error == f"{url}: unsupported content encoding 'zstd-magic'"


def test_the_charset_of_the_content_type(server, policy):
    url = server.route("/p", Reply(body=b"x", content_type="text/html; charset=ISO-8859-1"))
    assert fetch(url, policy).charset == "iso8859-1"
    url = server.route("/q", Reply(body=b"x", content_type="text/html; charset=klingon"))
    assert fetch(url, policy).charset is None


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_refused_connection_is_one_line(policy):
    url = f"http://127.0.0.1:{_unused_port()}/feed"
    result = fetch(url, replace(policy, retries=1))
    assert result.status == 0 and result.error is not None
    assert result.error.startswith(f"{url}: could not connect") and "\n" not in result.error


@pytest.fixture
def six_hosts() -> Iterator[list[LoopbackServer]]:
    """Six servers on six loopback addresses (127.0.0.1-6), counting requests together."""
    stats = ServerStats()
    servers: list[LoopbackServer] = []
    try:
        for n in range(1, 7):
            servers.append(LoopbackServer(f"127.0.0.{n}", stats))
    except OSError as error:
        for running in servers:
            running.close()
        pytest.skip(f"cannot bind 127.0.0.x loopback addresses here ({error})")
    yield servers
    for running in servers:
        running.close()


def test_at_most_two_requests_per_host_and_eight_overall(six_hosts, policy):
    release = threading.Event()
    stats = six_hosts[0].stats

    def held(seen: Seen) -> Reply:
        release.wait(10)  # every request stays in progress until the test lets them go
        return Reply(body=b"ok")

    urls = [srv.route(f"/p{n}", held) for srv in six_hosts for n in range(5)]

    async def run() -> list[FetchResult]:
        async with WebClient(policy) as client:
            return list(await asyncio.gather(*(client.fetch(u, kind="page") for u in urls)))

    def let_go_when_full() -> None:
        deadline = time.monotonic() + 10
        while stats.active < 8 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # room for a ninth request to arrive, if the client allowed one
        release.set()

    opener = threading.Thread(target=let_go_when_full)
    opener.start()
    results = asyncio.run(run())
    opener.join()
    assert all(r.ok for r in results) and len(stats.requests) == 30
    assert stats.peak == 8
    assert max(stats.peak_by_host.values()) == 2
