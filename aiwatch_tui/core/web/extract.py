"""A fetched page's article as Markdown with its metadata, and feed HTML as Markdown.

The pipeline was chosen by measurement on the 181 pages of the article-extraction benchmark
(`python -m bench --only extraction` prints F1, precision, recall and cost):

1. The bytes are decoded (byte-order mark, then valid UTF-8, then the declared charset,
   then windows-1252) and parsed once with lxml.
2. trafilatura in precision mode, with its own fallbacks left on, writes the article as XML.
   Links are not handed to it as links: with `include_links=True` its link-density tests
   count them and drop real article text on some pages (a third of one CNN article).
   Instead each link's text is bracketed by marker characters that name the link, the
   page goes through trafilatura like a page without links, and the markers that survive
   in pairs become links again.
3. When precision mode kept less than half of the page's paragraph text, readability-lxml
   finds the article and trafilatura (recall mode) structures it; that result is used when
   precision mode has less than half of its text (3 of the 181 pages, each rescued).
4. Our own writer turns trafilatura's XML into CommonMark with GFM tables: headings,
   paragraphs, nested lists, tables, block quotes, code, emphasis and links. Every
   character of the page's text is escaped so that it shows literally; no raw HTML is ever
   written; only http(s) targets become links (relative ones resolved against the page),
   other links keep their text only.

Nothing here touches the network: trafilatura is given a parsed tree (never a URL or a
string that its date finder, htmldate, would download), its fetch/feeds/spider modules are
never called, and lxml parses with no network access. trafilatura, readability and lxml
are imported inside the functions, so importing this module costs nothing at start-up.

All text from the page is untrusted: what is returned is the page's own text, escaped for
Markdown but not sanitised for the terminal; the one sanitiser runs when a document is
built from it or a field is displayed.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin, urlsplit

if TYPE_CHECKING:
    from lxml import etree
    from lxml.html import HtmlElement


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """An article taken from a page. Missing metadata is "" (never None)."""

    markdown: str  # the body as Markdown, ending in a newline; the title is not repeated in it
    title: str = ""
    author: str = ""
    site_name: str = ""
    published: str = ""  # YYYY-MM-DD, as the page states it (trafilatura's date finder)
    canonical_url: str = ""  # as the page declares it (http/https only, made absolute and
    # percent-encoded like links): an alias that any page may claim, not proof
    language: str = ""  # a BCP 47 tag ("en", "pt-BR") from <html lang>, Content-Language, og:locale


# The two rule thresholds (see the module docstring). The result is the same for any gate
# from 0.4 to 1.0 combined with a take ratio of 0.5 or 0.6 on the benchmark: round halves.
READABILITY_GATE = 0.5
READABILITY_TAKE = 0.5
# Metadata strings longer than this are cut: a title is a line, not a page.
MAX_FIELD_CHARS = 1000
# Lists or quotes nested deeper than MAX_NESTING are laid out without further indentation,
# and elements deeper than MAX_TREE_DEPTH are taken as plain text: hostile nesting costs
# neither deep recursion nor screens of indentation.
MAX_NESTING = 8
MAX_TREE_DEPTH = 200


def extract_article(
    html: bytes, url: str, *, charset: str | None = None
) -> ExtractedArticle | None:
    """The main article of a page, or None when the page holds none (empty, not HTML, or
    nothing but navigation). `url` is the page's final URL (relative links resolve against
    it); `charset` is the one the HTTP Content-Type named, if any. Never raises for any
    bytes."""
    text = decode_html(html, charset)
    page = _parse_document(text)
    if page is None:
        return None
    base = _base_url(page, url)
    facts = _page_facts(page, base)
    # Before the links are marked: marker characters next to a date send htmldate's date
    # parser through every language it knows (+40 MB on one benchmark page, measured).
    meta = _metadata(page, url)
    paragraph_chars = _paragraph_text_length(page)
    # Marking needs characters that the page does not use itself; a page that uses them
    # goes through trafilatura with its links as links (what markers avoid costs little).
    markers = _MARKER_CHARS.search(text) is None
    hrefs = _mark_links(page) if markers else None
    doc = _trafilatura_xml(page, url, precision=True, links=not markers)
    main = _article_root(doc, hrefs)
    length = _text_length(main)
    if length < READABILITY_GATE * paragraph_chars:
        fallback = _readability_root(text, url, markers)
        if fallback is not None and length < READABILITY_TAKE * _text_length(fallback):
            main = fallback
    if main is None:
        return None
    title = _field(meta.get("title"))
    _drop_title_heading(main, title)
    markdown = _MarkdownWriter(base).document(main)
    if not markdown:
        return None
    published = meta.get("date") or ""
    return ExtractedArticle(
        markdown=markdown,
        title=title,
        author=_field(meta.get("author")),
        site_name=_field(meta.get("sitename")),
        published=published if re.fullmatch(r"\d{4}-\d{2}-\d{2}", published) else "",
        canonical_url=facts.canonical_url,
        language=facts.language,
    )


def markdown_from_html(fragment: str, base_url: str) -> str:
    """HTML content from a feed (a summary or a full entry) as Markdown, all of it: no
    boilerplate detection. Relative links resolve against `base_url`; "" when the fragment
    has no text. Never raises for any string."""
    page = _parse_document(fragment)
    body = page.find("body") if page is not None else None
    if body is None:
        return ""
    _html_to_vocabulary(body)
    return _MarkdownWriter(_http_url(base_url) or "").document(body)


# ----------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:+-]{1,40})", re.I)
META_SCAN_BYTES = 8192
# What browsers decode instead of what a page names (the WHATWG Encoding Standard): the
# Latin-1 and ASCII labels mean windows-1252, the Chinese, Japanese and Korean legacy
# labels their Microsoft supersets, and so on.
_CODEC_ALIASES = {
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
}
# The encodings of the web (the Encoding Standard's list, by Python's names): a page may
# name no other (UTF-7, or Python-only codecs such as rot13, unicode_escape or zlib).
_WEB_CODECS = frozenset(
    {"utf-8", "utf-16", "utf-16-le", "utf-16-be", "cp866", "koi8-r", "koi8-u", "mac-roman",
     "mac-cyrillic", "cp874", "gb18030", "big5hkscs", "euc_jp", "iso2022_jp", "cp932", "cp949"}
    | {f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)}
    | {f"cp{n}" for n in range(1250, 1259)}
)  # fmt: skip
# Encodings whose bytes can be valid UTF-8 too; when declared, the declaration wins over
# the UTF-8 check (an ISO-2022-JP page is pure 7-bit, a UTF-16 one full of NUL bytes).
_DECLARATION_WINS = ("utf-16", "iso2022")


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Page bytes as text: a byte-order mark decides; otherwise valid UTF-8 is UTF-8 (pages
    that declare Latin-1 but send UTF-8 are common, the converse is not); otherwise the
    charset from HTTP, else from a <meta> near the top; otherwise windows-1252. Damaged
    bytes become U+FFFD."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, "replace")
    declared = _codec(charset, from_meta=False)
    if declared is None:
        found = _META_CHARSET.search(data, 0, META_SCAN_BYTES)
        declared = _codec(found.group(1).decode("ascii"), from_meta=True) if found else None
    if declared is None or not declared.startswith(_DECLARATION_WINS):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return data.decode(declared or "cp1252", "replace")


def _codec(label: str | None, *, from_meta: bool) -> str | None:
    """Python's codec for a charset label, or None when it names none."""
    if not label or not label.strip():
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    if from_meta and name.startswith("utf-16"):
        return "utf-8"  # a page that could be read to find its <meta> is not UTF-16
    name = _CODEC_ALIASES.get(name, name)
    return name if name in _WEB_CODECS else None


