"""Reading feeds: the formats, hostile and broken input, charsets."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiwatch_tui.core.text.sanitize import FORMAT_SYMBOL
from aiwatch_tui.core.web.feeds import FeedEntry, FeedError, parse_feed
from tests.web.samples import ATOM, JSON_FEED_10, JSON_FEED_11, RSS1, RSS2

FEED = "https://feeds.example/feed"


def test_rss_2():
    feed = parse_feed(RSS2, FEED, "application/rss+xml")
    assert (feed.title, feed.site_url, feed.problem) == (
        "Model Watch",
        "https://modelwatch.example/",
        None,
    )
    first, second = feed.entries
    assert first == FeedEntry(
        guid="mw-1",
        url="https://feeds.example/posts/ships?utm_source=rss&id=7",  # relative to the feed
        title="Lab ships a model",
        author="Ann Lee",
        published="2025-06-03T07:39:21Z",  # +02:00 made UTC
        summary_html="The short version.",
        content_html="<p>The <b>long</b> version.</p>",
    )
    assert second.author == "Bo Chen"  # from "bo@modelwatch.example (Bo Chen)"
    assert second.published == "" and second.content_html == ""
    assert second.summary_html == "<p>Only a summary.</p>"


def test_rss_1():
    feed = parse_feed(RSS1, FEED, "application/rdf+xml")
    assert feed.title == "RDF Weekly" and feed.site_url == "https://rdf.example/"
    (entry,) = feed.entries
    assert (entry.url, entry.title, entry.author) == ("https://rdf.example/a", "An RDF item", "Cy")
    assert entry.published == "2024-12-01T10:00:00Z"


RSS_091 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
 "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="{version}"><channel>
<title>Old Wire</title><link>https://old.example/</link><description>d</description>
<language>en-us</language>
<item><title>Caf\xe9 opens a lab</title><link>https://old.example/cafe</link>
<description>The teaser.</description></item>
</channel></rss>"""

