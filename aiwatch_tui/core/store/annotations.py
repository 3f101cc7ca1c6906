"""Highlights, document notes, drafts and tags: their rows, and merging imported ones."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

from aiwatch_tui.core.model import AnchorStatus, DocumentNote, Highlight, utc_now
from aiwatch_tui.core.store.database import Database
from aiwatch_tui.core.uris import document_note_id

_HIGHLIGHT_COLUMNS = (
    "id, doc_key, doc_hash, start_offset, end_offset, exact, prefix, suffix,"
    " color, note, created, modified, status"
)
_SELECT_HIGHLIGHTS = f"SELECT {_HIGHLIGHT_COLUMNS} FROM highlights"
_ORDER_HIGHLIGHTS = " ORDER BY doc_key, start_offset, end_offset, id"
_INSERT_HIGHLIGHT = f"INSERT INTO highlights ({_HIGHLIGHT_COLUMNS}) VALUES ({', '.join('?' * 13)})"
_REPLACE_HIGHLIGHT = _INSERT_HIGHLIGHT.replace("INSERT", "INSERT OR REPLACE", 1)

_ANNOTATION_COUNTS = """
    SELECT doc_key, SUM(highlight_count), SUM(note_count) FROM (
        SELECT doc_key, COUNT(*) AS highlight_count, SUM(note <> '') AS note_count
            FROM highlights {where} GROUP BY doc_key
        UNION ALL
        SELECT doc_key, 0, 1 FROM document_notes {where}
    ) GROUP BY doc_key