# ----------------------------------------------------------------------------- the page

# C0 controls (but tab and line endings) and the two non-characters: not allowed in XML,
# refused by lxml in a string, and nothing a reader can see. An escape sequence in a page
# loses its ESC here and shows as the text it was made of.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*>")
_LIBRARY_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext", "readability")


def _quiet_libraries() -> None:
    """The libraries log warnings about bad pages; with no handler anywhere, Python would
    print them on stderr (over the app's screen). A NullHandler on each stops that, while
    an application that configures logging still receives them."""
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


def _parseable(text: str) -> str:
    """`text` without what lxml refuses in a string: an XML declaration naming an encoding
    (the text is decoded already) and characters XML does not allow."""
    return _NOT_XML.sub("", _XML_DECLARATION.sub("", text, count=1))


def _parse_document(text: str) -> HtmlElement | None:
    """An HTML document tree (comments and processing instructions dropped), or None."""
    import lxml.html
    from lxml import etree

    text = _parseable(text)
    if not text.strip():
        return None
    parser = lxml.html.HTMLParser(
        collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True
    )
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (etree.LxmlError, ValueError):  # "Document is empty" and the like
        return None


# What a host name cannot hold (a URL whose host does is not followed, nor written)
_BAD_HOST = re.compile(r"[\s<>\"{}|\\^`\x00-\x1f\x7f]")


def _http_url(url: str) -> str | None:
    """`url` when it is an absolute http(s) URL with a sound host, else None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or _BAD_HOST.search(host):
        return None
    return url


def _base_url(page: HtmlElement, url: str) -> str:
    """What relative URLs in the page resolve against: its <base href>, as browsers do,
    when that is http(s); else the page's own URL."""
    for base in page.iter("base"):
        href = base.get("href")
        if href and href.strip():
            return _resolve(href, url) or url
        break
    return url


_URL_WHITESPACE = re.compile(r"[\t\n\r]")
# Characters a Markdown link destination may hold as they are; the rest (space, parentheses,
# angle brackets, quote, backslash, pipe, backtick, braces, non-ASCII) is percent-encoded.
_URL_SAFE = "%:/?#[]@!$&'*+,;=-._~"


def _resolve(href: str, base: str) -> str | None:
    """`href` made absolute against `base`, when the result is an http(s) URL."""
    href = _URL_WHITESPACE.sub("", href.strip())  # as browsers do
    if not href:
        return None
    try:
        return _http_url(urljoin(base, href))
    except ValueError:  # a malformed base (an IPv6 host without its "]"): absolute hrefs only
        return _http_url(href)


