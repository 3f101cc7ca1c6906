"""Feed discovery from a page's <link rel="alternate">."""

from __future__ import annotations

from aiwatch_tui.core.web.discovery import feed_links

PAGE = b"""<!doctype html><html><head>
<title>Site</title>
<link rel="stylesheet" href="/s.css">
<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.xml">
<link rel="Alternate" type="application/atom+xml" href="https://other.example/atom">
<link rel="alternate" type="application/feed+json" href=" /feed.json ">
<link rel="alternate" type="application/rss+xml" href="/feed.xml">
<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
<link rel="alternate" type="application/rss+xml" href="file:///etc/passwd">
</head><body>
<link rel="alternate" type="application/rss+xml" href="/in-body-ignored.xml">
</body></html>"""


def test_the_feeds_a_page_names_in_order_without_duplicates_or_other_schemes():
    assert feed_links(PAGE, "https://site.example/blog/") == [
        "https://site.example/feed.xml",
        "https://other.example/atom",
        "https://site.example/feed.json",
    ]


def test_base_href_is_honoured():
    page = (
        b'<head><base href="https://cdn.example/x/"><link rel="alternate" '
        b'type="application/atom+xml" href="atom.xml"></head>'
    )
    assert feed_links(page, "https://site.example/") == ["https://cdn.example/x/atom.xml"]


def test_a_page_without_feeds_or_not_html_at_all():
    assert feed_links(b"<html><head></head><body>hi</body></html>", "https://s.example/") == []
    assert feed_links(b"\xff\xfe\x00garbage<<<>>>", "https://s.example/") == []
    assert feed_links(b"", "https://s.example/") == []


def test_a_latin1_page():
    page = (
        '<head><title>Caf\u00e9</title><link rel="alternate" type="application/rss+xml" '
        'href="/caf\u00e9.xml"></head>'
    )
    assert feed_links(page.encode("latin-1"), "https://s.example/") == [
        "https://s.example/caf\u00e9.xml"
    ]
