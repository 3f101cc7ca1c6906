"""Feed discovery: the feeds a web page names in `<link rel="alternate" type=...>`.

`aiwatch feed add https://example.com/` works with a site's home page: the page's head
names its feeds (RSS, Atom, JSON Feed). The stdlib HTML parser reads only up to the end of
the head (or the first 512 KB), so a large page costs little.
"""

from __future__ import annotations

from html.parser import HTMLParser

from aiwatch_tui.core.web.urls import is_fetchable, join

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
        "application/x.atom+xml",
        "application/x-atom+xml",
        "application/x-rss+xml",
        "text/xml",
        "application/xml",
    }
)
_SCAN_LIMIT = 512 * 1024


class _Done(Exception):
    pass


class _FeedLinks(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base_url
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "") for name, value in attrs}
        if tag == "base" and values.get("href"):
            base = join(self.base, values["href"])
            if is_fetchable(base):
                self.base = base
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            kind = values.get("type", "").split(";")[0].strip().lower()
            href = values.get("href", "")
            if "alternate" in rels and kind in FEED_TYPES and href.strip():
                url = join(self.base, href)
                if is_fetchable(url) and url not in self.links:
                    self.links.append(url)
        elif tag == "body":
            raise _Done

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            raise _Done


def _decode(html: bytes) -> str:
    head = html[:_SCAN_LIMIT]
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3:  # the cut fell inside a character
            return head[: error.start].decode("utf-8", errors="replace")
        return head.decode("cp1252", errors="replace")


def feed_links(html: bytes, base_url: str) -> list[str]:
    """The http(s) feed URLs a page advertises, in page order, without duplicates."""
    parser = _FeedLinks(base_url)
    try:
        parser.feed(_decode(html))
        parser.close()
    except _Done:
        pass
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        pass
    return parser.links