def _link_target(href: str | None, base: str) -> str | None:
    """A link's destination as Markdown may hold it, or None for no link: only http(s)
    targets are links (javascript:, data:, file: and the rest keep their text only)."""
    absolute = _resolve(href, base) if href else None
    if absolute is None:
        return None
    try:
        return quote(absolute, safe=_URL_SAFE)
    except UnicodeError:  # a lone surrogate
        return None


@dataclass(frozen=True, slots=True)
class _PageFacts:
    language: str
    canonical_url: str


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def _page_facts(page: HtmlElement, base: str) -> _PageFacts:
    """Language and canonical URL, as the page declares them (trafilatura reports no
    language, and the canonical URL is kept exactly as declared, made absolute)."""
    language = page.get("lang") or page.get("xml:lang") or ""
    canonical = ""
    for link in page.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = _link_target(link.get("href"), base) or ""
            break
    for meta in page.iter("meta"):
        name = (meta.get("http-equiv") or meta.get("property") or "").strip().lower()
        content = meta.get("content") or ""
        if name in ("content-language", "og:locale") and not language:
            language = content
        elif name == "og:url" and not canonical:
            canonical = _link_target(content, base) or ""
    return _PageFacts(_language_tag(language), canonical)


def _language_tag(value: str) -> str:
    """The first tag of a language value in BCP 47 case ("en_us, fr" -> "en-US"), or ""."""
    first = re.split(r"[\s,;]+", value.strip())[0].replace("_", "-") if value.strip() else ""
    if not _LANGUAGE_TAG.fullmatch(first):
        return ""
    parts = first.split("-")
    tag = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 2 and part.isalpha():
            tag.append(part.upper())
        elif len(part) == 4 and part.isalpha():
            tag.append(part.title())
        else:
            tag.append(part.lower())
    return "-".join(tag)


def _paragraph_text_length(page: HtmlElement) -> int:
    """All <p> text of the page, whitespace collapsed: a cheap estimate of its prose."""
    return sum(len(" ".join(p.text_content().split())) for p in page.iter("p"))


def _field(value: str | None) -> str:
    """A metadata string on one line, without link markers, cut to MAX_FIELD_CHARS."""
    if not value:
        return ""
    return " ".join(_MARKER_CHARS.sub("", value).split())[:MAX_FIELD_CHARS]


# ----------------------------------------------------------------------------- link markers
# Symbols from the Yijing hexagram block (printable, so trafilatura keeps them; not letters,
# so they join no word): OPEN + hex digits + END before a link's text, CLOSE + the same
# digits + END after it.

_OPEN, _END, _CLOSE = "\u4dc0", "\u4dc1", "\u4dc2"
_DIGIT_ZERO = 0x4DF0
_MARKER = re.compile("([\u4dc0\u4dc2])([\u4df0-\u4dff]{1,8})\u4dc1")
_MARKER_CHARS = re.compile("[\u4dc0-\u4dff]")


def _marker(kind: str, index: int) -> str:
    return kind + "".join(chr(_DIGIT_ZERO + int(d, 16)) for d in f"{index:x}") + _END


def _marker_index(digits: str) -> int:
    return int("".join(f"{ord(c) - _DIGIT_ZERO:x}" for c in digits), 16)


# A scheme other than http(s): such a link is never written as a link, so it is not marked.
_OTHER_SCHEME = re.compile(r"\s*(?!https?:)[A-Za-z][A-Za-z0-9+.-]*:", re.I)


def _mark_links(page: HtmlElement) -> list[str]:
    """Bracket the text of every link that may lead to a web page; return their hrefs (as
    written: resolving them all would cost more than the extraction of a link-heavy page,
    and most are boilerplate that trafilatura drops)."""
    hrefs: list[str] = []
    # (one XPath query finds the links with text: far cheaper than asking each link)
    for anchor in page.xpath("//a[@href][normalize-space()]"):
        href = anchor.get("href")
        if not href or _OTHER_SCHEME.match(href):
            continue
        anchor.text = _marker(_OPEN, len(hrefs)) + (anchor.text or "")
        close = _marker(_CLOSE, len(hrefs))
        if len(anchor):
            anchor[-1].tail = (anchor[-1].tail or "") + close
        else:
            anchor.text += close
        hrefs.append(href)
    return hrefs


def _restore_links(root: etree._Element, hrefs: Sequence[str]) -> None:
    """Turn each OPEN..CLOSE pair that ended up in one element's own text (its text and its
    children's tails) into a <ref target=...> around what lies between; drop the other
    markers (a link that trafilatura split across blocks keeps its text only)."""
    for element in list(root.iter()):
        _pair_markers(element, hrefs)
    for element in root.iter():  # what is left of markers cut in two
        if element.text:
            element.text = _MARKER_CHARS.sub("", element.text)
        if element.tail and element is not root:
            element.tail = _MARKER_CHARS.sub("", element.tail)


_Marker = tuple[str, str]  # (OPEN or CLOSE, the link's digits)
_Content = str | _Marker  # or a child element


