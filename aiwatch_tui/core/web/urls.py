"""Web addresses: which ones aiwatch may fetch, and one normal form per article.

Only `http` and `https` URLs with a host are ever fetched: a feed or a page that names a
`file:`, `data:`, `javascript:` or any other URL gets nothing from aiwatch. The normal form
(`normalize_url`) is what identifies an article in the store and in W3C exports, so two links
to the same page (one with `utm_source`, one with another host case or a fragment) meet.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

FETCHABLE_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that say who sent the reader, never what the page is.
_TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        "ref_src",
        "ref_url",
        "_ga",
        "_gl",
        "mkt_tok",
        "vero_id",
        "vero_conv",
        "oly_anon_id",
        "oly_enc_id",
        "rb_clickid",
        "s_cid",
        "spm",
    }
)
_TRACKING_PREFIXES = ("utm_",)

# A URL that holds a space, a control character or a backslash is not one a browser would
# send as written: aiwatch refuses it rather than guess what was meant.
_BAD_CHARACTER = re.compile(r"[\x00-\x20\x7f\\]")
# A host: DNS labels (IDN labels as Unicode are allowed), an IPv4 address, or [IPv6].
_HOST_LABEL = re.compile(r"(?!-)[^\W_](?:[^\W_]|-){0,62}(?<!-)\Z", re.UNICODE)
_IPV6 = re.compile(r"\[[0-9a-fA-F:.]+(?:%25[\w.~-]+)?\]\Z")


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def _host_ok(host: str) -> bool:
    if _IPV6.match(host):
        return True
    labels = host.rstrip(".").split(".")
    return bool(host) and len(host) <= 253 and all(_HOST_LABEL.match(label) for label in labels)


def _split(url: str) -> SplitResult | None:
    """The parts of a fetchable URL, or None for anything aiwatch would not fetch."""
    if not url or _BAD_CHARACTER.search(url) is not None:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return None
    if parts.scheme.lower() not in FETCHABLE_SCHEMES or not parts.netloc:
        return None
    host = parts.netloc.rpartition("@")[2]
    if port is not None or host.endswith(":"):
        host = host.rpartition(":")[0]
    return parts if _host_ok(host) else None


def is_fetchable(url: str) -> bool:
    """True for an http(s) URL with a valid host; `file:`, `data:`, `javascript:`... never."""
    return _split(url) is not None


def _netloc(parts: SplitResult, scheme: str) -> str:
    userinfo, at, hostport = parts.netloc.rpartition("@")
    host, port = hostport, ""
    if not hostport.endswith("]") and ":" in hostport:
        host, _, port = hostport.rpartition(":")
    host = host.lower()
    if port == "" or (port.isdigit() and int(port) == _DEFAULT_PORTS[scheme]):
        port = ""
    return f"{userinfo}{at}{host}{':' + port if port else ''}"


def _query_without_tracking(query: str) -> str:
    kept = [part for part in query.split("&") if part and not _is_tracking(part.split("=")[0])]
    return "&".join(kept)


def normalize_url(url: str) -> str:
    """The one form of an http(s) URL under which an article is stored.

    Scheme and host lower-case, the default port and the fragment dropped, an empty path
    made "/", tracking parameters (utm_*, fbclid, gclid...) removed and the other query
    parameters kept in their order, as written. Anything that is not a fetchable URL is
    returned unchanged, so normalising never turns odd input into an address aiwatch fetches.
    """
    parts = _split(url)
    if parts is None:
        return url
    scheme = parts.scheme.lower()
    query = _query_without_tracking(parts.query)
    normal = urlunsplit((scheme, _netloc(parts, scheme), parts.path or "/", query, ""))
    # Lower-casing can turn a valid Unicode host into an invalid one ("İ" becomes "i" and a
    # combining dot): such a URL is kept as written rather than made unfetchable.
    return normal if _split(normal) is not None else url


def join(base: str, href: str) -> str:
    """`href` as written in a page or feed at `base`, made absolute (it may not be fetchable).

    Leading and trailing whitespace and any tab or newline inside are dropped first, as a
    browser does with an attribute value."""
    cleaned = re.sub(r"[\t\n\r]", "", href.strip(" \t\n\r\f"))
    if not cleaned:
        return base
    try:
        return urljoin(base, cleaned)
    except ValueError:  # a malformed IPv6 host in `cleaned` or `base`
        return cleaned
