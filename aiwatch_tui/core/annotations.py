"""Making, changing and undoing highlights and notes: every step is one committed store write.

The undo history lives only for the session (as in an editor), but nothing is ever held
only in memory: each change, and each undo or redo of it, is written to the store
before the method returns.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple

from aiwatch_tui.core.model import DEFAULT_COLOR, AnchorStatus, Document, Highlight, utc_now
from aiwatch_tui.core.store import Store

# How many steps `u` can go back.
HISTORY_LIMIT = 200


class ChangeKind(StrEnum):
    CREATE = "create"
    RECOLOR = "recolor"
    NOTE = "note"
    DELETE = "delete"
    REATTACH = "reattach"
    DOCUMENT_NOTE = "document note"


class Change(NamedTuple):
    """One user change: what the highlight (or document note) was before and after."""

    kind: ChangeKind
    before: Highlight | None = None
    after: Highlight | None = None
    doc_key: str = ""  # for document notes
    text_before: str = ""
    text_after: str = ""
    note_id: str = ""  # which of the document's notes: "" for its own

    @property
    def highlight(self) -> Highlight | None:
        return self.after or self.before

    @property
    def doc(self) -> str:
        """The key of the document the change was made in."""
        highlight = self.highlight
        return highlight.doc_key if highlight is not None else self.doc_key


def describe_change(change: Change) -> str:
    """What a change did, as a user would say it ("Highlight deleted")."""
    kind = change.kind
    if kind is ChangeKind.DOCUMENT_NOTE:
        return "Document note " + ("saved" if change.text_after.strip() else "deleted")
    if kind is ChangeKind.NOTE:
        return "Note " + ("saved" if change.after is not None and change.after.note else "deleted")
    if kind is ChangeKind.RECOLOR and change.after is not None:
        return f"Recoloured {change.after.color}"
    return {
        ChangeKind.CREATE: "Highlight made",
        ChangeKind.DELETE: "Highlight deleted",
        ChangeKind.REATTACH: "Highlight re-attached",
    }.get(kind, "Highlight changed")


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding white space and widened to whole words.

    A keyboard selection ends on the caret's character (as in vim), so `v w w` reaches the
    first letter of the third word; a highlight of half a word is never what a reader means.
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return start, end
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    return start, end


def reanchored(document: Document, highlights: Iterable[Highlight]) -> list[Highlight]:
    """The highlights placed in the document's current text: one made on (or already
    re-anchored to) this very text as it is, the others found again. Nothing is saved."""
    result: list[Highlight] = []
    for highlight in highlights:
        if highlight.doc_hash == document.content_hash:
            # Made on (or already re-anchored to) this very text: nothing to find.
            result.append(highlight)
            continue
        # rapidfuzz is imported on first need, not at start-up.
        from aiwatch_tui.core.anchoring import reanchor_highlight

        result.append(reanchor_highlight(document.text, document.content_hash, highlight))
    return result


class Annotations:
    """The user's highlights and notes, through the store, with a session undo history."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._undo: list[Change] = []
        self._redo: list[Change] = []

    # -- reading --------------------------------------------------------------------------

    def for_document(self, document: Document) -> list[Highlight]:
        """The document's highlights, re-anchored to its current text; new anchors are saved."""
        highlights = self.store.highlights(document.key)
        result = reanchored(document, highlights)
        if not self.store.read_only:
            for highlight, anchored in zip(highlights, result, strict=True):
                if anchored is not highlight:
                    self.store.update_highlight(anchored)
        return result

    # -- changes --------------------------------------------------------------------------

    def create(
        self, document: Document, start: int, end: int, color: str = DEFAULT_COLOR, note: str = ""
    ) -> Highlight | None:
        """Highlight [start, end) of the document; None when the span holds only white space."""
        start, end = trim_span(document.text, start, end)
        if start >= end:
            return None
        from aiwatch_tui.core.anchoring import make_quote

        exact, prefix, suffix = make_quote(document.text, start, end)
        now = utc_now()
        highlight = Highlight(
            id=str(uuid.uuid4()),
            doc_key=document.key,
            doc_hash=document.content_hash,
            start=start,
            end=end,
            exact=exact,
            prefix=prefix,
            suffix=suffix,
            color=color,
            note=note,
            created=now,
            modified=now,
        )
        self.store.add_highlight(highlight)
        self._record(Change(ChangeKind.CREATE, None, highlight))
        return highlight

    # Each change below returns what it did (for the user to be told, and `u` to undo),
    # or None when there was nothing to change.

    def recolor(self, highlight: Highlight, color: str) -> Change | None:
        return self._update(ChangeKind.RECOLOR, highlight, color=color)

    def set_note(self, highlight: Highlight, note: str) -> Change | None:
        """Set the highlight's note; a blank one deletes it."""
        return self._update(ChangeKind.NOTE, highlight, note=note if note.strip() else "")

    def reattach(
        self, highlight: Highlight, document: Document, start: int, end: int
    ) -> Change | None:
        """Attach an (orphaned) highlight to a new passage; its note and colour stay."""
        from aiwatch_tui.core.anchoring import make_quote

        start, end = trim_span(document.text, start, end)
        exact, prefix, suffix = make_quote(document.text, start, end)
        return self._update(
            ChangeKind.REATTACH,
            highlight,
            doc_key=document.key,
            doc_hash=document.content_hash,
            start=start,
            end=end,
            exact=exact,
            prefix=prefix,
            suffix=suffix,
            status=AnchorStatus.ANCHORED,
        )

    def delete(self, highlight: Highlight) -> Change | None:
        """Delete the highlight (None if it was already gone, say deleted by another aiwatch)."""
        deleted = self.store.delete_highlight(highlight.id)
        if deleted is None:
            return None
        return self._record(Change(ChangeKind.DELETE, deleted, None))

    def set_document_note(self, doc_key: str, text: str, note_id: str = "") -> Change | None:
        """Set the note of a whole document: its own (the one `A` edits), or the one
        `note_id` (imported from another tool); a blank one deletes it."""
        before = self.store.document_note(doc_key, note_id)
        text = text if text.strip() else ""
        if before == text:
            return None
        self.store.set_document_note(doc_key, text, note_id)
        return self._record(
            Change(
                ChangeKind.DOCUMENT_NOTE,
                doc_key=doc_key,
                text_before=before,
                text_after=text,
                note_id=note_id,
            )
        )

    def _update(self, kind: ChangeKind, highlight: Highlight, **fields: object) -> Change | None:
        # As stored now: another aiwatch may have changed it since it was shown.
        current = self.store.highlight(highlight.id) or highlight
        changed = dataclasses.replace(current, **fields)  # type: ignore[arg-type]
        if changed == current:
            return None
        changed = dataclasses.replace(changed, modified=utc_now())
        self.store.update_highlight(changed)
        return self._record(Change(kind, current, changed))

    def _record(self, change: Change) -> Change:
        self._undo.append(change)
        del self._undo[:-HISTORY_LIMIT]
        self._redo.clear()
        return change

    # -- undo -----------------------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> Change | None:
        """Reverse the last change; returns it (None when there is nothing to undo)."""
        if not self._undo:
            return None
        change = self._undo.pop()
        self._apply(change, backwards=True)
        self._redo.append(change)
        return change

    def redo(self) -> Change | None:
        if not self._redo:
            return None
        change = self._redo.pop()
        self._apply(change, backwards=False)
        self._undo.append(change)
        return change

    def _apply(self, change: Change, *, backwards: bool) -> None:
        if change.kind is ChangeKind.DOCUMENT_NOTE:
            text = change.text_before if backwards else change.text_after
            self.store.set_document_note(change.doc_key, text, change.note_id)
            return
        target = change.before if backwards else change.after
        other = change.after if backwards else change.before
        if target is None and other is not None:
            self.store.delete_highlight(other.id)
        elif target is not None:
            # update_highlight writes the whole row (and re-creates a deleted one).
            self.store.update_highlight(target)