def _pair_markers(element: etree._Element, hrefs: Sequence[str]) -> None:
    """One element's markers paired, in one pass (a paragraph may hold thousands)."""
    children = list(element)
    slots = [element.text or "", *(child.tail or "" for child in children)]
    if not any(_OPEN in text for text in slots):
        return
    content: list[_Content | etree._Element] = []
    for slot, text in enumerate(slots):
        if slot:
            content.append(children[slot - 1])
        position = 0
        for found in _MARKER.finditer(text):
            content.append(text[position : found.start()])
            content.append((found.group(1), found.group(2)))
            position = found.end()
        content.append(text[position:])
    for child in children:
        element.remove(child)  # put back below, some inside new <ref>s
    following = [0] * len(content)  # where the next marker after each item is (-1: none)
    next_marker = -1
    for i in range(len(content) - 1, -1, -1):
        following[i] = next_marker
        if isinstance(content[i], tuple):
            next_marker = i
    paired: list[str | etree._Element] = []
    i = 0
    while i < len(content):
        item = content[i]
        if not isinstance(item, tuple):
            paired.append(item)
        elif item[0] == _OPEN and (end := following[i]) >= 0 and content[end] == (_CLOSE, item[1]):
            index = _marker_index(item[1])
            if index < len(hrefs):
                ref = element.makeelement("ref", {"target": hrefs[index]})
                _fill(ref, [c for c in content[i + 1 : end] if not isinstance(c, tuple)])
                paired.append(ref)
                i = end
        i += 1
    _fill(element, paired)


def _fill(element: etree._Element, content: Sequence[str | etree._Element]) -> None:
    """Make `content` (texts and elements, in order) the content of an empty `element`."""
    texts: list[str] = []
    last: etree._Element | None = None
    for item in content:
        if isinstance(item, str):
            texts.append(item)
            continue
        if last is None:
            element.text = "".join(texts)
        else:
            last.tail = "".join(texts)
        texts = []
        element.append(item)
        last = item
    if last is None:
        element.text = "".join(texts)
    else:
        last.tail = "".join(texts)


# ----------------------------------------------------------------------------- extractors


def _trafilatura_xml(
    tree: HtmlElement, url: str, *, precision: bool, links: bool
) -> etree._Element | None:
    """trafilatura's XML <doc> for a page tree (which it copies, not changes), or None.
    Precision mode runs with its internal fallbacks; recall mode (used on readability's
    article, which needs no more pruning) runs fast, without them."""
    import trafilatura
    from lxml import etree

    _quiet_libraries()
    try:
        xml = trafilatura.extract(
            tree,
            url=url or None,
            favor_precision=precision,
            favor_recall=not precision,
            fast=not precision,
            include_links=links,
            include_comments=False,
            include_tables=True,
            include_formatting=True,
            include_images=False,
            output_format="xml",
        )
        if not xml:
            return None
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        return etree.fromstring(xml.encode("utf-8"), parser)
    except Exception:  # a third-party extractor on hostile input: no article
        return None


def _article_root(doc: etree._Element | None, hrefs: Sequence[str] | None) -> etree._Element | None:
    """The <main> of trafilatura's XML, with its links restored from the markers."""
    main = doc.find("main") if doc is not None else None
    if main is not None and hrefs is not None:
        _restore_links(main, hrefs)
    return main


def _readability_root(text: str, url: str, markers: bool) -> etree._Element | None:
    """readability-lxml's article, structured by trafilatura's recall mode, or None."""
    from readability import Document  # type: ignore[import-untyped]

    _quiet_libraries()
    try:
        summary = Document(_parseable(text), url=url or None).summary(html_partial=True)
    except Exception:  # readability raises on empty and unparsable documents
        return None
    tree = _parse_document(f"<html><body>{summary}</body></html>")
    if tree is None:
        return None
    hrefs = _mark_links(tree) if markers else None
    return _article_root(_trafilatura_xml(tree, url, precision=False, links=not markers), hrefs)


def _metadata(page: HtmlElement, url: str) -> dict[str, str]:
    """trafilatura's metadata of a page (title, author, sitename, date): the same as its
    extract(with_metadata=True) finds, and it leaves the tree as it was."""
    import trafilatura

    _quiet_libraries()
    try:
        # extensive=False, as extract(with_metadata=True) runs it: dates from the page's
        # markup and URL, not guessed from its prose (179 of the benchmark's 181 pages get
        # one so, 181 with guessing, at the same cost)
        found = trafilatura.extract_metadata(page, default_url=url or None, extensive=False)
    except Exception:  # hostile input: no metadata
        return {}
    values = {
        "title": found.title,
        "author": found.author,
        "sitename": found.sitename,
        "date": found.date,
    }
    return {key: value for key, value in values.items() if isinstance(value, str)}


def _text_length(root: etree._Element | None) -> int:
    return len(" ".join("".join(root.itertext()).split())) if root is not None else 0


def _drop_title_heading(main: etree._Element, title: str) -> None:
    """The title is stored apart (and shown first): a first heading that repeats it goes."""
    first = next(iter(main), None)
    if first is None or first.tag != "head" or (main.text or "").strip() or not title:
        return
    if " ".join("".join(first.itertext()).split()).casefold() == title.casefold():
        tail = first.tail
        main.remove(first)
        main.text = (main.text or "") + (tail or "")


