"""Feeds and pages the web tests serve: one of each format, written here by hand."""

from __future__ import annotations

import json

RSS2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Model Watch</title>
  <link>https://modelwatch.example/</link>
  <description>News about models</description>
  <item>
    <title>Lab ships a model</title>
    <link>/posts/ships?utm_source=rss&amp;id=7</link>
    <guid isPermaLink="false">mw-1</guid>
    <pubDate>Tue, 03 Jun 2025 09:39:21 +0200</pubDate>
    <dc:creator>Ann Lee</dc:creator>
    <description>The short version.</description>
    <content:encoded><![CDATA[<p>The <b>long</b> version.</p>]]></content:encoded>
  </item>
  <item>
    <title>Second story</title>
    <link>https://modelwatch.example/posts/second</link>
    <guid>https://modelwatch.example/posts/second</guid>
    <author>bo@modelwatch.example (Bo Chen)</author>
    <description>&lt;p&gt;Only a summary.&lt;/p&gt;</description>
  </item>
</channel>
</rss>
"""

RSS1 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/">
    <title>RDF Weekly</title>
    <link>https://rdf.example/</link>
    <description>RSS 1.0</description>
    <items><rdf:Seq><rdf:li rdf:resource="https://rdf.example/a"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://rdf.example/a">
    <title>An RDF item</title>
    <link>https://rdf.example/a</link>
    <description>Its summary.</description>
    <dc:date>2024-12-01T10:00:00Z</dc:date>
    <dc:creator>Cy</dc:creator>
  </item>
</rdf:RDF>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Atom &amp;amp; Eve</title>
  <link href="https://atom.example/" rel="alternate"/>
  <id>urn:uuid:feed</id>
  <updated>2025-01-02T03:04:05Z</updated>
  <entry>
    <title>Atom entry</title>
    <link href="https://atom.example/entry" rel="alternate"/>
    <id>urn:uuid:entry-1</id>
    <published>2025-01-01T00:00:00-05:00</published>
    <updated>2025-01-02T03:04:05Z</updated>
    <author><name>Dee</name></author>
    <summary>Atom summary</summary>
    <content type="html">&lt;p&gt;Atom content&lt;/p&gt;</content>
  </entry>
</feed>
"""

JSON_FEED_11 = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON Wire",
        "home_page_url": "https://json.example/",
        "items": [
            {
                "id": "j1",
                "url": "https://json.example/one",
                "title": "JSON one",
                "content_html": "<p>One</p>",
                "summary": "one summary",
                "date_published": "2025-02-03T04:05:06+01:00",
                "authors": [{"name": "Eve"}, {"name": "Fay"}],
            },
            {"id": 2, "external_url": "/two", "content_text": "Two\n\nparagraphs"},
        ],
    }
).encode()

JSON_FEED_10 = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1",
        "title": "Old JSON",
        "items": [
            {
                "id": "old-1",
                "url": "https://json.example/old",
                "title": "Version one",
                "content_text": "Plain & <simple>",
                "date_modified": "2024-05-06T07:08:09Z",
                "author": {"name": "Gus"},
            }
        ],
    }
).encode()


def rss(items: list[tuple[str, str, str]], title: str = "Loop Feed") -> bytes:
    """An RSS 2.0 feed of (guid, link, description) items."""
    body = "".join(
        f"<item><title>Story {guid}</title><link>{link}</link>"
        f'<guid isPermaLink="false">{guid}</guid>'
        f"<description>{description}</description></item>"
        for guid, link, description in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}'
        f"</title><link>https://loop.example/</link>{body}</channel></rss>"
    ).encode()


FILLER = (
    "The announcement came after months of speculation about the lab's plans, and analysts "
    "said the release would put pressure on rivals to publish their own numbers.",
    "Researchers who tested an early version described it as faster than its predecessor, "
    "though they cautioned that independent evaluations had not yet been published.",
    "The company did not say how much the training run cost, nor how many chips it used, "
    "but people familiar with the matter put the figure in the hundreds of millions.",
)


def page(title: str, text: str, boilerplate: bool = True) -> bytes:
    """An article page (its text first, then three paragraphs of filler), with menus, ads
    and comments around the article."""
    around = (
        "<nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
        "<div class='ad'>Buy now! 50% off</div>",
        "<section class='comments'><p>First!</p></section><footer>(c) Site</footer>",
    )
    paragraphs = "".join(f"<p>{p}</p>" for p in (text, *FILLER))
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        f"{title}</title></head><body>{around[0] if boilerplate else ''}"
        f"<article><h1>{title}</h1>{paragraphs}</article>"
        f"{around[1] if boilerplate else ''}</body></html>"
    ).encode()