"""
# Up to this many documents' counts are looked up by key (a first screen) rather than all.
_COUNTED_BY_KEY = 500


class MergeResult(NamedTuple):
    added: int
    updated: int
    unchanged: int
    # Kept as they were, but placed in a document at last: an orphan whose document has
    # become readable (added to the library) gets the imported anchor; its note stays.
    reanchored: int = 0


class AnnotationsMerge(NamedTuple):
    """What one merge_annotations() transaction did."""

    highlights: MergeResult
    notes: MergeResult


def _is_newer(candidate: str, current: str) -> bool:
    # Imported highlights may spell times differently ("+00:00", no milliseconds): compare
    # instants when both parse, else fall back to comparing the strings.
    try:
        return datetime.fromisoformat(candidate) > datetime.fromisoformat(current)
    except (TypeError, ValueError):  # TypeError: one time has a zone, the other has none
        return candidate > current


def _anchor_status(value: str) -> AnchorStatus:
    try:
        return AnchorStatus(value)
    except ValueError:
        return AnchorStatus.ANCHORED  # unknown (newer) status: re-anchoring will decide again


def _highlight_from_row(row: Sequence[Any]) -> Highlight:
    return Highlight(
        id=row[0],
        doc_key=row[1],
        doc_hash=row[2],
        start=row[3],
        end=row[4],
        exact=row[5],
        prefix=row[6],
        suffix=row[7],
        color=row[8],
        note=row[9],
        created=row[10],
        modified=row[11],
        status=_anchor_status(row[12]),
    )


def _highlight_params(h: Highlight) -> tuple[object, ...]:
    return (
        h.id,
        h.doc_key,
        h.doc_hash,
        h.start,
        h.end,
        h.exact,
        h.prefix,
        h.suffix,
        h.color,
        h.note,
        h.created,
        h.modified,
        str(h.status),
    )


def _replace_tags(conn: sqlite3.Connection, annotation_id: str, tags: Sequence[str]) -> None:
    conn.execute("DELETE FROM annotation_tags WHERE annotation_id = ?", (annotation_id,))
    conn.executemany(
        "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag) VALUES (?, ?)",
        [(annotation_id, tag) for tag in tags],
    )


def _add_tags(conn: sqlite3.Connection, annotation_id: str, tags: Sequence[str]) -> bool:
    """Add the tags not yet there; True when any was."""
    added = False
    for tag in tags:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag) VALUES (?, ?)",
            (annotation_id, tag),
        )
        added = added or cursor.rowcount > 0
    return added


_ANCHOR_UPDATE = (
    "UPDATE highlights SET doc_key = ?, doc_hash = ?, start_offset = ?, end_offset = ?,"
    " exact = ?, prefix = ?, suffix = ?, status = ? WHERE id = ?"
)


def _merge_highlight_rows(
    conn: sqlite3.Connection,
    hs: Sequence[Highlight],
    tags: Mapping[str, Sequence[str]],
) -> MergeResult:
    added = updated = unchanged = reanchored = 0
    for h in hs:
        row = conn.execute(
            "SELECT modified, status FROM highlights WHERE id = ?", (h.id,)
        ).fetchone()
        h_tags = tags.get(h.id, ())
        if row is None:
            if not h.modified:
                # Undated in the file: dated by the import. An undated copy is never newer
                # than what is stored, so importing it again changes nothing.
                now = utc_now()
                h = replace(h, created=h.created or now, modified=now)
            conn.execute(_INSERT_HIGHLIGHT, _highlight_params(h))
            _replace_tags(conn, h.id, h_tags)
            added += 1
        elif _is_newer(h.modified, str(row[0])):
            conn.execute(_REPLACE_HIGHLIGHT, _highlight_params(h))
            _replace_tags(conn, h.id, h_tags)
            updated += 1
        elif row[1] == AnchorStatus.ORPHANED and h.status is not AnchorStatus.ORPHANED:
            # The same annotation, unedited since or edited here: what was edited here (note,
            # colour) stays, and it takes the place the import found for it.
            conn.execute(
                _ANCHOR_UPDATE,
                (h.doc_key, h.doc_hash, h.start, h.end, h.exact, h.prefix, h.suffix)
                + (str(h.status), h.id),
            )
            _add_tags(conn, h.id, h_tags)
            reanchored += 1
        elif _add_tags(conn, h.id, h_tags):
            updated += 1  # tags are never removed by an older copy, only added
        else:
            unchanged += 1
    return MergeResult(added, updated, unchanged, reanchored)


def _note_id(note: DocumentNote) -> str:
    return note.id or document_note_id(note.doc_key)


def _merge_note_rows(
    conn: sqlite3.Connection,
    notes: Sequence[DocumentNote],
    tags: Mapping[str, Sequence[str]],
    readable_keys: Collection[str],
) -> MergeResult:
    added = updated = unchanged = reanchored = 0
    for note in notes:
        note_id = _note_id(note)
        note_tags = tags.get(note_id, ())
        row = conn.execute(
            "SELECT text, modified, doc_key FROM document_notes WHERE id = ?", (note_id,)
        ).fetchone()
        if not note.text.strip() and not note_tags:
            unchanged += 1
            continue
        modified = note.modified or utc_now()
        if row is None:
            conn.execute(
                "INSERT INTO document_notes (id, doc_key, text, created, modified)"
                " VALUES (?, ?, ?, ?, ?)",
                (note_id, note.doc_key, note.text, note.created or modified, modified),
            )
            _replace_tags(conn, note_id, note_tags)
            added += 1
        elif str(row[0]) != note.text and _is_newer(note.modified, str(row[1])):
            conn.execute(
                "UPDATE document_notes SET doc_key = ?, text = ?, modified = ? WHERE id = ?",
                (note.doc_key, note.text, modified, note_id),
            )
            _replace_tags(conn, note_id, note_tags)
            updated += 1
        elif str(row[2]) != note.doc_key and note.doc_key in readable_keys:
            # Kept under the name the file gave; its document is now in the library.
            conn.execute(
                "UPDATE document_notes SET doc_key = ? WHERE id = ?", (note.doc_key, note_id)
            )
            _add_tags(conn, note_id, note_tags)
            reanchored += 1
        elif _add_tags(conn, note_id, note_tags):
            updated += 1
        else:
            unchanged += 1  # the same text, or the note here was changed more recently
    return MergeResult(added, updated, unchanged, reanchored)


class AnnotationTables(Database):
    """Highlights, document notes, drafts and tags."""

    def add_highlight(self, h: Highlight) -> None:
        """Insert a new highlight; ValueError if its id is already taken."""
        with self._write() as conn:
            conn.execute(_INSERT_HIGHLIGHT, _highlight_params(h))

    def update_highlight(self, h: Highlight) -> None:
        """Replace every field of the row with h.id; re-creates the row if another process deleted
        it meanwhile, so an edited note is never silently dropped."""
        with self._write() as conn:
            conn.execute(_REPLACE_HIGHLIGHT, _highlight_params(h))

    def delete_highlight(self, highlight_id: str) -> Highlight | None:
        with self._write() as conn:
            row = conn.execute(f"{_SELECT_HIGHLIGHTS} WHERE id = ?", (highlight_id,)).fetchone()
            conn.execute("DELETE FROM highlights WHERE id = ?", (highlight_id,))
        return _highlight_from_row(row) if row is not None else None

    def highlight(self, highlight_id: str) -> Highlight | None:
        rows = self._read(f"{_SELECT_HIGHLIGHTS} WHERE id = ?", (highlight_id,))
        return _highlight_from_row(rows[0]) if rows else None

    def highlights(self, doc_key: str | None = None) -> list[Highlight]:
        """Ordered by doc_key, then start offset."""
        if doc_key is None:
            rows = self._read(_SELECT_HIGHLIGHTS + _ORDER_HIGHLIGHTS)
        else:
            rows = self._read(
                f"{_SELECT_HIGHLIGHTS} WHERE doc_key = ?{_ORDER_HIGHLIGHTS}", (doc_key,)
            )
        return [_highlight_from_row(row) for row in rows]

    def annotations_version(self) -> tuple[object, ...]:
        """A value that differs whenever a highlight or document note is added, removed or
        edited (by this process or another), read in milliseconds: for caches of them."""
        rows = self._read(
            "SELECT count(*), max(modified), total(length(exact) + length(note) + start_offset)"
            " FROM highlights UNION ALL"
            " SELECT count(*), max(modified), total(length(text)) FROM document_notes"
        )
        return tuple(value for row in rows for value in row)

    def annotation_counts(self, keys: Sequence[str] | None = None) -> dict[str, tuple[int, int]]:
        """doc_key -> (highlights, notes), notes counting highlight notes and document notes;
        of every document, or (in time that does not grow with the rest) of `keys` only."""
        if keys is not None and len(keys) <= _COUNTED_BY_KEY:
            where = f"WHERE doc_key IN ({', '.join('?' * len(keys))})"
            rows = self._read(_ANNOTATION_COUNTS.format(where=where), [*keys, *keys])
        else:
            rows = self._read(_ANNOTATION_COUNTS.format(where=""))
        return {key: (int(h), int(n)) for key, h, n in rows}

    def document_note(self, doc_key: str, note_id: str = "") -> str:
        """The text of a document's note: its own (the one `A` edits), or the one `note_id`."""
        rows = self._read(
            "SELECT text FROM document_notes WHERE id = ?", (note_id or document_note_id(doc_key),)
        )
        return str(rows[0][0]) if rows else ""

    def set_document_note(self, doc_key: str, text: str, note_id: str = "") -> None:
        """Save a document's own note (or the note `note_id`); an empty (or blank) text
        deletes it. Its creation time is kept across edits."""
        note_id = note_id or document_note_id(doc_key)
        with self._write() as conn:
            if text.strip():
                now = utc_now()
                conn.execute(
                    "INSERT INTO document_notes (id, doc_key, text, created, modified)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE"
                    " SET text = excluded.text, modified = excluded.modified",
                    (note_id, doc_key, text, now, now),
                )
            else:
                conn.execute("DELETE FROM document_notes WHERE id = ?", (note_id,))

    def save_draft(self, target: str, text: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO drafts (target, text, saved) VALUES (?, ?, ?)",
                (target, text, utc_now()),
            )

    def draft(self, target: str) -> str | None:
        rows = self._read("SELECT text FROM drafts WHERE target = ?", (target,))
        return str(rows[0][0]) if rows else None

    def drafts(self) -> dict[str, str]:
        """Every unsaved draft by target (e.g. to offer them back after a crash)."""
        return {str(t): str(x) for t, x in self._read("SELECT target, text FROM drafts")}

    def discard_draft(self, target: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM drafts WHERE target = ?", (target,))

    # -- merging imported annotations ---------------------------------------------------------

    def merge_highlights(self, hs: Sequence[Highlight]) -> MergeResult:
        """Merge by id in one transaction: new ids are added, a newer `modified` wins."""
        with self._write() as conn:
            return _merge_highlight_rows(conn, hs, {})

    def merge_annotations(
        self,
        highlights: Sequence[Highlight],
        notes: Sequence[DocumentNote] = (),
        tags: Mapping[str, Sequence[str]] | None = None,
        readable_keys: Collection[str] = (),
    ) -> AnnotationsMerge:
        """An import, in one transaction, everything merged by annotation id: a new id is
        added, a newer `modified` wins (with its tags), and an identical or older copy leaves
        what is here, with two exceptions. An orphan here that the import could place takes
        that place (its note and colour stay); a note kept under another document key moves
        to its key in `readable_keys` (documents the import could read). Tags (by annotation
        id) are only ever added by an older copy. All of it is written, or none."""
        with self._write() as conn:
            merged_highlights = _merge_highlight_rows(conn, highlights, tags or {})
            merged_notes = _merge_note_rows(conn, notes, tags or {}, frozenset(readable_keys))
        return AnnotationsMerge(merged_highlights, merged_notes)

    def document_notes(self) -> list[DocumentNote]:
        """Every note of a whole document, by document key, then by creation."""
        rows = self._read(
            "SELECT doc_key, text, modified, id, created FROM document_notes"
            " ORDER BY doc_key, created, id"
        )
        return [DocumentNote(*(str(value) for value in row)) for row in rows]

    def tags(self) -> dict[str, tuple[str, ...]]:
        """The tags of each tagged annotation (highlight or document note), by its id."""
        tags: dict[str, list[str]] = {}
        for annotation_id, tag in self._read(
            "SELECT annotation_id, tag FROM annotation_tags ORDER BY annotation_id, tag"
        ):
            tags.setdefault(str(annotation_id), []).append(str(tag))
        return {key: tuple(values) for key, values in tags.items()}
