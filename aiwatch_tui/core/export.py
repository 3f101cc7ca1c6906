"""Interchange: W3C Web Annotation JSON-LD, Markdown and Readwise CSV writers; the JSON importer.

Pure functions over the shared model: no store, no file system, no terminal. The CLI and the
app call these and do the reading, writing and merging.

JSON export is an `AnnotationCollection` whose embedded first `AnnotationPage` holds one
`Annotation` per highlight and per document note (each item repeats `@context`, so any one of
them cut out of the file is a complete annotation). The output is deterministic, so
export -> import -> export gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath
from types import MappingProxyType
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit

from aiwatch_tui.core.model import (
    DEFAULT_COLOR,
    HIGHLIGHT_COLORS,
    AnchorStatus,
    DocumentInfo,
    Highlight,
)

ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# Mirrors library.SEED_PREFIX; kept here so the interchange code does not depend on the library.
SEED_PREFIX = "seeds/"
SEED_URN_PREFIX = "urn:aiwatch:seeds/"
READWISE_COLUMNS = ("Highlight", "Title", "Author", "URL", "Note", "Location", "Date")
# Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_NO_NOTES: Mapping[str, str] = MappingProxyType({})


class InterchangeError(Exception):
    """A file that cannot be imported; str(e) is one line: "<file>: <where>: <what is wrong>"."""


# ---------------------------------------------------------------------------------------------
# Document identity
# ---------------------------------------------------------------------------------------------


def source_uri(doc_key: str) -> str:
    """The URI that names a document in exported annotations.

    A bundled article ("seeds/<name>") becomes "urn:aiwatch:seeds/<name>"; any other key must be
    an absolute path and becomes its file:// URI. Both are percent-encoded ASCII.
    """
    if doc_key.startswith(SEED_PREFIX):
        name = doc_key[len(SEED_PREFIX) :]
        return SEED_URN_PREFIX + quote(name, safe="", errors="surrogateescape")
    return Path(doc_key).as_uri()


def key_from_source(uri: str) -> str | None:
    """The document key a source URI names, or None when it names nothing aiwatch can open.

    The path of a file:// URI is returned as it is written; callers canonicalise it (resolve
    symlinks) with library.document_key. A path with ".." segments is refused rather than
    guessed at, and so is a seed name that could escape the seeds folder.
    """
    if uri[: len(SEED_URN_PREFIX)].lower() == SEED_URN_PREFIX:
        name = unquote(uri[len(SEED_URN_PREFIX) :], errors="surrogateescape")
        if name in ("", ".", "..") or "/" in name or "\\" in name or "\x00" in name:
            return None
        return SEED_PREFIX + name
    return _path_from_file_uri(uri)


def _path_from_file_uri(uri: str) -> str | None:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    # A fragment names a part of the same file, so it is dropped; a query names something else.
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost") or parts.query:
        return None
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        from urllib.request import url2pathname

        path = url2pathname(parts.path)
        return path if PurePath(path).is_absolute() else None
    path = os.fsdecode(unquote_to_bytes(parts.path))
    if not path.startswith("/") or "\x00" in path or ".." in path.split("/"):
        return None
    return path


def document_note_id(doc_key: str) -> str:
    """The fixed id of a document's note, so re-exporting it gives the same annotation."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, source_uri(doc_key) + "#document-note"))


def foreign_id(raw_id: str) -> str:
    """The id under which an annotation with a non-UUID id (e.g. a Hypothesis URL) is kept.

    uuid5 in the URL namespace: the same foreign annotation always maps to the same id, so
    importing it twice merges instead of duplicating.
    """
    return str(uuid.uuid5(uuid.NAMESPACE_URL, raw_id))


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportDocument:
    """What the writers need to know about one document."""

    key: str
    title: str
    content_hash: str
    author: str = ""
    path: str | None = None  # informational; the writers name documents by source_uri(key)

    @classmethod
    def from_info(cls, info: DocumentInfo) -> ExportDocument:
        return cls(
            key=info.key,
            title=info.title,
            content_hash=info.content_hash,
            path=str(info.path) if info.path is not None else None,
        )


