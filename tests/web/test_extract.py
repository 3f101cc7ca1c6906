"""Article extraction (core/web/extract.py): what a reader gets from a page or feed HTML.

Pages are read as a reader would read the Markdown: parsed as CommonMark + GFM by
markdown-it-py (raw HTML on, so that any HTML that got through would show up as HTML).
"""

from __future__ import annotations

import codecs
import random
import re
import socket
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from aiwatch_tui.core.model import BlockKind
from aiwatch_tui.core.text.document import document_from_text
from aiwatch_tui.core.web.extract import (
    MAX_NESTING,
    ExtractedArticle,
    decode_html,
    extract_article,
    markdown_from_html,
)
from bench.bench_extraction import (
    F1_TARGET,
    benchmark_folder,
    extract_pages,
    ground_truth,
    score,
)
from tests.growth import assert_linear

PAGES = Path(__file__).parent / "pages"
ARTICLE_URL = "https://ledger.example.com/2024/03/chip-export-rules-tighten/"
HOSTILE_URL = "https://evil.example/news/a"


@cache
def _article() -> ExtractedArticle:
    article = extract_article((PAGES / "news_article.html").read_bytes(), ARTICLE_URL)
    assert article is not None
    return article


@cache
def _hostile() -> ExtractedArticle:
    article = extract_article((PAGES / "hostile_article.html").read_bytes(), HOSTILE_URL)
    assert article is not None
    return article


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


class Reading:
    """What a CommonMark + GFM reader makes of some Markdown."""

    def __init__(self, markdown: str) -> None:
        self.tokens = _parser().parse(markdown)
        self.all = [t for token in self.tokens for t in [token, *(token.children or [])]]
        texts: list[str] = []
        for token in self.all:
            if token.type in ("text", "code_inline", "fence", "code_block"):
                texts.append(token.content)
            elif token.type in ("softbreak", "hardbreak") or (token.block and token.nesting == -1):
                texts.append("\n")
            elif token.type in ("th_close", "td_close"):
                texts.append(" ")
        self.text = "".join(texts)
        self.html = [t.content for t in self.all if t.type in ("html_inline", "html_block")]
        self.links = [
            (str(t.attrs.get("href")), self._link_text(i))
            for i, t in enumerate(self.all)
            if t.type == "link_open"
        ]

    def _link_text(self, start: int) -> str:
        words = []
        for token in self.all[start + 1 :]:
            if token.type == "link_close":
                break
            words.append(token.content)
        return "".join(words)

    def kinds(self) -> list[str]:
        return [t.type for t in self.tokens]

    def flat(self) -> str:
        """The visible text on one line, whitespace runs made single spaces."""
        return " ".join(self.text.split())


# --------------------------------------------------------------------------- a news page


def test_the_article_text_is_kept_with_its_structure() -> None:
    reading = Reading(_article().markdown)
    text = reading.flat()
    for sentence in (
        "Washington widened its restrictions on advanced accelerators on Thursday",
        "Vendors have thirty days to comply.",
        "Smaller resellers are less sure",
        "Parts sold before the rule are not recalled.",
        "Alpha X100 80 GB yes",
        "These rules will slow the spread of frontier training clusters",
        "The function needs_licence is only a sketch",
        "Companies that need more time can ask for an extension",
    ):
        assert sentence in text
    headings = [
        reading.tokens[i + 1].content
        for i, t in enumerate(reading.tokens)
        if t.type == "heading_open" and t.tag == "h2"
    ]
    assert headings == [
        "What changes for buyers",
        "How the main accelerators compare",
        "Reaction from the industry",
    ]
    kinds = reading.kinds()
    assert kinds.count("bullet_list_open") == 2  # the list and its sublist
    assert "ordered_list_open" in kinds and "blockquote_open" in kinds and "table_open" in kinds
    header = [
        reading.tokens[i + 1].content for i, t in enumerate(reading.tokens) if t.type == "th_open"
    ]
    assert header == ["Accelerator", "Memory", "Covered"]
    fences = [t.content for t in reading.tokens if t.type == "fence"]
    assert fences == [
        "def needs_licence(chip):\n"
        "    # total processing performance, as the rule defines it\n"
        "    return chip.tpp >= 4800 or chip.density >= 5.92\n"
    ]
    assert "*total processing performance*" in _article().markdown
    assert "**thirty days**" in _article().markdown


