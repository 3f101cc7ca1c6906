"""Markdown for notes apps (Obsidian and the like): a section per document, each highlight a
block quote, written so that nothing from an article or a note can break the page."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath

from aiwatch_tui.core.interchange.grouping import (
    NO_NOTES,
    NO_TAGS,
    DocumentGroup,
    ExportDocument,
    group_by_document,
    note_id,
)
from aiwatch_tui.core.model import AnchorStatus, DocumentNote, Highlight
from aiwatch_tui.core.text.sanitize import HIDDEN_NOTICE, for_export, hidden_character_notices
from aiwatch_tui.core.uris import source_uri

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
    return [_inert_line(line) for line in for_export(text).split("\n")]


def _heading_text(text: str) -> str:
    one_line = " ".join(for_export(text).split())
    # Trailing "#"s would be read as the heading's optional closing sequence and dropped.
    return re.sub(r"#+$", lambda m: "\\" + m.group(), one_line)


def _markdown_quote(exact: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in _inert_lines(exact)]


def _tags_line(tags: Sequence[str]) -> list[str]:
    if not tags:
        return []
    return [
        _inert_line("Tags: " + ", ".join(" ".join(for_export(tag).split()) for tag in tags)),
        "",
    ]


def _markdown_highlight(h: Highlight, tags: Sequence[str]) -> list[str]:
    lines = _markdown_quote(h.exact) + [""]
    if h.note.strip():
        lines += _inert_lines(h.note.strip("\n")) + [""]
    lines += _tags_line(tags)
    color = " ".join(for_export(h.color).split())
    lines += [f"— {color} · {h.status} · characters {h.start}–{h.end}", ""]
    return lines


def _hides_characters(group: DocumentGroup) -> bool:
    texts = [group.document.title, *(note.text for note in group.notes)]
    texts += [text for h in group.highlights for text in (h.exact, h.note)]
    return any(hidden_character_notices(text) for text in texts)


def _markdown_document(group: DocumentGroup, tags: Mapping[str, Sequence[str]]) -> list[str]:
    document = group.document
    title = _heading_text(document.title) or _heading_text(PurePath(document.key).name)
    lines = [f"## {title}", "", f"Source: <{source_uri(document.key)}>", ""]
    if _hides_characters(group):  # flagged as the reader flags such a document
        lines += [f"Note: {HIDDEN_NOTICE}.", ""]
    for note in group.notes:
        if note.text.strip():
            lines += _inert_lines(note.text.strip("\n")) + [""]
        lines += _tags_line(tags.get(note_id(note), ()))
    placed = [h for h in group.highlights if h.status is not AnchorStatus.ORPHANED]
    orphaned = [h for h in group.highlights if h.status is AnchorStatus.ORPHANED]
    for h in placed:
        lines += _markdown_highlight(h, tags.get(h.id, ()))
    if orphaned:
        lines += [
            "### Orphaned highlights",
            "",
            "Not found in the current text of the document; each quote is kept as it was made.",
            "",
        ]
        for h in orphaned:
            lines += _markdown_highlight(h, tags.get(h.id, ()))
    return lines


def to_markdown(
    highlights: Iterable[Highlight],
    documents: Mapping[str, ExportDocument],
    document_notes: Iterable[DocumentNote] = NO_NOTES,
    tags: Mapping[str, Sequence[str]] = NO_TAGS,
    *,
    generated: str | None = None,
) -> str:
    """Markdown for notes apps: a section per document, each highlight a block quote.

    Text from articles and notes keeps its inline Markdown, but a line that would open a
    heading, fence, HTML block or rule is escaped so it cannot break the page's structure.
    Control, bidi and invisible characters are written as the reader shows them (␦ and the
    like), and a document holding any is flagged. Locations are the highlight's code-point
    offsets, as in the JSON's TextPositionSelector.
    """
    lines = ["# aiwatch highlights", ""]
    if generated is not None:
        lines += [f"Exported {_heading_text(generated)}.", ""]
    groups = group_by_document(highlights, documents, document_notes, tags)
    if not groups:
        lines += ["No highlights or notes.", ""]
    for group in groups:
        lines += _markdown_document(group, tags)
    return "\n".join(lines).rstrip("\n") + "\n"
