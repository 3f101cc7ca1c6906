"""What the writers share: the documents annotations are on, and annotations grouped by
document in a fixed order (so the same annotations always export to the same bytes)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from types import MappingProxyType

from aiwatch_tui.core.model import DocumentInfo, DocumentNote, Highlight
from aiwatch_tui.core.uris import document_note_id

NO_NOTES: Sequence[DocumentNote] = ()
NO_TAGS: Mapping[str, Sequence[str]] = MappingProxyType({})


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
class DocumentGroup:
    document: ExportDocument
    notes: tuple[DocumentNote, ...]  # each with its id, in creation order
    highlights: tuple[Highlight, ...]


def highlight_order(h: Highlight) -> tuple[str, int, int, str]:
    return (h.doc_key, h.start, h.end, h.id)


def note_id(note: DocumentNote) -> str:
    return note.id or document_note_id(note.doc_key)


def note_order(note: DocumentNote) -> tuple[str, str, str]:
    return (note.doc_key, note.created or note.modified, note_id(note))


def document_for(key: str, documents: Mapping[str, ExportDocument]) -> ExportDocument:
    known = documents.get(key)
    if known is not None:
        return known
    # A highlight can outlive its document (file removed), or be on a document aiwatch never
    # read (a web page): it is still exported, named by its file name or its address.
    name = key if ":" in key.split("/", 1)[0] else PurePath(key).name
    return ExportDocument(key=key, title=name or key, content_hash="")


def group_by_document(
    highlights: Iterable[Highlight],
    documents: Mapping[str, ExportDocument],
    document_notes: Iterable[DocumentNote],
    tags: Mapping[str, Sequence[str]],
) -> list[DocumentGroup]:
    by_key: dict[str, list[Highlight]] = {}
    for h in sorted(highlights, key=highlight_order):
        by_key.setdefault(h.doc_key, []).append(h)
    notes_by_key: dict[str, list[DocumentNote]] = {}
    for note in sorted(document_notes, key=note_order):
        if note.text.strip() or tags.get(note_id(note)):
            notes_by_key.setdefault(note.doc_key, []).append(note)
    return [
        DocumentGroup(
            document=document_for(key, documents),
            notes=tuple(notes_by_key.get(key, ())),
            highlights=tuple(by_key.get(key, ())),
        )
        for key in sorted(set(by_key) | set(notes_by_key))
    ]