def test_menus_ads_banners_comments_related_stories_and_footer_are_left_out() -> None:
    markdown = _article().markdown
    for boilerplate in (
        "We use cookies",
        "Accept all cookies",
        "Podcasts",
        "Subscribe for 1 dollar",
        "Advertisement",
        "Buy cloud GPUs",
        "Share on Twitter",
        "Related stories",
        "Fab subsidies reach a record high",
        "First! This is going",
        "Great reporting",
        "12 Comments",
        "newsletter every morning",
        "All rights reserved",
        "Careers",
        "tracking code text",
        "font-family",
    ):
        assert boilerplate not in markdown


def test_the_metadata_is_the_page_s_own() -> None:
    article = _article()
    assert article.title == "Chip Export Rules Tighten Again"
    assert article.author == "Priya Raman"
    assert article.site_name == "The Compute Ledger"
    assert article.published == "2024-03-14"
    # as declared (made absolute); dropping tracking parameters is the store's business
    assert article.canonical_url == (
        "https://ledger.example.com/2024/03/chip-export-rules-tighten?utm_source=rss"
    )
    assert article.language == "en-GB"
    # the title is stored apart, so the body does not open with it again
    assert not article.markdown.startswith("# ")
    assert "Chip Export Rules Tighten Again" not in article.markdown


def test_links_lead_to_web_pages_only() -> None:
    reading = Reading(_article().markdown)
    assert reading.links == [
        ("https://www.example.org/industry-groups", "industry groups"),
        ("https://ledger.example.com/2024/03/guidance/faq.html", "official guidance"),
    ]
    text = reading.flat()
    assert "pointed to a script address, to an inline document and to a local file," in text
    for scheme in ("javascript:", "data:", "file:"):
        assert scheme not in _article().markdown


@pytest.mark.parametrize(
    "url", ["", "not a url", "file:///home/me/page.html", "http://[::1", "https://exa mple.com/"]
)
def test_a_page_url_that_is_no_web_address_leaves_only_absolute_links(url: str) -> None:
    article = extract_article((PAGES / "news_article.html").read_bytes(), url)
    assert article is not None
    assert Reading(article.markdown).links == [
        ("https://www.example.org/industry-groups", "industry groups")
    ]
    assert "official guidance" in article.markdown
    assert article.canonical_url == ""  # declared relative: nothing to resolve it against


def test_the_reader_shows_the_article_with_its_structure() -> None:
    article = _article()
    document = document_from_text(
        f"# {article.title}\n\n{article.markdown}", ARTICLE_URL, markdown=True
    )
    kinds = {block.kind for block in document.blocks}
    assert {
        BlockKind.HEADING,
        BlockKind.PARAGRAPH,
        BlockKind.LIST_ITEM,
        BlockKind.TABLE,
        BlockKind.QUOTE,
        BlockKind.CODE,
    } <= kinds
    assert document.title == "Chip Export Rules Tighten Again"
    assert any(b.kind is BlockKind.LIST_ITEM and b.ordered for b in document.blocks)
    assert any(b.kind is BlockKind.LIST_ITEM and not b.ordered for b in document.blocks)
    assert [document.text[h.content_start : h.content_end] for h in document.headings[1:]] == [
        "What changes for buyers",
        "How the main accelerators compare",
        "Reaction from the industry",
    ]


def test_a_page_whose_article_precision_mode_drops_is_rescued_by_readability() -> None:
    # The whole article sits in a <nav> (as some site builders lay pages out): trafilatura's
    # precision mode prunes it and keeps the one-line footer; readability finds it.
    paragraphs = "".join(
        f"<p>Paragraph {n} of the article explains, at some length and with several clauses, "
        f"what the new accelerator does and why the market cares about it this year.</p>"
        for n in range(12)
    )
    page = (
        "<html><body><div class='menu'><a href='/a'>Home</a></div>"
        f"<nav class='layout'>{paragraphs}</nav><p>Short footer note.</p></body></html>"
    )
    article = extract_article(page.encode(), "https://example.com/story")
    assert article is not None
    text = Reading(article.markdown).flat()
    assert "Paragraph 0 of the article explains" in text
    assert "Paragraph 11 of the article explains" in text