# ----------------------------------------------------------------------------- feed HTML

# Elements whose content is not text for a reader.
_DROPPED = (
    "script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math",
    "canvas", "form", "button", "input", "select", "textarea", "head", "title", "audio",
    "video", "img", "picture", "source", "map", "area", "link", "meta", "col", "colgroup",
    "hr",
)  # fmt: skip
# HTML element -> (element of trafilatura's XML vocabulary, its rend attribute)
_VOCABULARY: dict[str, tuple[str, str | None]] = {
    "p": ("p", None),
    **{f"h{n}": ("head", f"h{n}") for n in range(1, 7)},
    "ul": ("list", "ul"),
    "menu": ("list", "ul"),
    "ol": ("list", "ol"),
    "li": ("item", None),
    "dt": ("p", None),
    "dd": ("p", None),
    "table": ("table", None),
    "tr": ("row", None),
    "td": ("cell", None),
    "th": ("cell", None),
    "blockquote": ("quote", None),
    "pre": ("code", None),
    **dict.fromkeys(("code", "kbd", "samp", "tt", "var"), ("hi", "#t")),
    **dict.fromkeys(("b", "strong"), ("hi", "#b")),
    **dict.fromkeys(("i", "em", "cite", "dfn"), ("hi", "#i")),
    **dict.fromkeys(("s", "strike", "del"), ("del", None)),
    "a": ("ref", None),
    "br": ("lb", None),
    **dict.fromkeys(
        (
            "div", "section", "article", "header", "footer", "main", "aside", "nav", "figure",
            "figcaption", "details", "summary", "address", "center", "body", "dl", "fieldset",
            "legend", "hgroup", "caption",
        ),
        ("div", None),
    ),
}  # fmt: skip


_UNWRAPPED = "aiwatch-unwrapped"


def _html_to_vocabulary(body: HtmlElement) -> None:
    """Rename an HTML tree's elements, in place, to the vocabulary of trafilatura's XML, so
    that one writer serves both; other elements (span, u, sup...) keep only their text."""
    from lxml import etree

    etree.strip_elements(body, *_DROPPED, with_tail=False)
    for pre in list(body.iter("pre")):
        code = pre.text_content()
        for child in list(pre):
            pre.remove(child)
        pre.text = code
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag not in _VOCABULARY:
            # renamed first: a page's own <ref> or <hi> must not be mistaken for ours
            element.tag = _UNWRAPPED
            continue
        new, rend = _VOCABULARY[tag]
        target = element.get("href") if tag == "a" else None
        element.attrib.clear()
        element.tag = new
        if rend is not None:
            element.set("rend", rend)
        if target is not None:
            element.set("target", target)
        if tag == "th":
            element.set("role", "head")
    etree.strip_tags(body, _UNWRAPPED)


# ----------------------------------------------------------------------------- Markdown writer

# Text escaping: every character shows as itself in a CommonMark + GFM reader.
_SPACES = re.compile(r"\s+")
_ALWAYS_ESCAPED = re.compile(r"([\\`*\[\]<~|])")
# "_" opens or closes emphasis only at a word's edge; inside a word (snake_case) it is text.
_EDGE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_ENTITY_LIKE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# At the start of a line these would begin a heading, quote, list, or setext underline.
_BLOCK_START = re.compile(r"[#>+=-]|[0-9]{1,9}[.)]")


def markdown_text(text: str) -> str:
    """Text from the web (a title) as Markdown that shows exactly that text."""
    return _escape_line_start(_escape(text))


def _escape(text: str) -> str:
    """Page text as Markdown that shows exactly that text (whitespace runs become one space)."""
    text = _ALWAYS_ESCAPED.sub(r"\\\1", _SPACES.sub(" ", text))
    return _ENTITY_LIKE.sub(r"\\&", _EDGE_UNDERSCORE.sub(r"\\_", text))


def _escape_line_start(line: str) -> str:
    found = _BLOCK_START.match(line)
    if found is None:
        return line
    if line[0].isdigit():  # "1999. A year" stays a sentence: escape the delimiter
        return line[: found.end() - 1] + "\\" + line[found.end() - 1 :]
    return "\\" + line


def _code_span(code: str, in_cell: bool) -> str:
    code = _SPACES.sub(" ", code)
    if not code.strip():
        return ""
    if in_cell:  # GFM splits table cells on pipes even inside code spans
        code = code.replace("|", "\\|")
    ticks = "`" * (max(map(len, re.findall(r"`+", code)), default=0) + 1)
    pad = " " if code[0] in "` " or code[-1] in "` " else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"


@dataclass(eq=False, slots=True)
class _Delimiter:
    """An emphasis mark ("**", "*" or "~~"); written only if its pair parses as emphasis."""

    mark: str
    opens: bool
    partner: _Delimiter | None = None
    kept: bool = True


@dataclass(frozen=True, slots=True)
class _Raw:
    """Markdown written as it is (link brackets): not collapsed or escaped."""

    text: str


@dataclass(frozen=True, slots=True)
class _Code:
    """Inline code; code that touches code is written as one span ("`a``b`" would not be)."""

    code: str
    in_cell: bool


