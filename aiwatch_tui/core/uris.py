"""What a source URI in an annotation names, and the key a document is kept under.

Pure string work: nothing here touches the file system or the network, and nothing of
aiwatch is imported (the store, the library and the interchange formats all name documents
this way). Which of the named documents may actually be read is decided elsewhere
(core.operations.importing, against the library), because a URI comes from a file someone
else wrote.

Document keys are of three kinds, which never collide:
- "seeds/<name>": a bundled article, named in exports as "urn:aiwatch:seeds/<name>";
- "/absolute/path": a file (as resolved when the library found it);
- "<scheme>:...": anything else an annotation was made on, kept as the URI names it — a web
  page by its normalised URL (the key feeds and pages will use), or a name such as a file on
  another host or a PDF fingerprint ("urn:x-pdf:...").
"""

from __future__ import annotations

import os
import posixpath
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePath
from urllib.parse import SplitResult, quote, unquote, unquote_to_bytes, urlsplit, urlunsplit

SEED_PREFIX = "seeds/"  # a bundled article's key: "seeds/<file name>"
SEED_URN_PREFIX = "urn:aiwatch:seeds/"

# Schemes whose URIs are not names of documents but content or code: never kept, never
# followed ("data:text/plain,..." carries its own text; "javascript:" is a program).
NOT_DOCUMENT_SCHEMES = frozenset({"data", "javascript", "vbscript", "about", "blob"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that say who sent the reader, never what the page is: a page is kept
# under its URL without them, so a link from a newsletter and one from a feed meet.
TRACKING_PARAMETERS = frozenset(
    "fbclid gclid dclid gbraid wbraid msclkid yclid twclid mc_cid mc_eid igshid _hsenc _hsmi "
    "__hstc __hssc __hsfp hsctatracking ref_src ref_url _ga _gl mkt_tok vero_id vero_conv "
    "oly_anon_id oly_enc_id rb_clickid s_cid spm".split()
)
TRACKING_PREFIXES = ("utm_",)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


class UriKind(StrEnum):
    """What kind of document a source URI names."""

    SEED = "seed"  # a bundled article's name
    FILE = "file"  # an absolute local path
    WEB = "web"  # an http(s) page
    OTHER = "other"  # a document name aiwatch keeps but cannot open


@dataclass(frozen=True, slots=True)
class NamedSource:
    """What a source URI names: its kind and the document key it is kept under.

    For FILE the key is the path as the URI spells it, with "." and ".." segments resolved
    as text: a name, not a promise that the file exists or may be read; `path` is the path
    exactly as spelt (what the file system would be asked for).
    """

    kind: UriKind
    key: str
    path: str = ""


def source_uri(doc_key: str) -> str:
    """The URI that names a document in exported annotations.

    A bundled article becomes "urn:aiwatch:seeds/<name>", a path its file:// URI (both
    percent-encoded ASCII), and a key that is already a URI (a web page) stays as it is.
    """
    if doc_key.startswith(SEED_PREFIX):
        name = doc_key[len(SEED_PREFIX) :]
        return SEED_URN_PREFIX + quote(name, safe="", errors="surrogateescape")
    if not PurePath(doc_key).is_absolute():
        # A URI already (a web page); a relative key is never a document's, but is named
        # (percent-encoded) rather than refused.
        if _SCHEME.match(doc_key):
            return doc_key
        return quote(doc_key, safe="/", errors="surrogateescape")
    return Path(doc_key).as_uri()


def document_note_id(doc_key: str) -> str:
    """The fixed id of the note aiwatch keeps on a whole document (the one `A` edits), so
    re-exporting it gives the same annotation."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, source_uri(doc_key) + "#document-note"))


def name_source(uri: str) -> NamedSource | None:
    """What `uri` names, or None when it names no document (a relative reference, or a
    data:/javascript: URI and the like)."""
    match = _SCHEME.match(uri)
    if match is None:
        return None
    scheme = match.group()[:-1].lower()
    if scheme in NOT_DOCUMENT_SCHEMES:
        return None
    if uri[: len(SEED_URN_PREFIX)].lower() == SEED_URN_PREFIX:
        name = _seed_name(uri)
        if name is not None:
            return NamedSource(UriKind.SEED, SEED_PREFIX + name)
        return NamedSource(UriKind.OTHER, uri)
    if scheme == "file":
        path = _path_from_file_uri(uri, allow_dot_segments=True)
        if path is not None:
            return NamedSource(UriKind.FILE, normal_path(path), path)
        return NamedSource(UriKind.OTHER, uri)
    if scheme in _DEFAULT_PORTS:
        web = normal_url(uri)
        return NamedSource(UriKind.WEB, web) if web is not None else None
    return NamedSource(UriKind.OTHER, scheme + uri[len(scheme) :])


FETCHABLE_SCHEMES = ("http", "https")
# A URL that holds a space, a control character or a backslash is not one a browser would
# send as written: aiwatch refuses it rather than guess what was meant.
_BAD_CHARACTER = re.compile(r"[\x00-\x20\x7f\\]")
# A host: DNS labels (IDN labels as Unicode are allowed), an IPv4 address, or [IPv6].
_HOST_LABEL = re.compile(r"(?!-)[^\W_](?:[^\W_]|-){0,62}(?<!-)\Z", re.UNICODE)
_IPV6 = re.compile(r"\[[0-9a-fA-F:.]+(?:%25[\w.~-]+)?\]\Z")


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
    """True for an http(s) URL with a valid host: the only URLs aiwatch ever fetches
    (`file:`, `data:`, `javascript:` and every other scheme never)."""
    return _split(url) is not None


def normal_path(path: str) -> str:
    """An absolute path with "//", "." and ".." resolved as text (the file system is not
    asked: a symbolic link is not followed)."""
    return "/" + posixpath.normpath(path).lstrip("/")


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def _without_tracking(query: str) -> str:
    kept = [
        part for part in query.split("&") if part and not is_tracking_parameter(part.split("=")[0])
    ]
    return "&".join(kept)


def normal_url(url: str) -> str | None:
    """An http(s) URL in the one form pages are kept under: scheme and host in lower case,
    the default port and the fragment dropped, an empty path as "/", tracking parameters
    (utm_*, fbclid, gclid...) removed; the rest (path, the other query parameters in their
    order, percent-encoding) exactly as given. None when it has no host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", _without_tracking(parts.query), ""))


def key_from_source(uri: str) -> str | None:
    """The key of a bundled article or local file that a URI typed by the user names, or None.

    Stricter than name_source: a path with ".." segments is refused rather than guessed at,
    and so is a seed name that could escape the seeds folder. The path is returned as it is
    written; callers canonicalise it (resolve symlinks) with library.document_key.
    """
    if uri[: len(SEED_URN_PREFIX)].lower() == SEED_URN_PREFIX:
        name = _seed_name(uri)
        return SEED_PREFIX + name if name is not None else None
    return _path_from_file_uri(uri, allow_dot_segments=False)


def _seed_name(uri: str) -> str | None:
    name = unquote(uri[len(SEED_URN_PREFIX) :], errors="surrogateescape")
    if name in ("", ".", "..") or "/" in name or "\\" in name or "\x00" in name:
        return None
    return name


def _path_from_file_uri(uri: str, *, allow_dot_segments: bool) -> str | None:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    # A fragment names a part of the same file, so it is dropped; a query names something else.
    if (
        parts.scheme.lower() != "file"
        or parts.netloc.lower() not in ("", "localhost")
        or parts.query
    ):
        return None
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        from urllib.request import url2pathname

        path = url2pathname(parts.path)
        return path if PurePath(path).is_absolute() else None
    path = os.fsdecode(unquote_to_bytes(parts.path))
    if not path.startswith("/") or "\x00" in path:
        return None
    if not allow_dot_segments and ".." in path.split("/"):
        return None
    return path