# --------------------------------------------------------------------------- hostile pages


def test_hostile_text_comes_out_literally() -> None:
    text = Reading(_hostile().markdown).flat()
    for literal in (
        "[bold]",
        "[red]Rich markup[/red]",
        "[link](https://evil.example/steal)",
        "**not bold**",
        "_not italic_",
        "`not code`",
        "<script>alert(1)</script>",
        "&copy; and AT&T",
        "C:\\Windows\\System32",
        "5 * 3 = 15 and snake_case_name.",
        "# not a heading",
        "1. not a list",
        "- not a bullet",
        "> not a quote",
        "| not | a | table |",
        "[31mred text[0m",
    ):
        assert literal in text
    # paragraphs only: no list, heading, quote or table was made of text that looks like one
    assert set(Reading(_hostile().markdown).kinds()) == {
        "paragraph_open",
        "inline",
        "paragraph_close",
    }


def test_hostile_pages_give_no_html_no_script_and_no_unsafe_link() -> None:
    markdown = _hostile().markdown
    reading = Reading(markdown)
    assert reading.html == []
    assert reading.links == [("https://fine.example/ok", "a fine link")]
    text = reading.flat()
    for name in ("js link", "mixed case js link", "tab js link", "data link", "file link"):
        assert name in text
    assert "SCRIPT TEXT" not in markdown
    assert "alert('img')" not in markdown
    for scheme in ("javascript", "JaVaScRiPt", "data:", "file:", "vbscript:"):
        assert scheme not in markdown


_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def test_no_control_or_bidi_character_comes_out_of_a_page() -> None:
    article = _hostile()
    for value in (
        article.markdown,
        article.title,
        article.author,
        article.site_name,
        article.canonical_url,
    ):
        assert _UNSAFE.search(value) is None
    assert "invoicetxt.exe" in article.markdown  # the override is gone, the text is not
    assert "\n" not in article.title + article.author


def test_feed_html_keeps_bidi_controls_for_the_sanitiser_to_show_and_flag() -> None:
    markdown = markdown_from_html("<p>invoice\u202etxt.exe and \x1b[31mred</p>", HOSTILE_URL)
    assert "\x1b" not in markdown  # a control character cannot be in an HTML tree
    document = document_from_text(markdown, "feed-entry", markdown=True)
    assert _UNSAFE.search(document.text) is None
    assert document.notices  # "contains bidirectional-override or invisible characters"
    assert "invoice\u2426txt.exe" in document.text


# --------------------------------------------------------------------------- bad input


_GARBAGE = [
    b"",
    b"   \n\t  ",
    b"\x00" * 1000,
    random.Random(14).randbytes(20_000),
    b"\x89PNG\r\n\x1a\n" + random.Random(2).randbytes(3000),
    b"\x1f\x8b\x08\x00" + random.Random(3).randbytes(3000),  # looks gzip-compressed
    b'{"json": true, "items": [1, 2, 3]}',
    b"just some plain text without any markup at all",
    b"<html></html>",
    b"<html><body><nav><a href='/'>Home</a> <a href='/b'>B</a></nav></body></html>",
    b"<?xml version='1.0' encoding='ISO-8859-1'?><html><body><p>x</p></body></html>",
    b"<" * 50_000,
    b"<html><body>" + b"<div>" * 5000 + b"deep text" + b"</div>" * 5000 + b"</body></html>",
    b"<p>" + "\u4dc0\u4df1\u4dc1 hexagram symbols, the characters links are marked with".encode()
    + b" <a href='/x'>a link</a></p>" * 40,
]  # fmt: skip