_Piece = str | _Delimiter | _Raw | _Code  # str: escaped text, "\n" a hard line break


def _is_space(char: str) -> bool:
    return not char or char.isspace()


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _flanks(before: str, after: str) -> bool:
    """CommonMark's left-flanking rule (right-flanking is the mirror image)."""
    return not _is_space(after) and (
        not _is_punctuation(after) or _is_space(before) or _is_punctuation(before)
    )


def _only_opens(before: str, after: str) -> bool:
    """A mark between these characters can open emphasis and cannot close it (mirrored:
    can close and cannot open). Marks that could do both (inside a word: "a**b") are
    parsed by rules that depend on the whole line; they are not written."""
    return _flanks(before, after) and not _flanks(after, before)


def _join(pieces: Sequence[_Piece]) -> tuple[str, dict[int, tuple[int, int]]]:
    """The Markdown of `pieces` and where each kept delimiter landed in it."""
    out: list[str] = []
    spans: dict[int, tuple[int, int]] = {}
    length = 0
    last = "\n"
    code: list[_Code] = []

    def write(text: str) -> None:
        nonlocal length, last
        if text[:1] == "[" and last == "!":  # "![" would open an image, not a link
            out[-1] = out[-1][:-1] + "\\!"
            length += 1
        if text:
            out.append(text)
            length += len(text)
            last = text[-1]

    for piece in pieces:
        if isinstance(piece, _Code):
            code.append(piece)
            continue
        if (isinstance(piece, _Delimiter) and not piece.kept) or piece == "":
            continue
        if code:
            write(_code_span("".join(c.code for c in code), code[0].in_cell))
            code.clear()
        if isinstance(piece, _Delimiter):
            spans[id(piece)] = (length, length + len(piece.mark))
            write(piece.mark)
        elif isinstance(piece, _Raw):
            write(piece.text)
        else:
            write(piece[1:] if piece[:1] == " " and last in " \n" else piece)
    if code:
        write(_code_span("".join(c.code for c in code), code[0].in_cell))
    return "".join(out), spans


def _resolve_emphasis(pieces: Sequence[_Piece]) -> str:
    """Join the pieces, keeping only emphasis pairs that a CommonMark reader certainly
    parses as emphasis: a mark that could show as a literal * or ~ is dropped (the text
    stays)."""
    openers = [p for p in pieces if isinstance(p, _Delimiter) and p.opens]
    while True:
        text, spans = _join(pieces)
        changed = _merge_touching(openers, spans)
        for opening in openers:
            closing = opening.partner
            if not opening.kept or closing is None:
                continue
            start, end = spans[id(opening)]
            close_start, close_end = spans[id(closing)]
            if (
                not (
                    _only_opens(text[start - 1 : start], text[end : end + 1])
                    and _only_opens(
                        text[close_end : close_end + 1], text[close_start - 1 : close_start]
                    )
                )
                or end == close_start
            ):
                opening.kept = closing.kept = False
                changed = True
        if not changed:
            return text


def _merge_touching(openers: Sequence[_Delimiter], spans: dict[int, tuple[int, int]]) -> bool:
    """A closing mark right before an opening one of the same character would read as one
    run ("**a****b**"): the same emphasis twice becomes one span ("**ab**"), different
    ones lose the second pair. True when anything changed."""
    opening_at = {spans[id(o)][0]: o for o in openers if o.kept}
    changed = False
    for opening in openers:
        closing = opening.partner
        if not opening.kept or closing is None or not closing.kept:
            continue
        following = opening_at.get(spans[id(closing)][1])
        if following is None or not following.kept or following.mark[0] != closing.mark[0]:
            continue
        if following.mark == closing.mark and following.partner is not None:
            closing.kept = following.kept = False
            opening.partner = following.partner
        else:
            following.kept = False
            if following.partner is not None:
                following.partner.kept = False
        changed = True
    return changed


def _trim(pieces: list[_Piece]) -> tuple[str, list[_Piece], str]:
    """(leading whitespace, pieces without it at either end, trailing whitespace)."""
    lead: list[str] = []
    trail: list[str] = []
    while pieces and isinstance(first := pieces[0], str) and not first.strip():
        lead.append(first)
        pieces.pop(0)
    while pieces and isinstance(last := pieces[-1], str) and not last.strip():
        trail.insert(0, last)
        pieces.pop()
    if pieces and isinstance(first := pieces[0], str):
        stripped = first.lstrip()
        pieces[0] = stripped
        lead.append(first[: len(first) - len(stripped)])
    if pieces and isinstance(last := pieces[-1], str):
        stripped = last.rstrip()
        pieces[-1] = stripped
        trail.insert(0, last[len(stripped) :])
    return "".join(lead), pieces, "".join(trail)


def _visible(pieces: Iterable[_Piece]) -> bool:
    return any(p.strip() if isinstance(p, str) else not isinstance(p, _Delimiter) for p in pieces)


@dataclass(slots=True)
class _Context:
    """Where inline content is being written."""

    in_cell: bool = False
    in_heading: bool = False
    in_link: bool = False
    active: frozenset[str] = field(default_factory=frozenset)  # emphasis marks already open


