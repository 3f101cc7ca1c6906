"""OPML subscription lists: read from newsboat, NetNewsWire, Feedly, Miniflux...; write 2.0.

Reading walks every `<outline>` at any depth (folders are outlines holding outlines) and
takes those with an `xmlUrl`. The file is untrusted: it is parsed with expat and any entity
declaration or external reference is refused before it can expand (billion laughs, XXE),
and only http(s) feed URLs are kept; the others are reported, not followed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import format_datetime
from xml.parsers import expat
from xml.sax.saxutils import quoteattr

from aiwatch_tui.core.text.html_text import plain_line
from aiwatch_tui.core.text.sanitize import one_line
from aiwatch_tui.core.uris import is_fetchable, normal_url


class OpmlError(Exception):
    """An OPML file that cannot be read; the message is one line."""


@dataclass(frozen=True, slots=True)
class Subscription:
    url: str
    title: str = ""
    site_url: str = ""


@dataclass(slots=True)
class OpmlReading:
    subscriptions: list[Subscription] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line each: what and why


class _Refused(Exception):
    pass


def _attribute(attributes: dict[str, str], name: str) -> str:
    # OPML files in the wild spell the attributes xmlUrl, xmlurl or XMLURL.
    for key, value in attributes.items():
        if key.lower() == name:
            return value
    return ""


def read_opml(data: bytes, source: str = "the OPML file") -> OpmlReading:
    """The subscriptions in an OPML file, and what was skipped; raises OpmlError only."""
    reading = OpmlReading()
    seen: set[str] = set()
    depth = 0
    root: list[str] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth == 1:
            root.append(name)
        if name.lower() != "outline":
            return
        url = _attribute(attributes, "xmlurl").strip()
        if not url:
            return
        title = _attribute(attributes, "title") or _attribute(attributes, "text")
        if not is_fetchable(url):
            reading.skipped.append(f"{one_line(url)[:200]}: not an http(s) address")
            return
        key = normal_url(url) or url
        if key in seen:
            return
        seen.add(key)
        site = _attribute(attributes, "htmlurl").strip()
        reading.subscriptions.append(
            Subscription(url, plain_line(title), site if is_fetchable(site) else "")
        )

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    def refuse_entities(*_args: object) -> None:
        raise _Refused("declares XML entities, which aiwatch never expands")

    def refuse_external(*_args: object) -> int:
        raise _Refused("refers to an external entity, which aiwatch never loads")

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = refuse_entities
    parser.UnparsedEntityDeclHandler = refuse_entities
    parser.ExternalEntityRefHandler = refuse_external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    where = one_line(source)
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        raise OpmlError(f"{where}: {refused}") from None
    except expat.ExpatError as error:
        reason = expat.ErrorString(error.code) if error.code else "malformed"
        raise OpmlError(
            f"{where}: not valid OPML ({reason}, line {error.lineno} column {error.offset})"
        ) from None
    except (RecursionError, ValueError, UnicodeError) as error:
        raise OpmlError(f"{where}: not valid OPML ({one_line(str(error))[:80]})") from None
    if root and root[0].lower() != "opml":
        raise OpmlError(f"{where}: not an OPML file (its root element is <{one_line(root[0])}>)")
    return reading


def parse_opml(data: bytes, source: str = "the OPML file") -> list[Subscription]:
    return read_opml(data, source).subscriptions


# Characters XML 1.0 cannot hold at all, even as &#...; references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_value(text: str) -> str:
    return quoteattr(_NOT_XML.sub("\ufffd", text), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def write_opml(subscriptions: list[Subscription], title: str = "aiwatch subscriptions") -> str:
    """OPML 2.0 for other feed readers: one flat list of `type="rss"` outlines."""
    from datetime import UTC, datetime

    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{_xml_value(title)[1:-1]}</title>",
        f"    <dateCreated>{format_datetime(datetime.now(UTC), usegmt=True)}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    for sub in subscriptions:
        name = plain_line(sub.title) or sub.url
        attributes = f'type="rss" text={_xml_value(name)} title={_xml_value(name)}'
        attributes += f" xmlUrl={_xml_value(sub.url)}"
        if sub.site_url:
            attributes += f" htmlUrl={_xml_value(sub.site_url)}"
        lines.append(f"    <outline {attributes}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)