RSS_090 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://my.netscape.com/rdf/simple/0.9/">
<channel><title>Oldest Wire</title><link>https://oldest.example/</link>
<description>d</description></channel>
<item><title>First item</title><link>https://oldest.example/1</link></item>
</rdf:RDF>"""


@pytest.mark.parametrize("version", [b"0.91", b"0.92"])
def test_rss_0_91_and_0_92(version):
    feed = parse_feed(RSS_091.replace(b"{version}", version), FEED, "text/xml")
    assert (feed.title, feed.site_url, feed.problem) == ("Old Wire", "https://old.example/", None)
    (entry,) = feed.entries
    assert (entry.title, entry.url) == ("Caf\u00e9 opens a lab", "https://old.example/cafe")
    assert entry.summary_html == "The teaser."


def test_rss_0_90():
    feed = parse_feed(RSS_090, FEED, "application/rdf+xml")
    assert feed.title == "Oldest Wire"
    (entry,) = feed.entries
    assert (entry.title, entry.url) == ("First item", "https://oldest.example/1")


def test_atom():
    feed = parse_feed(ATOM, FEED, "application/atom+xml")
    assert feed.title == "Atom & Eve"  # type="html": the entity decoded, no markup kept
    (entry,) = feed.entries
    assert entry.guid == "urn:uuid:entry-1" and entry.url == "https://atom.example/entry"
    assert entry.published == "2025-01-01T05:00:00Z"
    assert entry.updated == "2025-01-02T03:04:05Z"
    assert entry.author == "Dee" and entry.content_html == "<p>Atom content</p>"


def test_json_feed_1_1():
    feed = parse_feed(JSON_FEED_11, FEED, "application/feed+json")
    assert (feed.title, feed.site_url, feed.problem) == ("JSON Wire", "https://json.example/", None)
    one, two = feed.entries
    assert one.author == "Eve, Fay" and one.published == "2025-02-03T03:05:06Z"
    assert one.content_html == "<p>One</p>" and one.summary_html == "<p>one summary</p>"
    assert two.guid == "2" and two.url == "https://feeds.example/two"  # external_url, relative
    assert two.content_html == "<p>Two</p><p>paragraphs</p>"


def test_json_feed_1_0_without_a_content_type():
    feed = parse_feed(JSON_FEED_10, FEED, "")
    (entry,) = feed.entries
    assert entry.author == "Gus" and entry.published == "2024-05-06T07:08:09Z"
    assert entry.content_html == "<p>Plain &amp; &lt;simple&gt;</p>"  # text stays text


def test_json_feed_problems_are_noted_and_the_rest_read():
    body = json.dumps({"items": [{"id": "a", "title": "ok"}, 7, {"title": 3}]}).encode()
    feed = parse_feed(body, FEED, "application/json")
    assert [e.guid for e in feed.entries] == ["a"]
    assert feed.problem == (
        f'{FEED}: JSON Feed without a "version"; read as JSON Feed 1.1; 2 items unreadable'
    )


def test_a_malformed_feed_that_still_yields_entries_is_used_and_noted():
    broken = RSS2.replace(b"</channel>", b"<unclosed></channel>")
    feed = parse_feed(broken, FEED)
    assert len(feed.entries) == 2 and feed.title == "Model Watch"
    assert feed.problem is not None
    assert feed.problem.startswith(f"{FEED}: malformed feed (") and feed.problem.endswith(
        "); 2 entries read anyway"
    )


def test_an_empty_feed_is_a_feed():
    body = b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    feed = parse_feed(body, FEED)
    assert feed.title == "Quiet" and feed.entries == () and feed.problem is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<!DOCTYPE html><html><body>Hi</body></html>", f"{FEED}: a web page, not a feed"),
        (b"", f"{FEED}: not a feed (no RSS, Atom or JSON Feed content)"),
        (b"{]", f"{FEED}: not a feed (invalid JSON: Expecting property name enclosed in double"),
        (b'{"title": "x"}', f'{FEED}: not a feed (JSON without a JSON Feed "items" list)'),
    ],
    ids=["html", "empty", "bad json", "json without items"],
)
def test_what_is_not_a_feed_is_one_line(body, message):
    with pytest.raises(FeedError) as raised:
        parse_feed(body, FEED)
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value)


def test_deeply_nested_json_is_one_line():
    body = b'{"items": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    with pytest.raises(FeedError) as raised:
        parse_feed(body, FEED, "application/json")
    assert str(raised.value) == f"{FEED}: not a feed (nested too deeply to read)"


def test_titles_with_escape_sequences_and_markup_are_shown_literally():
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Feed \x1b]0;pwned\x07 name\n[bold]x[/bold]",
            "items": [
                {
                    "id": "1",
                    "url": "https://x.example/1",
                    "title": "\x1b[2J\x1b[31mRed\x1b[0m <b>not bold</b> [link=https://evil]",
                    "authors": [{"name": "Eve\r\n\u202eevil"}],
                }
            ],
        }
    ).encode()
    feed = parse_feed(body, FEED, "application/feed+json")
    (entry,) = feed.entries
    # No control character survives; markup and Rich-looking markup are plain text.
    assert entry.title == "\u241b[2J\u241b[31mRed\u241b[0m <b>not bold</b> [link=https://evil]"
    assert feed.title == "Feed \u241b]0;pwned\u2407 name [bold]x[/bold]"
    assert entry.author == f"Eve {FORMAT_SYMBOL}evil"  # the bidi override made visible


def test_rss_titles_the_feed_marks_as_html_lose_their_tags_only():
    body = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>'
        b'<entry><id>1</id><title type="html">&lt;b&gt;Bold&lt;/b&gt; &amp;amp; '
        b"[red]x[/red]</title></entry>"
        b'<entry><id>2</id><title type="text">a &lt;b&gt; tag</title></entry></feed>'
    )
    bold, plain = parse_feed(body, FEED).entries
    assert bold.title == "Bold & [red]x[/red]"
    assert plain.title == "a <b> tag"


def test_a_raw_escape_byte_in_xml_is_made_visible():
    body = RSS2.replace(b"Lab ships a model", b"Lab \x1b[31mships")
    feed = parse_feed(body, FEED)
    assert feed.entries[0].title == "Lab \u241b[31mships"


CAFE = "Caf\u00e9 na\u00efve \u2014 \u00e9t\u00e9"


@pytest.mark.parametrize(
    ("declaration", "encoding", "content_type"),
    [
        # UTF-8 labelled Latin-1 by the server: the bytes are UTF-8, and read as such.
        ('<?xml version="1.0"?>', "utf-8", "application/rss+xml; charset=ISO-8859-1"),
        # No charset anywhere, cp1252 bytes: not UTF-8, read as cp1252.
        ('<?xml version="1.0"?>', "cp1252", "application/rss+xml"),
        # The header says UTF-8, the file says (rightly) windows-1252.
        ('<?xml version="1.0" encoding="windows-1252"?>', "cp1252", "text/xml; charset=utf-8"),
        # The header says nothing, the declaration is right.
        ('<?xml version="1.0" encoding="iso-8859-15"?>', "iso-8859-15", "text/xml"),
    ],
)
def test_wrong_and_missing_charsets(declaration, encoding, content_type):
    text = (
        f'{declaration}<rss version="2.0"><channel><title>{CAFE}</title>'
        f"<item><title>{CAFE}</title><link>https://x.example/a</link></item></channel></rss>"
    )
    feed = parse_feed(text.replace("\u2014", "-").encode(encoding), FEED, content_type)
    expected = CAFE.replace("\u2014", "-")
    assert feed.title == expected and feed.entries[0].title == expected


def test_a_json_feed_in_another_charset():
    body = json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": CAFE, "items": []},
        ensure_ascii=False,
    ).replace("\u2014", "-")
    feed = parse_feed(body.encode("cp1252"), FEED, "application/feed+json; charset=windows-1252")
    assert feed.title == CAFE.replace("\u2014", "-")


def test_entity_expansion_and_external_entities_are_never_expanded():
    laughs = "".join(f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 12))
    body = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "ha">'
        f'{laughs}<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<rss version="2.0"><channel><title>T &l11;</title>'
        "<item><title>I &l11;</title><description>&xxe;</description>"
        "<link>https://x.example/</link></item></channel></rss>"
    ).encode()
    try:
        feed = parse_feed(body, FEED)
    except FeedError:
        return  # refusing it is fine too
    texts = [feed.title] + [e.title + e.summary_html + e.content_html for e in feed.entries]
    assert all(len(t) < 1000 for t in texts)
    assert not any("root:" in t for t in texts)


def test_links_that_are_not_http_are_dropped():
    body = (
        b'<rss version="2.0"><channel><title>T</title><link>javascript:alert(1)</link>'
        b"<item><title>a</title><link>javascript:alert(1)</link></item>"
        b"<item><title>b</title><link>file:///etc/passwd</link></item>"
        b"<item><title>c</title><link>data:text/html,x</link></item></channel></rss>"
    )
    feed = parse_feed(body, FEED)
    assert feed.site_url == "" and [e.url for e in feed.entries] == ["", "", ""]


def test_an_entry_signature_changes_with_an_edit():
    entry = FeedEntry("g", "https://x.example/a", "T", "", "", "<p>a</p>", "")
    edited = FeedEntry("g", "https://x.example/a", "T", "", "", "<p>b</p>", "")
    dated = FeedEntry(
        "g", "https://x.example/a", "T", "", "", "<p>a</p>", "", "2025-01-01T00:00:00Z"
    )
    same = FeedEntry("g", "https://x.example/a", "T", "", "", "<p>a</p>", "")
    assert entry.signature == same.signature
    assert entry.signature != edited.signature
    assert dated.signature == "2025-01-01T00:00:00Z"


def _one_line_error_or_feed(body: bytes, content_type: str) -> None:
    try:
        feed = parse_feed(body, FEED, content_type)
    except FeedError as error:
        message = str(error)
        assert message.startswith(FEED + ": ") and "\n" not in message
        return
    for entry in feed.entries:
        for text in (entry.title, entry.author, entry.guid, feed.title):
            assert not any(ord(c) < 32 for c in text)


@given(st.binary(max_size=2000), st.sampled_from(["", "application/rss+xml", "application/json"]))
def test_arbitrary_bytes_give_a_feed_or_one_line(body, content_type):
    _one_line_error_or_feed(body, content_type)


_XMLISH = st.lists(
    st.sampled_from(
        [
            b"<rss>",
            b"<channel>",
            b"<item>",
            b"<title>",
            b"</title>",
            b"</item>",
            b"<feed>",
            b"<entry>",
            b"<!DOCTYPE x [",
            b"<!ENTITY a 'b'>",
            b"]>",
            b"&a;",
            b"&#0;",
            b"\x1b",
            b"<![CDATA[",
            b"]]>",
            b"<link>",
            b"javascript:",
            b"http://x.example/",
            b"\xff",
            b"<?xml version='1.0' encoding='utf-16'?>",
            b'{"items":[',
            b'{"title":',
            b"]}",
        ]
    ),
    max_size=40,
).map(b"".join)


@given(_XMLISH, st.sampled_from(["", "text/xml; charset=utf-8", "application/feed+json"]))
def test_feedlike_bytes_give_a_feed_or_one_line(body, content_type):
    _one_line_error_or_feed(body, content_type)