_EMPHASIS = {"#b": "**", "#i": "*"}
# A written list block starts so (text that would, is escaped)
_LIST_MARKER = re.compile(r"(?:[-*]|[0-9]+[.)]) ")
_BLOCKS = frozenset(
    {"p", "head", "list", "table", "quote", "div", "main", "item", "row", "cell", "doc", "comments"}
)
_INLINE_CODE_PARENTS = frozenset({"p", "head", "item", "cell", "hi", "ref", "del"})


class _MarkdownWriter:
    """trafilatura's XML vocabulary (p, head, list/item, table/row/cell, quote, code, hi,
    del, ref, lb) as CommonMark with GFM tables and strikethrough."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def document(self, root: etree._Element) -> str:
        blocks = self.blocks(root, 0)
        return "\n\n".join(blocks) + "\n" if blocks else ""

    # -- blocks

    def blocks(self, element: etree._Element, depth: int) -> list[str]:
        """The blocks of a container: its block children, and its loose inline content
        gathered into paragraphs between them."""
        return [
            block
            for part in self._parts(element, None, depth)
            if isinstance(part, list)
            for block in part
        ]

    def _parts(
        self, element: etree._Element, part: str | None, depth: int
    ) -> list[etree._Element | list[str]]:
        """An element's content in order: its children tagged `part` as they are (a list's
        items, a table's rows), everything else as blocks (what a browser would show of
        text or elements where a list or table has no room for them)."""
        if depth > MAX_TREE_DEPTH:
            return [self._paragraph([_escape("".join(element.itertext()))])]
        parts: list[etree._Element | list[str]] = []
        pending: list[_Piece] = [_escape(element.text or "")]
        previous_list: etree._Element | None = None
        for child in element:
            if child.tag == part or self._is_block(child, element):
                parts.append(self._paragraph(pending))
                pending = []
                if child.tag == part:
                    parts.append(child)
                else:
                    written = self._block(child, depth + 1, previous_list)
                    parts.append(written)
                    if written:
                        previous_list = child if child.tag == "list" else None
            else:
                pending.extend(self._inline_element(child, _Context(), depth + 1))
            pending.append(_escape(child.tail or ""))
        parts.append(self._paragraph(pending))
        return [p for p in parts if not isinstance(p, list) or p]

    @staticmethod
    def _is_block(child: etree._Element, parent: etree._Element) -> bool:
        if child.tag == "code":
            return parent.tag not in _INLINE_CODE_PARENTS or "\n" in "".join(child.itertext())
        return child.tag in _BLOCKS

    def _block(
        self, element: etree._Element, depth: int, previous_list: etree._Element | None
    ) -> list[str]:
        tag = element.tag
        if tag == "head":
            return self._heading(element, depth)
        if tag == "code":
            return self._code_block(element)
        if tag == "quote":
            return self._quote(element, depth)
        if tag == "list":
            return self._list(element, depth, previous_list)
        if tag == "table":
            return self._table(element, depth)
        if tag == "comments":
            return []
        return self.blocks(element, depth)  # p (it may hold a code block), div, main, item

    def _paragraph(self, pieces: list[_Piece]) -> list[str]:
        if not _visible(pieces):
            return []
        lines = (line.strip() for line in _resolve_emphasis(pieces).split("\n"))
        text = "\\\n".join(_escape_line_start(line) for line in lines if line)
        return [text] if text else []

    def _heading(self, element: etree._Element, depth: int) -> list[str]:
        rend = element.get("rend") or ""
        level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
        pieces = self._inline(element, _Context(in_heading=True), depth)
        text = " ".join(_resolve_emphasis(pieces).split())
        if not text:
            return []
        if text.endswith("#"):  # would be read as a closing sequence
            text = text[:-1] + "\\#"
        return [f"{'#' * level} {text}"]

    @staticmethod
    def _code_block(element: etree._Element) -> list[str]:
        code = "".join(element.itertext()).replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        if not code.strip():
            return []
        fence = "`" * max(3, max(map(len, re.findall(r"`+", code)), default=0) + 1)
        return [f"{fence}\n{code}\n{fence}"]

    def _quote(self, element: etree._Element, depth: int) -> list[str]:
        inner = self.blocks(element, depth)
        if _ancestors(element, "quote") >= MAX_NESTING:
            return inner
        text = "\n\n".join(inner)
        return (
            ["\n".join(f"> {line}" if line else ">" for line in text.split("\n"))] if text else []
        )

    def _list(
        self, element: etree._Element, depth: int, previous_list: etree._Element | None
    ) -> list[str]:
        ordered = element.get("rend") == "ol"
        # Two lists in a row with the same marker would be read as one: alternate markers.
        alternate = previous_list is not None and (previous_list.get("rend") == "ol") == ordered
        entries = [
            self.blocks(part, depth + 1) if not isinstance(part, list) else part
            for part in self._parts(element, "item", depth)
        ]
        if _ancestors(element, "list") >= MAX_NESTING:
            return [block for entry in entries for block in entry]
        items: list[str] = []
        loose = False
        for entry in entries:
            body = ""
            for block in entry:
                # a sublist follows its item's text directly; other blocks make the list loose
                joint = "\n" if _LIST_MARKER.match(block) else "\n\n"
                loose = loose or (bool(body) and joint == "\n\n")
                body = body + joint + block if body else block
            if not body:
                continue
            n = len(items) + 1
            marker = (f"{n})" if alternate else f"{n}.") if ordered else ("*" if alternate else "-")
            lines = body.split("\n")
            pad = " " * (len(marker) + 1)
            items.append(
                "\n".join(
                    [f"{marker} {lines[0]}"] + [pad + line if line else "" for line in lines[1:]]
                )
            )
        return ["\n\n".join(items) if loose else "\n".join(items)] if items else []

    def _table(self, element: etree._Element, depth: int) -> list[str]:
        # What stands in a table outside its cells is shown before it (as browsers do).
        before: list[str] = []
        rows: list[list[etree._Element]] = []
        for part in self._parts(element, "row", depth):
            if isinstance(part, list):
                before.extend(part)
                continue
            cells = []
            for cell in self._parts(part, "cell", depth + 1):
                if isinstance(cell, list):
                    before.extend(cell)
                else:
                    cells.append(cell)
            if cells:
                rows.append(cells)
        if not rows:
            return before
        if _is_layout_table(rows):
            return before + [
                b for row in rows for cell in row for b in self.blocks(cell, depth + 1)
            ]
        context = _Context(in_cell=True)
        lines = [
            [" ".join(_resolve_emphasis(self._inline(c, context, depth)).split()) for c in row]
            for row in rows
        ]
        width = max(len(line) for line in lines)
        lines = [line + [""] * (width - len(line)) for line in lines]
        out = ["| " + " | ".join(lines[0]) + " |", "|" + " --- |" * width]
        out += ["| " + " | ".join(line) + " |" for line in lines[1:]]
        return [*before, "\n".join(out)]

    # -- inline

    def _inline(self, element: etree._Element, context: _Context, depth: int) -> list[_Piece]:
        """The inline Markdown pieces of an element's content (not its tail)."""
        if depth > MAX_TREE_DEPTH:
            return [_escape("".join(element.itertext()))]
        pieces: list[_Piece] = [_escape(element.text or "")]
        for child in element:
            pieces.extend(self._inline_element(child, context, depth + 1))
            pieces.append(_escape(child.tail or ""))
        return pieces

    def _inline_element(
        self, element: etree._Element, context: _Context, depth: int
    ) -> list[_Piece]:
        tag = element.tag
        if tag == "lb":
            return [" " if context.in_cell or context.in_heading else "\n"]
        if tag == "code" or (tag == "hi" and element.get("rend") == "#t"):
            code = "".join(element.itertext())
            return [_Code(code, context.in_cell)] if code.strip() else []
        if tag == "hi" or tag == "del":
            mark = "~~" if tag == "del" else _EMPHASIS.get(element.get("rend") or "")
            if mark is None or context.in_heading or mark in context.active:
                return self._inline(element, context, depth)  # underline, sub, sup: plain
            inner = self._inline(element, _with_active(context, mark), depth)
            return _emphasised(inner, mark)
        if tag == "ref":
            return self._link(element, context, depth)
        if tag == "graphic":
            return []
        if tag in _BLOCKS or tag == "code":  # a block where only inline content fits
            return [" ", *self._inline(element, context, depth), " "]
        return self._inline(element, context, depth)

    def _link(self, element: etree._Element, context: _Context, depth: int) -> list[_Piece]:
        target = None if context.in_link else _link_target(element.get("target"), self.base_url)
        inner = self._inline(element, _with_link(context), depth)
        if target is None or not _visible(inner):
            return inner
        lead, core, trail = _trim(inner)
        return [lead, _Raw("["), *core, _Raw(f"]({target})"), trail]