@dataclass(frozen=True, slots=True)
class _DocumentGroup:
    document: ExportDocument
    note: str
    highlights: tuple[Highlight, ...]


def _highlight_order(h: Highlight) -> tuple[str, int, int, str]:
    return (h.doc_key, h.start, h.end, h.id)


def _document_for(key: str, documents: Mapping[str, ExportDocument]) -> ExportDocument:
    known = documents.get(key)
    if known is not None:
        return known
    # A highlight can outlive its document (file removed); it is still exported, by file name.
    return ExportDocument(key=key, title=PurePath(key).name or key, content_hash="")


def _group_by_document(
    highlights: Iterable[Highlight],
    documents: Mapping[str, ExportDocument],
    document_notes: Mapping[str, str],
) -> list[_DocumentGroup]:
    by_key: dict[str, list[Highlight]] = {}
    for h in sorted(highlights, key=_highlight_order):
        by_key.setdefault(h.doc_key, []).append(h)
    keys = set(by_key) | {key for key, note in document_notes.items() if note}
    return [
        _DocumentGroup(
            document=_document_for(key, documents),
            note=document_notes.get(key, ""),
            highlights=tuple(by_key.get(key, ())),
        )
        for key in sorted(keys)
    ]


# --- JSON ------------------------------------------------------------------------------------

# json.dumps(ensure_ascii=False) escapes C0 controls but writes DEL, C1 controls (0x9b is CSI on
# some terminals) and lone surrogates (unencodable as UTF-8) raw; \u escapes read back the same.
# Bidi overrides and invisible characters are escaped too, so a file shown in a terminal or an
# editor reads as it is stored (Trojan Source); ZWJ/ZWNJ stay, emoji and scripts need them.
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\ud800-\udfff\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)


def _textual_body(note: str) -> dict[str, object]:
    return {"type": "TextualBody", "value": note, "format": "text/markdown"}


def _highlight_annotation(h: Highlight, document: ExportDocument) -> dict[str, object]:
    annotation: dict[str, object] = {
        "@context": ANNOTATION_CONTEXT,
        "id": f"urn:uuid:{h.id}",
        "type": "Annotation",
        "motivation": "commenting" if h.note else "highlighting",
    }
    if h.created:
        annotation["created"] = h.created
    if h.modified:
        annotation["modified"] = h.modified
    if h.note:
        annotation["body"] = _textual_body(h.note)
    annotation["target"] = {
        "source": source_uri(h.doc_key),
        "selector": [
            {"type": "TextQuoteSelector", "exact": h.exact, "prefix": h.prefix, "suffix": h.suffix},
            {"type": "TextPositionSelector", "start": h.start, "end": h.end},
        ],
    }
    annotation["aiwatch"] = {
        "color": h.color,
        "status": str(h.status),
        "title": document.title,
        # The hash of the text the positions point into, which is what a reader of them needs.
        "content_hash": h.doc_hash or document.content_hash,
    }
    return annotation


def _document_note_annotation(document: ExportDocument, note: str) -> dict[str, object]:
    return {
        "@context": ANNOTATION_CONTEXT,
        "id": f"urn:uuid:{document_note_id(document.key)}",
        "type": "Annotation",
        "motivation": "commenting",
        "body": _textual_body(note),
        "target": source_uri(document.key),  # the whole document: a source and no selector
        "aiwatch": {"title": document.title, "content_hash": document.content_hash},
    }


