"""W3C Web Annotation JSON-LD, written: an `AnnotationCollection` whose embedded first
`AnnotationPage` holds one `Annotation` per highlight and per document note (each item repeats
`@context`, so any one of them cut out of the file is a complete annotation). The output is
deterministic, so export -> import -> export gives the same bytes. (w3c_read.py reads it.)"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from aiwatch_tui import __version__
from aiwatch_tui.core.interchange.grouping import (
    NO_NOTES,
    NO_TAGS,
    ExportDocument,
    group_by_document,
    note_id,
)
from aiwatch_tui.core.model import DocumentNote, Highlight
from aiwatch_tui.core.uris import source_uri

ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# The tool that wrote an export (W3C `generator`). Who made each annotation (`creator`) is a
# person: aiwatch has no accounts, and a name from the system would leak into shared files,
# so the person is left anonymous.
GENERATOR: Mapping[str, str] = MappingProxyType(
    {"type": "Software", "name": f"aiwatch {__version__}"}
)
CREATOR: Mapping[str, str] = MappingProxyType({"type": "Person"})

# json.dumps(ensure_ascii=False) escapes C0 controls but writes DEL, C1 controls (0x9b is CSI on
# some terminals), lone surrogates (unencodable as UTF-8), line/paragraph separators, and
# bidi and invisible characters raw. Each of those is written as a \u escape, which reads back
# the same: the file keeps the exact text, and shown in a terminal or an editor it reads as it
# is stored (Trojan Source). ZWJ/ZWNJ are escaped too, emoji sequences included: a JSON
# reader joins them again, and a terminal showing the file never draws hidden joins.
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\ufff9-\ufffb\ud800-\udfff\U000e0001\U000e0020-\U000e007f]"
)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # outside the BMP: JSON spells it as a UTF-16 surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _bodies(note: str, tags: Sequence[str]) -> dict[str, object] | list[dict[str, object]]:
    """The W3C body of a note and its tags: one TextualBody, or a list with tagging ones."""
    comment: dict[str, object] = {"type": "TextualBody", "value": note, "format": "text/markdown"}
    if not tags:
        return comment
    bodies = [{**comment, "purpose": "commenting"}] if note else []
    bodies += [{"type": "TextualBody", "value": tag, "purpose": "tagging"} for tag in tags]
    return bodies


def _provenance(annotation: dict[str, object], created: str, modified: str) -> None:
    if created:
        annotation["created"] = created
    if modified:
        annotation["modified"] = modified
    annotation["creator"] = dict(CREATOR)
    annotation["generator"] = dict(GENERATOR)


def _highlight_annotation(
    h: Highlight, document: ExportDocument, tags: Sequence[str]
) -> dict[str, object]:
    annotation: dict[str, object] = {
        "@context": ANNOTATION_CONTEXT,
        "id": f"urn:uuid:{h.id}",
        "type": "Annotation",
        "motivation": "commenting" if h.note else "highlighting",
    }
    _provenance(annotation, h.created, h.modified)
    if h.note or tags:
        annotation["body"] = _bodies(h.note, tags)
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


def _document_note_annotation(
    document: ExportDocument, note: DocumentNote, tags: Sequence[str]
) -> dict[str, object]:
    annotation: dict[str, object] = {
        "@context": ANNOTATION_CONTEXT,
        "id": f"urn:uuid:{note_id(note)}",
        "type": "Annotation",
        "motivation": "commenting" if note.text else "tagging",
    }
    _provenance(annotation, note.created or note.modified, note.modified)
    annotation["body"] = _bodies(note.text, tags)
    annotation["target"] = source_uri(document.key)  # the whole document: no selector
    annotation["aiwatch"] = {"title": document.title, "content_hash": document.content_hash}
    return annotation


def to_json(
    highlights: Iterable[Highlight],
    documents: Mapping[str, ExportDocument],
    document_notes: Iterable[DocumentNote] = NO_NOTES,
    tags: Mapping[str, Sequence[str]] = NO_TAGS,
    *,
    generated: str | None = None,
) -> str:
    """W3C Web Annotation JSON-LD: an AnnotationCollection of every highlight and document note.

    Items are ordered by document key, the document's notes first (oldest first), then its
    highlights by position. The collection and its page are named by ids derived from what
    they hold, so the same annotations always export to the same bytes. `generated` (an ISO
    time) is written only when given, so tests and round trips stay exact.
    """
    items: list[dict[str, object]] = []
    for group in group_by_document(highlights, documents, document_notes, tags):
        for note in group.notes:
            note_tags = tags.get(note_id(note), ())
            items.append(_document_note_annotation(group.document, note, note_tags))
        items.extend(
            _highlight_annotation(h, group.document, tags.get(h.id, ())) for h in group.highlights
        )
    digest = hashlib.sha256(json.dumps(items, sort_keys=True).encode("utf-8", "surrogatepass"))
    collection_id = uuid.uuid5(uuid.NAMESPACE_URL, "urn:aiwatch:export:" + digest.hexdigest())
    page_id = uuid.uuid5(collection_id, "page 1")
    collection: dict[str, object] = {
        "@context": ANNOTATION_CONTEXT,
        "id": f"urn:uuid:{collection_id}",
        "type": "AnnotationCollection",
        "label": "aiwatch highlights",
        "total": len(items),
    }
    if generated is not None:
        collection["generated"] = generated
    collection["generator"] = dict(GENERATOR)
    collection["first"] = {
        "id": f"urn:uuid:{page_id}",
        "type": "AnnotationPage",
        "partOf": f"urn:uuid:{collection_id}",
        "startIndex": 0,
        "items": items,
    }
    text = json.dumps(collection, indent=2, ensure_ascii=False)
    return _JSON_UNSAFE.sub(_json_escape, text) + "\n"