def _ancestors(element: etree._Element, tag: str) -> int:
    return sum(1 for _ in element.iterancestors(tag))


def _with_active(context: _Context, mark: str) -> _Context:
    return _Context(context.in_cell, context.in_heading, context.in_link, context.active | {mark})


def _with_link(context: _Context) -> _Context:
    return _Context(context.in_cell, context.in_heading, True, context.active)


def _emphasised(inner: list[_Piece], mark: str) -> list[_Piece]:
    """`inner` between a pair of emphasis marks, its edge whitespace outside them."""
    if not _visible(inner):
        return inner
    lead, core, trail = _trim(inner)
    opening, closing = _Delimiter(mark, True), _Delimiter(mark, False)
    opening.partner = closing
    return [lead, opening, *core, closing, trail]


def _is_layout_table(rows: list[list[etree._Element]]) -> bool:
    """A table used for layout, not data: one row, no row with two filled cells, or a cell
    holding blocks (paragraphs, headings, lists, quotes, tables). Its cells become blocks."""
    if len(rows) < 2:
        return True
    filled = [sum(1 for cell in row if "".join(cell.itertext()).strip()) for row in rows]
    if all(count < 2 for count in filled):
        return True
    return any(
        descendant.tag in ("p", "head", "list", "quote", "table")
        for row in rows
        for cell in row
        for descendant in cell.iterdescendants()
    )