def to_json(
    highlights: Iterable[Highlight],
    documents: Mapping[str, ExportDocument],
    document_notes: Mapping[str, str] = _NO_NOTES,
    *,
    generated: str | None = None,
) -> str:
    """W3C Web Annotation JSON-LD: an AnnotationCollection of every highlight and document note.

    Items are ordered by document key, the document note first, then highlights by position.
    `generated` (an ISO time) is written only when given, so tests and round trips stay exact.
    """
    items: list[dict[str, object]] = []
    for group in _group_by_document(highlights, documents, document_notes):
        if group.note:
            items.append(_document_note_annotation(group.document, group.note))
        items.extend(_highlight_annotation(h, group.document) for h in group.highlights)
    collection: dict[str, object] = {
        "@context": ANNOTATION_CONTEXT,
        "type": "AnnotationCollection",
        "label": "aiwatch highlights",
        "total": len(items),
    }
    if generated is not None:
        collection["generated"] = generated
    collection["first"] = {"type": "AnnotationPage", "startIndex": 0, "items": items}
    text = json.dumps(collection, indent=2, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


# --- text shared by Markdown and CSV ---------------------------------------------------------

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _control_picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400 block: a visible symbol for each C0 control
    return "\u2421" if code == 0x7F else "\ufffd"


def _visible(text: str) -> str:
    """Text with newlines normalised and no control character left to reach a terminal."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(_control_picture, text)


# --- Markdown --------------------------------------------------------------------------------

# Line starts that would open a block reaching past the line: a heading, a code fence, an HTML
# block, a math block or comment (Obsidian), a link definition (which vanishes), or a setext
# underline / thematic break. A backslash before the first character makes it literal text.
_BLOCK_OPENER = re.compile(
    r"(?P<indent> {0,3})(?="
    r"#|```|~~~|<|\$\$|%%"
    r"|\[[^\]]*\]:"
    r"|(?P<rule>[-=*_])(?:[ \t]*(?P=rule))*[ \t]*$"
    r")"
)


def _inert_line(line: str) -> str:
    match = _BLOCK_OPENER.match(line)
    if match is None:
        return line
    cut = match.end("indent")
    return line[:cut] + "\\" + line[cut:]


def _inert_lines(text: str) -> list[str]:
    return [_inert_line(line) for line in _visible(text).split("\n")]


def _heading_text(text: str) -> str:
    one_line = " ".join(_visible(text).split())
    # Trailing "#"s would be read as the heading's optional closing sequence and dropped.
    return re.sub(r"#+$", lambda m: "\\" + m.group(), one_line)


def _markdown_quote(exact: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in _inert_lines(exact)]


def _markdown_highlight(h: Highlight) -> list[str]:
    lines = _markdown_quote(h.exact) + [""]
    if h.note.strip():
        lines += _inert_lines(h.note.strip("\n")) + [""]
    color = " ".join(_visible(h.color).split())
    lines += [f"— {color} · {h.status} · characters {h.start}–{h.end}", ""]
    return lines


def _markdown_document(group: _DocumentGroup) -> list[str]:
    document = group.document
    title = _heading_text(document.title) or _heading_text(PurePath(document.key).name)
    lines = [f"## {title}", "", f"Source: <{source_uri(document.key)}>", ""]
    if group.note.strip():
        lines += _inert_lines(group.note.strip("\n")) + [""]
    placed = [h for h in group.highlights if h.status is not AnchorStatus.ORPHANED]
    orphaned = [h for h in group.highlights if h.status is AnchorStatus.ORPHANED]
    for h in placed:
        lines += _markdown_highlight(h)
    if orphaned:
        lines += [
            "### Orphaned highlights",
            "",
            "Not found in the current text of the document; each quote is kept as it was made.",
            "",
        ]
        for h in orphaned:
            lines += _markdown_highlight(h)
    return lines


def to_markdown(
    highlights: Iterable[Highlight],
    documents: Mapping[str, ExportDocument],
    document_notes: Mapping[str, str] = _NO_NOTES,
    *,
    generated: str | None = None,
) -> str:
    """Markdown for notes apps: a section per document, each highlight a block quote.

    Text from articles and notes keeps its inline Markdown, but a line that would open a
    heading, fence, HTML block or rule is escaped so it cannot break the page's structure.
    Locations are the highlight's code-point offsets, as in the JSON's TextPositionSelector.
    """
    lines = ["# aiwatch highlights", ""]
    if generated is not None:
        lines += [f"Exported {_heading_text(generated)}.", ""]
    groups = _group_by_document(highlights, documents, document_notes)
    if not groups:
        lines += ["No highlights or notes.", ""]
    for group in groups:
        lines += _markdown_document(group)
    return "\n".join(lines).rstrip("\n") + "\n"


# --- CSV -------------------------------------------------------------------------------------


def _csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: formula-like starts get a leading single quote."""
    cell = _visible(text)
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def _readwise_date(timestamp: str) -> str:
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def to_csv(highlights: Iterable[Highlight], documents: Mapping[str, ExportDocument]) -> str:
    """Readwise's CSV import: one row per highlight, "\\r\\n" line ends (write with newline="").

    Document notes have no highlighted text, so Readwise has no row for them; they are left out.
    Location is the start offset; Date is `created` in UTC.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(READWISE_COLUMNS)
    for h in sorted(highlights, key=_highlight_order):
        document = _document_for(h.doc_key, documents)
        writer.writerow(
            [
                _csv_cell(h.exact),
                _csv_cell(document.title),
                _csv_cell(document.author),
                source_uri(h.doc_key),
                _csv_cell(h.note),
                str(h.start),
                _readwise_date(h.created),
            ]
        )
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Importer
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportedHighlight:
    """A highlight read from an annotation file, before it is anchored in the current text.

    `start`/`end` are None when the file gave no TextPositionSelector; `status`, `title` and
    `content_hash` are hints from an aiwatch export (None / "" from other tools).
    """

    id: str
    doc_key: str
    source: str
    exact: str
    prefix: str
    suffix: str
    start: int | None
    end: int | None
    color: str = DEFAULT_COLOR
    note: str = ""
    created: str = ""
    modified: str = ""
    status: AnchorStatus | None = None
    title: str = ""
    content_hash: str = ""

    def to_highlight(self, doc_hash: str, start: int, end: int, status: AnchorStatus) -> Highlight:
        """The Highlight to store once anchoring has placed it in the text hashed `doc_hash`."""
        return Highlight(
            id=self.id,
            doc_key=self.doc_key,
            doc_hash=doc_hash,
            start=start,
            end=end,
            exact=self.exact,
            prefix=self.prefix,
            suffix=self.suffix,
            color=self.color,
            note=self.note,
            created=self.created,
            modified=self.modified,
            status=status,
        )


@dataclass(frozen=True, slots=True)
class ImportedDocumentNote:
    """A note about a whole document (an annotation whose target has no selector)."""

    id: str
    doc_key: str
    source: str
    note: str
    created: str = ""
    modified: str = ""
    title: str = ""
    content_hash: str = ""


ImportedAnnotation = ImportedHighlight | ImportedDocumentNote


@dataclass(frozen=True, slots=True)
class ParseResult:
    annotations: list[ImportedAnnotation]
    # (where, why): items that are well-formed but do not fit aiwatch, e.g. ("item 3", "...")
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def highlights(self) -> list[ImportedHighlight]:
        return [a for a in self.annotations if isinstance(a, ImportedHighlight)]

    @property
    def document_notes(self) -> list[ImportedDocumentNote]:
        return [a for a in self.annotations if isinstance(a, ImportedDocumentNote)]


class _Malformed(Exception):
    """The file is broken here: the whole import is refused."""


class _Unfit(Exception):
    """A valid annotation aiwatch cannot use: it is skipped with this reason."""


_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_TOP_LEVEL_SHAPES = "an Annotation, a JSON array of Annotations, or an AnnotationCollection/Page"


def _shown(value: object) -> str:
    """A value from the file, quoted for a one-line message (repr escapes control characters)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


def _types(obj: dict[str, object]) -> set[str]:
    declared = obj.get("type", obj.get("@type"))
    names = declared if isinstance(declared, list) else [declared]
    return {name.removeprefix("oa:") for name in names if isinstance(name, str)}


def parse_annotations(data: str | bytes, source_name: str) -> ParseResult:
    """Read W3C Web Annotations (aiwatch's export or other tools') from a JSON file's contents.

    Raises InterchangeError (one line naming `source_name` and the place) for a malformed file:
    not JSON, wrong shape, missing ids or targets, wrong value types, bad timestamps, repeated
    ids. Annotations that are valid but unusable here (no TextQuoteSelector, a web page as
    source) are returned in `skipped` with the reason.
    """
    root = _load_json(data, source_name)
    try:
        items = _top_level_items(root)
    except _Malformed as problem:
        raise InterchangeError(f"{source_name}: {problem}") from None
    annotations: list[ImportedAnnotation] = []
    skipped: list[tuple[str, str]] = []
    first_seen: dict[str, int] = {}
    for number, item in enumerate(items, start=1):
        try:
            annotation = _read_annotation(item)
        except _Malformed as problem:
            raise InterchangeError(f"{source_name}: item {number}: {problem}") from None
        except _Unfit as reason:
            skipped.append((f"item {number}", str(reason)))
            continue
        if annotation.id in first_seen:
            raise InterchangeError(
                f"{source_name}: item {number}: the id of item {first_seen[annotation.id]} again"
            )
        first_seen[annotation.id] = number
        annotations.append(annotation)
    return ParseResult(annotations, skipped)


def _load_json(data: str | bytes, source_name: str) -> object:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as problem:
            raise InterchangeError(
                f"{source_name}: not UTF-8 text (byte {problem.start} cannot be decoded)"
            ) from None
    try:
        return json.loads(data.removeprefix("\ufeff"))
    except json.JSONDecodeError as problem:
        raise InterchangeError(
            f"{source_name}: not valid JSON: line {problem.lineno}, column {problem.colno}: "
            f"{problem.msg}"
        ) from None
    except ValueError as problem:  # e.g. an integer longer than Python will convert
        raise InterchangeError(f"{source_name}: not valid JSON: {problem}") from None
    except RecursionError:
        raise InterchangeError(f"{source_name}: JSON nested too deeply to be annotations") from None


def _top_level_items(root: object) -> list[object]:
    if isinstance(root, list):
        return root
    if not isinstance(root, dict):
        raise _Malformed(f"expected {_TOP_LEVEL_SHAPES}; found {_json_kind(root)}")
    types = _types(root)
    if "Annotation" in types:
        return [root]
    if "AnnotationCollection" in types:
        return _collection_items(root)
    if "AnnotationPage" in types:
        return list(_page_items(root, "the page"))
    found = ", ".join(sorted(types)) or "no type"
    raise _Malformed(f"expected {_TOP_LEVEL_SHAPES}; found an object with {found}")


def _collection_items(collection: dict[str, object]) -> list[object]:
    if "items" in collection:  # not W3C, but some tools inline the items in the collection
        return list(_page_items(collection, "the collection"))
    first = collection.get("first")
    if first is None:
        return []  # an empty collection has no first page
    if not isinstance(first, dict):
        raise _Malformed(
            f"the collection's first page is not in the file (first is {_shown(first)}); "
            "export it with its pages included"
        )
    return list(_page_items(first, "page 1"))


def _page_items(page: dict[str, object], where: str) -> Iterator[object]:
    number = 1
    while True:
        items = page.get("items")
        if not isinstance(items, list):
            raise _Malformed(f'{where}: "items" should be an array, found {_json_kind(items)}')
        yield from items
        following = page.get("next")
        if following is None:
            return
        number += 1
        where = f"page {number}"
        if not isinstance(following, dict):
            raise _Malformed(
                f"{where} is not in the file (next is {_shown(following)}); "
                "only part of the collection was exported"
            )
        page = following


def _read_annotation(item: object) -> ImportedAnnotation:
    if not isinstance(item, dict):
        raise _Malformed(f"expected an Annotation object, found {_json_kind(item)}")
    types = _types(item)
    if "Annotation" not in types:
        found = ", ".join(sorted(types)) or "no type"
        raise _Unfit(f"not an Annotation ({found})")
    annotation_id = _read_id(item)
    created = _read_time(item, "created")
    modified = _read_time(item, "modified") or created  # without it, creation is the last change
    note = _read_note(item)
    source, doc_key, selectors, target_name = _read_target(item.get("target"))
    hints = _read_hints(item.get("aiwatch"))
    quote_selector = _first_selector(selectors, "TextQuoteSelector")
    if quote_selector is None:
        if selectors:
            raise _Unfit("target has no TextQuoteSelector")
        if not note:
            raise _Unfit("nothing aiwatch can keep: no TextQuoteSelector and no note")
        return ImportedDocumentNote(
            id=annotation_id,
            doc_key=doc_key,
            source=source,
            note=note,
            created=created,
            modified=modified,
            title=_hint_text(hints, "title"),
            content_hash=_hint_text(hints, "content_hash"),
        )
    exact, prefix, suffix = _read_quote(target_name, *quote_selector)
    start, end = _read_position(target_name, selectors)
    return ImportedHighlight(
        id=annotation_id,
        doc_key=doc_key,
        source=source,
        exact=exact,
        prefix=prefix,
        suffix=suffix,
        start=start,
        end=end,
        color=_read_color(hints),
        note=note,
        created=created,
        modified=modified,
        status=_read_status(hints),
        title=_hint_text(hints, "title"),
        content_hash=_hint_text(hints, "content_hash"),
    )


def _read_id(item: dict[str, object]) -> str:
    raw = item.get("id", item.get("@id"))
    if raw is None:
        raise _Malformed('has no "id"')
    if not isinstance(raw, str) or not raw.strip():
        raise _Malformed(f'"id" should be a non-empty string, found {_shown(raw)}')
    bare = raw[len("urn:uuid:") :] if raw[:9].lower() == "urn:uuid:" else raw
    if _UUID_TEXT.fullmatch(bare):
        return bare.lower()
    return foreign_id(raw)


def _read_time(item: dict[str, object], name: str) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Malformed(f'"{name}" should be an ISO 8601 date-time string, found {_shown(value)}')
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:  # a time without a zone is taken as UTC
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _Malformed(f'"{name}" is not an ISO 8601 date-time: {_shown(value)}') from None
    # One form for every time so the store can compare `modified` as text.
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _read_note(item: dict[str, object]) -> str:
    if "bodyValue" in item:
        value = item["bodyValue"]
        if not isinstance(value, str):
            raise _Malformed(f'"bodyValue" should be a string, found {_json_kind(value)}')
        return value
    body = item.get("body")
    if body is None:
        return ""
    bodies = body if isinstance(body, list) else [body]
    texts: list[str] = []
    tags: list[str] = []
    for number, one in enumerate(bodies, start=1):
        where = "body" if len(bodies) == 1 else f"body {number}"
        text, is_tag = _read_body(one, where)
        if text:
            (tags if is_tag else texts).append(text)
    if tags:  # other tools' tags are kept as a line of the note rather than lost
        texts.append("Tags: " + ", ".join(tags))
    return "\n\n".join(texts)


def _read_body(body: object, where: str) -> tuple[str, bool]:
    """(text, is it a tag) of one body; a body that is a link to a resource has no text."""
    if isinstance(body, str):
        return body, False
    if not isinstance(body, dict):
        raise _Malformed(f"{where} should be an object or a string, found {_json_kind(body)}")
    value = body.get("value")
    if value is None:
        return "", False
    if not isinstance(value, str):
        raise _Malformed(f'{where}: "value" should be a string, found {_json_kind(value)}')
    return value, body.get("purpose") == "tagging"


def _read_target(target: object) -> tuple[str, str, list[dict[str, object]], str]:
    """(source URI, document key, selectors, where) of the first target aiwatch can open."""
    if target is None:
        raise _Malformed('has no "target"')
    targets = target if isinstance(target, list) else [target]
    if not targets:
        raise _Malformed('"target" is an empty array')
    sources: list[str] = []
    for number, one in enumerate(targets, start=1):
        where = "target" if len(targets) == 1 else f"target {number}"
        source, selectors = _read_one_target(one, where)
        sources.append(source)
        doc_key = key_from_source(source)
        if doc_key is not None:
            return source, doc_key, selectors, where
    raise _Unfit(f"source {_shown(sources[0])} is not a file or bundled article aiwatch can open")


def _read_one_target(target: object, where: str) -> tuple[str, list[dict[str, object]]]:
    if isinstance(target, str):
        return target, []  # the whole resource, named by its IRI
    if not isinstance(target, dict):
        raise _Malformed(f"{where} should be an object or a URI string, found {_json_kind(target)}")
    source = target.get("source", target.get("id"))
    if source is None:
        raise _Malformed(f'{where} has no "source"')
    if not isinstance(source, str):
        raise _Malformed(f'{where}: "source" should be a URI string, found {_shown(source)}')
    return source, _read_selectors(target.get("selector"), where)


def _read_selectors(selector: object, where: str) -> list[dict[str, object]]:
    if selector is None:
        return []
    listed = selector if isinstance(selector, list) else [selector]
    selectors: list[dict[str, object]] = []
    for number, one in enumerate(listed, start=1):
        if not isinstance(one, dict):
            raise _Malformed(
                f"{where}: selector {number} should be an object, found {_json_kind(one)}"
            )
        selectors.append(one)  # refinedBy and other members are ignored, not rejected
    return selectors


def _first_selector(
    selectors: list[dict[str, object]], kind: str
) -> tuple[int, dict[str, object]] | None:
    """(its number counting from 1, the selector) of the first selector of this kind."""
    return next(
        ((number, s) for number, s in enumerate(selectors, start=1) if kind in _types(s)), None
    )


def _read_quote(target: str, number: int, selector: dict[str, object]) -> tuple[str, str, str]:
    where = f"{target}: selector {number} (TextQuoteSelector)"
    exact = selector.get("exact")
    if not isinstance(exact, str) or not exact:
        raise _Malformed(f'{where}: "exact" should be a non-empty string, found {_shown(exact)}')
    context: list[str] = []
    for name in ("prefix", "suffix"):
        value = selector.get(name, "")
        if not isinstance(value, str):
            raise _Malformed(f'{where}: "{name}" should be a string, found {_shown(value)}')
        context.append(value)
    return exact, context[0], context[1]


def _read_position(
    target: str, selectors: list[dict[str, object]]
) -> tuple[int | None, int | None]:
    found = _first_selector(selectors, "TextPositionSelector")
    if found is None:
        return None, None
    number, selector = found
    where = f"{target}: selector {number} (TextPositionSelector)"
    offsets: list[int] = []
    for name in ("start", "end"):
        value = selector.get(name)
        # bool is an int subclass in Python, but `true` is not a position.
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _Malformed(
                f'{where}: "{name}" should be a non-negative integer, found {_shown(value)}'
            )
        offsets.append(value)
    start, end = offsets
    if end < start:
        raise _Malformed(f"{where}: end {end} is before start {start}")
    return start, end


def _read_hints(hints: object) -> dict[str, object]:
    if hints is None:
        return {}
    if not isinstance(hints, dict):
        raise _Malformed(f'"aiwatch" should be an object, found {_json_kind(hints)}')
    for name in ("color", "status", "title", "content_hash"):
        value = hints.get(name)
        if value is not None and not isinstance(value, str):
            raise _Malformed(f'"aiwatch": "{name}" should be a string, found {_shown(value)}')
    return hints


def _hint_text(hints: dict[str, object], name: str) -> str:
    value = hints.get(name)
    return value if isinstance(value, str) else ""


def _read_color(hints: dict[str, object]) -> str:
    color = _hint_text(hints, "color")
    return color if color in HIGHLIGHT_COLORS else DEFAULT_COLOR


def _read_status(hints: dict[str, object]) -> AnchorStatus | None:
    try:
        return AnchorStatus(_hint_text(hints, "status"))
    except ValueError:  # another version's status, or none: anchoring decides afresh
        return None
