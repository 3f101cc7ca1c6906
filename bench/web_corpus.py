"""A deterministic web of feeds and article pages on loopback, for the fetch benchmark.

`python -m bench.web_corpus --feeds 100 --entries 50 --ready FILE` serves FEEDS RSS 2.0
feeds of ENTRIES items each, every item linking to an article page of its own (about 30 KB
of HTML: a navigation bar, a sidebar, scripts, comments and a footer around 600-1,200
words of article). Feeds are spread over ten loopback addresses (127.0.0.1-10), as feeds
come from many sites, and answer 304 to a request that sends back their ETag. The same
arguments give the same bytes on every run. When it listens, the server writes the OPML of
its feeds to FILE (the benchmark imports it with `aiwatch feed import`).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOSTS = [f"127.0.0.{n}" for n in range(1, 11)]
WORDS = (
    "model lab training compute chips inference agents benchmark release safety policy "
    "regulators investors startup funding round valuation researchers open weights data "
    "centre power grid latency tokens context window reasoning evaluation alignment team "
    "announced quarter revenue customers enterprise deployment partnership cloud provider "
    "licence copyright lawsuit court ruling senate hearing export controls supply chain "
    "memory bandwidth cluster gigawatt announcement preview pricing developers platform"
).split()


def _sentence(rng: random.Random, low: int = 8, high: int = 22) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 7)))


def feed_path(feed: int) -> str:
    return f"/feeds/{feed}.xml"


def feed_url(feed: int, port: int) -> str:
    return f"http://{HOSTS[feed % len(HOSTS)]}:{port}{feed_path(feed)}"


def article_title(feed: int, entry: int) -> str:
    rng = random.Random(f"title-{feed}-{entry}")
    return f"{_sentence(rng, 4, 9)[:-1]} ({feed}-{entry})"


def article_page(feed: int, entry: int) -> bytes:
    rng = random.Random(f"page-{feed}-{entry}")
    title = article_title(feed, entry)
    nav = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(30))
    related = "".join(
        f'<li><a href="/articles/{feed}/{(entry + n) % 50}.html">{_sentence(rng, 4, 8)}</a></li>'
        for n in range(1, 21)
    )
    body: list[str] = []
    for n in range(rng.randint(8, 14)):
        if n and n % 4 == 0:
            body.append(f"<h2>{_sentence(rng, 3, 6)[:-1]}</h2>")
        body.append(f"<p>{_paragraph(rng)}</p>")
        if n == 5:
            items = "".join(f"<li>{_sentence(rng, 5, 10)}</li>" for _ in range(4))
            body.append(f"<ul>{items}</ul>")
    comments = "".join(
        f'<div class="comment"><b>reader{n}</b><p>{_sentence(rng)}</p></div>' for n in range(6)
    )
    script = "var tracking = {" + ",".join(f'"k{n}": {n}' for n in range(1500)) + "};"
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title} | Wire {feed}</title>"
        f"<meta property='og:site_name' content='Wire {feed}'>"
        "<meta name='author' content='Staff Writer'>"
        f"<style>{'.c{margin:0;padding:1px}' * 300}</style><script>{script}</script></head>"
        f"<body><header><nav><ul>{nav}</ul></nav></header>"
        "<div class='ad'>Subscribe now and save 50% on your first year!</div>"
        f"<main><article><h1>{title}</h1><p class='byline'>By Staff Writer</p>"
        f"{''.join(body)}</article>"
        f"<aside><h3>Related</h3><ul>{related}</ul></aside></main>"
        f"<section class='comments'><h3>Comments</h3>{comments}</section>"
        "<footer><p>(c) Wire. All rights reserved.</p><p>Privacy | Terms | Cookies</p></footer>"
        "</body></html>"
    )
    return html.encode("utf-8")


def feed_document(feed: int, entries: int, port: int) -> bytes:
    host = HOSTS[feed % len(HOSTS)]
    items = []
    for entry in range(entries):
        rng = random.Random(f"teaser-{feed}-{entry}")
        link = f"http://{host}:{port}/articles/{feed}/{entry}.html"
        day = 1 + entry % 28
        items.append(
            f"<item><title>{article_title(feed, entry)}</title><link>{link}</link>"
            f"<guid isPermaLink='false'>wire-{feed}-{entry}</guid>"
            f"<pubDate>Mon, {day:02d} Sep 2025 10:00:00 GMT</pubDate>"
            f"<description>{_sentence(rng, 20, 40)}</description></item>"
        )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
        f"<title>Wire {feed}</title><link>http://{host}:{port}/</link>"
        f"<description>Feed {feed}</description>{''.join(items)}</channel></rss>"
    ).encode("utf-8")


def opml(feeds: int, port: int) -> str:
    outlines = "".join(
        f'<outline type="rss" text="Wire {n}" xmlUrl="{feed_url(n, port)}"/>' for n in range(feeds)
    )
    return f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>\n'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    entries = 50
    port = 0

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, content_type: str, etag: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        parts = self.path.strip("/").split("/")
        try:
            if parts[0] == "feeds" and len(parts) == 2:
                feed = int(parts[1].removesuffix(".xml"))
                body = feed_document(feed, self.entries, self.port)
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self._send(304, b"", "application/rss+xml", etag)
                else:
                    self._send(200, body, "application/rss+xml; charset=utf-8", etag)
                return
            if parts[0] == "articles" and len(parts) == 3:
                page = article_page(int(parts[1]), int(parts[2].removesuffix(".html")))
                self._send(200, page, "text/html; charset=utf-8")
                return
        except ValueError:
            pass
        self._send(404, b"not here", "text/plain")


def serve(feeds: int, entries: int, ready: Path) -> None:
    _Handler.entries = entries
    servers = [ThreadingHTTPServer((HOSTS[0], 0), _Handler)]
    port = servers[0].server_address[1]
    _Handler.port = port
    servers += [ThreadingHTTPServer((host, port), _Handler) for host in HOSTS[1:]]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.write_text(opml(feeds, port), encoding="utf-8")
    threading.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.web_corpus")
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--ready", type=Path, required=True, help="where to write the OPML")
    args = parser.parse_args()
    serve(args.feeds, args.entries, args.ready)


if __name__ == "__main__":
    main()