@pytest.mark.parametrize("data", _GARBAGE, ids=range(len(_GARBAGE)))
def test_garbage_gives_none_or_an_article_never_a_traceback_or_a_log_line(
    data: bytes, capfd: pytest.CaptureFixture[str]
) -> None:
    article = extract_article(data, "https://example.com/page")
    assert article is None or (article.markdown.strip() and Reading(article.markdown).html == [])
    assert markdown_from_html(data.decode("latin-1"), "https://example.com/") is not None
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_empty_pages_and_fragments_give_nothing() -> None:
    assert extract_article(b"", "https://example.com/") is None
    assert extract_article(b"<html><body></body></html>", "https://example.com/") is None
    assert markdown_from_html("", "https://example.com/") == ""
    assert markdown_from_html("<p>  </p><script>x()</script>", "https://example.com/") == ""


def test_a_page_that_uses_the_marker_characters_keeps_its_text_and_links() -> None:
    data = _GARBAGE[-1]
    article = extract_article(data, "https://example.com/page")
    assert article is not None
    reading = Reading(article.markdown)
    assert "\u4dc0\u4df1\u4dc1 hexagram symbols" in reading.text
    assert ("https://example.com/x", "a link") in reading.links


# --------------------------------------------------------------------------- encodings


def _page(body: str) -> str:
    sentence = " It keeps going for a while so that the extractor has an article to keep."
    article = f"<article><p>{body}{sentence * 4}</p></article>"
    return f"<html><head>{{meta}}</head><body>{article}</body></html>"


@pytest.mark.parametrize(
    ("encoding", "meta", "charset", "text"),
    [
        ("cp1252", '<meta charset="windows-1252">', None, "Café – “quoted” €5"),
        ("cp1252", "", "iso-8859-1", "Café – “quoted” €5"),  # Latin-1 means windows-1252
        ("cp1252", "", None, "Café – “quoted” €5"),  # undeclared, not UTF-8
        ("utf-8", "", "iso-8859-1", "Café – “quoted” 中文"),  # declared wrongly: UTF-8 wins
        ("utf-8", '<meta charset="utf-16">', None, "Café 中文"),  # a readable page is not UTF-16
        ("shift_jis", '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">',
         None, "日本語の記事です"),
        ("iso2022_jp", '<meta charset="iso-2022-jp">', None, "日本語の記事です"),
        ("gb2312", '<meta charset="gb2312">', None, "中文文章"),
        ("koi8-r", "", "KOI8-R", "Русский текст"),
        ("cp1252", '<meta charset="no-such-charset">', None, "Café"),
    ],
)  # fmt: skip
def test_pages_are_decoded_as_browsers_decode_them(
    encoding: str, meta: str, charset: str | None, text: str
) -> None:
    data = _page(text).replace("{meta}", meta).encode(encoding)
    assert text in decode_html(data, charset)
    article = extract_article(data, "https://example.com/a", charset=charset)
    assert article is not None and text in article.markdown


@pytest.mark.parametrize(
    "label", ["rot13", "base64", "zlib", "idna", "unicode_escape", "utf-7", "x-user-defined", ""]
)
def test_a_charset_that_is_no_web_encoding_is_ignored(label: str) -> None:
    text = "Caf\u00e9 \\x1b[2J 5 \u20ac"
    data = _page(text).replace("{meta}", f'<meta charset="{label}">').encode("cp1252")
    assert text in decode_html(data)
    assert text in decode_html(data, label)


@pytest.mark.parametrize("bom", [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_a_byte_order_mark_decides_the_encoding(bom: bytes) -> None:
    codec = {codecs.BOM_UTF8: "utf-8", codecs.BOM_UTF16_LE: "utf-16-le"}.get(bom, "utf-16-be")
    data = bom + _page("Grüße aus Zürich").replace("{meta}", '<meta charset="iso-8859-1">').encode(
        codec
    )
    assert decode_html(data, "iso-8859-1").startswith("<html>")
    article = extract_article(data, "https://example.com/a")
    assert article is not None and "Grüße aus Zürich" in article.markdown


# --------------------------------------------------------------------------- the writer


def _shown(fragment: str) -> str:
    return Reading(markdown_from_html(fragment, "https://example.com/feed/")).flat()


def test_feed_html_is_kept_whole_with_links_resolved() -> None:
    markdown = markdown_from_html(
        "<h2>Launch</h2><p>The <a href='/models/x'>new model</a> &amp; its "
        "<a href='https://other.example/card'>card</a>.<script>steal()</script></p>"
        "<ul><li>fast</li><li>cheap <em>and</em> open</li></ul><img src='x.png' alt='chart'>",
        "https://example.com/feed/",
    )
    reading = Reading(markdown)
    assert reading.flat() == "Launch The new model & its card. fast cheap and open"
    assert reading.links == [
        ("https://example.com/models/x", "new model"),
        ("https://other.example/card", "card"),
    ]
    assert reading.kinds()[:2] == ["heading_open", "inline"]


def test_feed_html_without_a_web_base_keeps_relative_links_as_text() -> None:
    markdown = markdown_from_html("<p><a href='/x'>relative</a></p>", "file:///etc/")
    assert markdown == "relative\n"


@pytest.mark.parametrize(
    ("fragment", "shown"),
    [
        ('word<b>"quoted"</b>word', 'word"quoted"word'),
        ("<b>bold </b>tail and <i> spaced </i>", "bold tail and spaced"),
        ("<b><i>both</i></b> and <b>a <b>nested</b> bold</b>", "both and a nested bold"),
        ("***<b>*</b>***", "*******"),
        ("a<del>b</del>c and <s>gone</s>", "abc and gone"),
        ("<b>line<br>break</b>", "line break"),
        ("<code>``</code> and <code> x </code> and <code>a`b</code>", "`` and x and a`b"),
        ("<a href='https://x.example/a b(c)'>odd [target]</a>", "odd [target]"),
        ("<b><a href='https://x.example/'>bold link</a></b>!", "bold link!"),
    ],
)
def test_inline_markup_never_shows_stray_marks(fragment: str, shown: str) -> None:
    assert _shown(fragment) == shown


def test_text_that_looks_like_blocks_stays_text() -> None:
    fragment = "".join(
        f"<p>{line}</p>"
        for line in ("# hash", "1999. A year", "2) two", "- dash", "+ plus", "===", "---",
                     "&gt; quote", "    indented", "```", "~~~", "| a | b |", "[x]: /url")
    )  # fmt: skip
    reading = Reading(markdown_from_html(fragment, ""))
    assert set(reading.kinds()) == {"paragraph_open", "inline", "paragraph_close"}
    assert reading.flat() == (
        "# hash 1999. A year 2) two - dash + plus === --- > quote indented ``` ~~~ | a | b | "
        "[x]: /url"
    )


def test_two_lists_in_a_row_stay_two_lists() -> None:
    reading = Reading(
        markdown_from_html(
            "<ul><li>a</li></ul><ul><li>b</li></ul><ol><li>c</li></ol><ol><li>d</li></ol>", ""
        )
    )
    assert reading.kinds().count("bullet_list_open") == 2
    assert reading.kinds().count("ordered_list_open") == 2


def test_code_blocks_and_tables_hold_any_text() -> None:
    markdown = markdown_from_html(
        "<pre>```\nprint('|')\n```\n</pre>"
        "<table><tr><th>a|b</th><th>c</th></tr><tr><td><code>x|y</code></td><td>**z**</td></tr></table>"
        "<h2>Why we love C#</h2><h3>Issue #</h3>",
        "",
    )
    reading = Reading(markdown)
    assert [t.content for t in reading.tokens if t.type == "fence"] == ["```\nprint('|')\n```\n"]
    cells = [t.content for t in reading.all if t.type in ("text", "code_inline")]
    assert cells[-6:] == ["a|b", "c", "x|y", "**z**", "Why we love C#", "Issue #"]


def test_hostile_nesting_is_laid_out_flat_beyond_a_depth() -> None:
    quotes = "<blockquote>" * 60 + "deep quote" + "</blockquote>" * 60
    lists = "<ul><li>" * 60 + "deep item" + "</li></ul>" * 60
    # (lxml's parser keeps 256 levels; deeper content is dropped before we see it)
    spans = "<p>" + "<b><i>" * 110 + "deep text" + "</i></b>" * 110 + "</p>"
    markdown = markdown_from_html(quotes + lists + spans, "")
    reading = Reading(markdown)
    assert (
        "deep quote" in reading.text and "deep item" in reading.text and "deep text" in reading.text
    )
    assert (
        max(len(line) - len(line.lstrip("> ")) for line in markdown.splitlines()) <= 2 * MAX_NESTING
    )
    assert reading.kinds().count("blockquote_open") == MAX_NESTING


# --------------------------------------------------------------------------- properties

_TEXT = st.text(
    alphabet=st.sampled_from(list("ab xyZ09 *_[]()<>#&;`~|!-+=.:\"'\\/é中🙂\u00a0\t\n")),
    max_size=12,
)
_INLINE_TAGS = ("b", "i", "em", "strong", "code", "span", "sup", "u", "s", "a", "kbd")
_BLOCK_TAGS = ("p", "div", "blockquote", "h2", "h4", "pre", "li")


def _element(children: st.SearchStrategy[Any], tags: tuple[str, ...]) -> st.SearchStrategy[Any]:
    return st.tuples(st.sampled_from(tags), st.lists(children, max_size=4))


_INLINE = st.recursive(_TEXT, lambda inner: _element(inner, _INLINE_TAGS), max_leaves=12)
_BLOCK = st.recursive(
    _element(_INLINE, _BLOCK_TAGS),
    lambda inner: st.one_of(
        _element(inner, ("div", "blockquote")),
        st.tuples(st.just("ul"), st.lists(_element(inner, ("li",)), min_size=1, max_size=3)),
        st.tuples(st.just("table"), st.lists(
            st.tuples(st.just("tr"), st.lists(_element(_INLINE, ("td",)), min_size=1, max_size=3)),
            min_size=1, max_size=3)),
    ),
    max_leaves=8,
)  # fmt: skip


def _render(node: Any) -> tuple[str, str]:
    """(HTML, the text a reader must see of it) for a generated node."""
    import html as html_module

    if isinstance(node, str):
        return html_module.escape(node), node
    tag, children = node
    rendered = [_render(child) for child in children]
    inner = "".join(r[0] for r in rendered)
    text = "".join(r[1] for r in rendered)
    if tag == "pre":
        inner, text = html_module.escape(text), text
    attributes = " href='https://example.com/x'" if tag == "a" else ""
    if tag in ("p", "div", "blockquote", "h2", "h4", "li", "td", "tr", "ul", "table", "pre"):
        text = f" {text} "  # a block boundary separates words
    return f"<{tag}{attributes}>{inner}</{tag}>", text


def _no_space(text: str) -> str:
    return "".join(text.split())


@given(st.lists(_BLOCK, min_size=1, max_size=4))
def test_feed_html_shows_exactly_its_text_and_no_html(blocks: list[Any]) -> None:
    rendered = [_render(block) for block in blocks]
    fragment = "".join(r[0] for r in rendered)
    expected = "".join(r[1] for r in rendered)
    markdown = markdown_from_html(fragment, "https://example.com/")
    reading = Reading(markdown)
    assert reading.html == []
    assert all(href.startswith("https://") for href, _ in reading.links)
    assert _no_space(reading.text) == _no_space(expected)


_HTML_SOUP = st.lists(
    st.one_of(
        _TEXT,
        st.sampled_from(
            ["<p>", "</p>", "<a href='javascript:x()'>", "<a href='/r'>", "</a>", "<b>", "</b>",
             "<script>", "</script>", "<table><tr><td>", "</td></tr></table>", "<pre>", "</pre>",
             "<ul><li>", "</li></ul>", "<h1>", "</h1>", "<!--", "-->", "<br>", "&amp;", "&#0;",
             "<img src=x onerror=y>", "<svg><script>z()</script></svg>", "<?xml ?>", "\x1b[2J",
             "\u202e", "\u4dc0\u4df0\u4dc1", "<a href='data:text/html,x'>", "<base href='file:///'>"]
        ),
    ),
    max_size=40,
).map("".join)  # fmt: skip


_TAG = re.compile(r"</?(?:p|a|b|script|table|tr|td|pre|ul|li|h1|br|img|svg|base)[\s>]")


@given(_HTML_SOUP)
def test_any_html_never_raises_and_gives_no_html_and_no_unsafe_link(soup: str) -> None:
    for markdown in (
        markdown_from_html(soup, "https://example.com/"),
        getattr(extract_article(soup.encode(), "https://example.com/"), "markdown", ""),
    ):
        reading = Reading(markdown)
        assert reading.html == []
        assert all(re.match(r"https?://", href) for href, _ in reading.links)
        # the page's tags are markup, never text (its text has no complete tag of these)
        assert _TAG.search(reading.text) is None


# --------------------------------------------------------------------------- cost


def test_inline_markup_costs_grow_linearly() -> None:
    pattern = "<b>x</b><i>y</i>*<b>*</b>w<b>\"q\"</b>z a<b>b</b>c <a href='/l'>l</a><code>c</code> "
    assert_linear(lambda n: markdown_from_html(f"<p>{pattern * n}</p>", "https://e.example/"), 300)


def test_a_paragraph_of_many_links_costs_linear_time() -> None:
    def page(n: int) -> bytes:
        links = "".join(f"word <a href='/a{i}'>link {i}</a> " for i in range(n))
        return f"<html><body><article><p>{links}</p></article></body></html>".encode()

    assert_linear(lambda n: extract_article(page(n), "https://e.example/"), 300)


# --------------------------------------------------------------------------- isolation


def test_the_package_never_calls_a_library_function_that_fetches() -> None:
    # trafilatura's fetch_url/fetch_response, feeds, sitemaps and spider modules download
    # (retrying without certificate checks); htmldate downloads a string that is a URL.
    forbidden = re.compile(
        r"\b(?:fetch_url|fetch_response|find_date|urlopen)\s*\("
        r"|trafilatura\.(?:feeds|sitemaps|spider|downloads)|(?:from|import)\s+htmldate\b"
    )
    package = Path(__file__).resolve().parents[2] / "aiwatch_tui"
    offenders = [
        f"{path.name}: {found.group()}"
        for path in sorted(package.rglob("*.py"))
        for found in forbidden.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_extraction_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args)[:100])
        raise OSError("network access during extraction")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    pages = [
        (PAGES / "news_article.html").read_bytes(),
        (PAGES / "hostile_article.html").read_bytes(),
        # htmldate downloads a *string* that is a URL: a page whose text is one must not be
        b"http://127.0.0.1:9/date",
        b"<html><body><p>http://127.0.0.1:9/x</p></body></html>",
        b"<html><head><base href='http://127.0.0.1:9/'><link rel=stylesheet href='/s.css'>"
        b"<script src='/a.js'></script><meta http-equiv=refresh content='0;url=http://127.0.0.1:9/'>"
        b"<meta property='og:url' content='http://127.0.0.1:9/og'></head><body><article>"
        + b"<p>Text with <img src='http://127.0.0.1:9/i.png'> an image and a date, 3 May 2021.</p>"
        * 20
        + b"<iframe src='http://127.0.0.1:9/f'></iframe></article></body></html>",
    ]
    for page in pages:
        extract_article(page, "http://127.0.0.1:9/page")
        markdown_from_html(page.decode("utf-8", "replace"), "http://127.0.0.1:9/")
    test_a_page_whose_article_precision_mode_drops_is_rescued_by_readability()
    assert attempts == []


def test_importing_the_module_loads_no_extraction_library_and_no_ui() -> None:
    code = (
        "import sys, aiwatch_tui.core.web.extract\n"
        "heavy = ('trafilatura', 'lxml', 'readability', 'htmldate', 'justext', 'courlan',\n"
        "         'textual', 'rich')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --------------------------------------------------------------------------- conformance


def test_extraction_quality_on_the_article_extraction_benchmark() -> None:
    """All 181 pages, scored by the benchmark's own scorer on what a reader sees of the
    Markdown (about 10 s); skipped when ../shared/conformance is not beside the repository."""
    folder = benchmark_folder()
    if folder is None:
        pytest.skip("../shared/conformance/article-extraction is absent (benchmark pages)")
    result = extract_pages(folder, sorted(ground_truth(folder)))
    texts = result["texts"]
    assert isinstance(texts, dict)
    quality = score(folder, texts)
    assert quality["f1"] >= F1_TARGET, quality
