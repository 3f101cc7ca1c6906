"""Store additions for the library and for imports: schema 2 (library paths), schema 3
(several notes per document, tags), merging by annotation id in one transaction, and the
read-only inspection behind `aiwatch doctor`."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from aiwatch_tui.core.model import AnchorStatus, DocumentNote, Highlight
from aiwatch_tui.core.store import SCHEMA_VERSION, MergeResult, Store, StoreError, schema
from aiwatch_tui.core.store.inspection import inspect_database
from aiwatch_tui.core.uris import document_note_id

T1 = "2025-01-01T00:00:00.000Z"
T2 = "2025-06-01T00:00:00.000Z"


def make_highlight(doc_key: str = "seeds/a.txt", **fields: object) -> Highlight:
    values: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "doc_key": doc_key,
        "doc_hash": "ab" * 32,
        "start": 10,
        "end": 15,
        "exact": "quote",
        "prefix": "before ",
        "suffix": " after",
        "created": T1,
        "modified": T1,
    }
    values.update(fields)
    return Highlight(**values)  # type: ignore[arg-type]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "aiwatch.db"


def make_version_1(path: Path) -> None:
    """A database as aiwatch 1 left it: schema 1 and one highlight."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(path)
    for statement in schema.MIGRATIONS[1]:
        raw.execute(statement)
    raw.execute("PRAGMA user_version = 1")
    raw.execute(
        "INSERT INTO highlights VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ("old-id", "seeds/a.txt", "h", 1, 4, "abc", "", "", "yellow", "kept", T1, T1, "anchored"),
    )
    raw.commit()
    raw.close()


def test_schema_version_is_four_with_a_library_and_feeds(db_path: Path) -> None:
    assert SCHEMA_VERSION == 4
    with Store(db_path) as store:
        assert store.schema_version() == 4
        assert store.library_paths() == []
        assert store.document_notes() == [] and store.tags() == {}
        assert store.feeds() == [] and store.articles() == []


def test_library_paths_are_remembered_in_order_once_and_survive_reopening(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.add_library_path("/home/u/b") is True
        assert store.add_library_path("/home/u/a") is True
        assert store.add_library_path("/home/u/b") is False  # already there
    with Store(db_path) as store:
        assert store.library_paths() == ["/home/u/b", "/home/u/a"]
        assert store.remove_library_path("/home/u/b") is True
        assert store.remove_library_path("/home/u/b") is False
        assert store.library_paths() == ["/home/u/a"]


def test_a_version_1_database_is_migrated_and_keeps_its_highlights(db_path: Path) -> None:
    make_version_1(db_path)
    with Store(db_path) as store:
        assert store.schema_version() == 4
        assert [h.note for h in store.highlights()] == ["kept"]
        store.add_library_path("/x")
        assert store.library_paths() == ["/x"]


def test_a_failed_migration_leaves_the_database_at_version_1(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_version_1(db_path)
    broken = {
        **schema.MIGRATIONS,
        2: (schema.MIGRATIONS[2][0], "THIS IS NOT SQL"),
    }
    monkeypatch.setattr(schema, "MIGRATIONS", broken)
    with pytest.raises(StoreError):
        Store(db_path)
    raw = sqlite3.connect(db_path)
    tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "library_paths" not in tables  # the first statement was rolled back too
    raw.close()


def test_a_version_2_document_note_keeps_the_id_its_exports_carried(db_path: Path) -> None:
    make_version_1(db_path)
    raw = sqlite3.connect(db_path)
    for statement in schema.MIGRATIONS[2]:
        raw.execute(statement)
    raw.execute("INSERT INTO document_notes VALUES ('seeds/a.txt', 'old thoughts', ?)", (T1,))
    raw.execute("PRAGMA user_version = 2")
    raw.commit()
    raw.close()
    with Store(db_path) as store:
        assert store.document_notes() == [
            DocumentNote("seeds/a.txt", "old thoughts", T1, document_note_id("seeds/a.txt"), T1)
        ]
        assert store.document_note("seeds/a.txt") == "old thoughts"  # still the one `A` edits


def test_document_notes_lists_every_note(db_path: Path) -> None:
    with Store(db_path) as store:
        store.set_document_note("seeds/a.txt", "first")
        store.set_document_note("/b.md", "second")
        notes = store.document_notes()
        assert [(n.doc_key, n.text) for n in notes] == [
            ("/b.md", "second"),
            ("seeds/a.txt", "first"),
        ]
        assert [n.id for n in notes] == [
            document_note_id("/b.md"),
            document_note_id("seeds/a.txt"),
        ]
        assert all(n.created and n.created == n.modified for n in notes)


def test_editing_a_document_note_keeps_its_creation_time(db_path: Path) -> None:
    with Store(db_path) as store:
        store.set_document_note("k", "first")
        (before,) = store.document_notes()
        store.set_document_note("k", "second")
        (after,) = store.document_notes()
    assert after.text == "second" and after.created == before.created
    assert after.modified >= before.modified


def test_a_document_keeps_several_notes_each_by_its_id(db_path: Path) -> None:
    mine = DocumentNote("seeds/a.txt", "my own note", T1)
    theirs = DocumentNote("seeds/a.txt", "an imported note", T1, "other-id", T1)
    third = DocumentNote("seeds/a.txt", "another imported one", T2, "third-id", T2)
    with Store(db_path) as store:
        result = store.merge_annotations([], [mine, theirs, third])
        assert result.notes == MergeResult(3, 0, 0)
        assert [n.text for n in store.document_notes()] == [
            "my own note",
            "an imported note",
            "another imported one",
        ]
        # `A` edits the document's own note; the others are edited by id.
        store.set_document_note("seeds/a.txt", "my own note, edited")
        store.set_document_note("seeds/a.txt", "theirs, edited", note_id="other-id")
        assert store.document_note("seeds/a.txt") == "my own note, edited"
        assert store.document_note("seeds/a.txt", note_id="other-id") == "theirs, edited"
        assert store.annotation_counts() == {"seeds/a.txt": (0, 3)}


def test_merge_annotations_adds_everything_in_one_go(db_path: Path) -> None:
    h = make_highlight()
    note = DocumentNote("seeds/a.txt", "about a", T1)
    tags = {h.id: ("chips", "policy"), document_note_id("seeds/a.txt"): ("summary",)}
    with Store(db_path) as store:
        result = store.merge_annotations([h], [note], tags)
        assert result.highlights == MergeResult(1, 0, 0)
        assert result.notes == MergeResult(1, 0, 0)
        assert store.highlight(h.id) == h
        assert store.document_note("seeds/a.txt") == "about a"
        assert store.tags() == tags
        again = store.merge_annotations([h], [note], tags)
        assert again.highlights == MergeResult(0, 0, 1)
        assert again.notes == MergeResult(0, 0, 1)


def test_tags_follow_the_newer_copy_and_are_only_added_by_an_older_one(db_path: Path) -> None:
    h = make_highlight()
    with Store(db_path) as store:
        store.merge_annotations([h], [], {h.id: ("a", "b")})
        store.merge_annotations([h], [], {h.id: ("c",)})  # the same age: tags are added
        assert store.tags() == {h.id: ("a", "b", "c")}
        newer = make_highlight(id=h.id, modified=T2)
        assert store.merge_annotations([newer], [], {h.id: ("d",)}).highlights.updated == 1
        assert store.tags() == {h.id: ("d",)}


def test_an_orphan_takes_the_place_an_import_found_and_keeps_its_note(db_path: Path) -> None:
    orphan = make_highlight("/given/link.txt", status=AnchorStatus.ORPHANED, doc_hash="")
    with Store(db_path) as store:
        store.add_highlight(orphan)
        store.update_highlight(replace(orphan, note="edited here", modified=T2))
        placed = make_highlight(id=orphan.id, doc_key="/real/file.txt", start=40, end=45)
        result = store.merge_annotations([placed], [])
        assert result.highlights == MergeResult(0, 0, 0, 1)
        stored = store.highlight(orphan.id)
    assert stored is not None
    assert (stored.doc_key, stored.start) == ("/real/file.txt", 40)
    assert stored.status is AnchorStatus.ANCHORED
    assert (stored.note, stored.modified) == ("edited here", T2)  # the edit made here stays


def test_a_note_kept_under_another_name_moves_to_its_readable_document(db_path: Path) -> None:
    kept = DocumentNote("/given/link.txt", "about it", T1, "note-id", T1)
    with Store(db_path) as store:
        store.merge_annotations([], [kept])
        found = kept._replace(doc_key="/real/file.txt")
        assert store.merge_annotations([], [found]).notes == MergeResult(0, 0, 1)  # not read
        result = store.merge_annotations([], [found], readable_keys={"/real/file.txt"})
        assert result.notes == MergeResult(0, 0, 0, 1)
        (moved,) = store.document_notes()
    assert (moved.doc_key, moved.text) == ("/real/file.txt", "about it")


@pytest.mark.parametrize(
    ("local_time", "imported_time", "winner"),
    [(T1, T2, "imported"), (T2, T1, "local"), (T1, "", "local")],
)
def test_the_newer_document_note_wins(
    db_path: Path,
    local_time: str,
    imported_time: str,
    winner: str,
) -> None:
    with Store(db_path) as store:
        store.merge_annotations([], [DocumentNote("k", "local", local_time)])
        result = store.merge_annotations([], [DocumentNote("k", "imported", imported_time)])
        assert store.document_note("k") == winner
        assert result.notes == (
            MergeResult(0, 1, 0) if winner == "imported" else MergeResult(0, 0, 1)
        )


def test_a_failing_merge_writes_nothing(db_path: Path) -> None:
    good = make_highlight()
    broken = make_highlight(exact=None)  # NOT NULL: fails inside the transaction
    with Store(db_path) as store:
        with pytest.raises(ValueError):
            store.merge_annotations([good, broken], [DocumentNote("k", "n", T1)], {good.id: ("t",)})
        assert store.highlights() == []
        assert store.document_notes() == []
        assert store.tags() == {}


def test_inspecting_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    report = inspect_database(tmp_path / "none" / "a.db")
    assert not report.exists
    assert not (tmp_path / "none").exists()


def test_inspecting_counts_without_changing_the_file(db_path: Path) -> None:
    with Store(db_path) as store:
        store.add_highlight(make_highlight(note="n"))
        store.add_highlight(make_highlight("/gone.md", status=AnchorStatus.ORPHANED))
        store.set_document_note("seeds/b.txt", "doc")
        store.add_library_path("/lib")
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    report = inspect_database(db_path)
    assert report.healthy
    assert (report.schema_version, report.integrity) == (SCHEMA_VERSION, "ok")
    assert (report.highlights, report.orphaned, report.highlight_notes) == (2, 1, 1)
    assert report.document_notes == 1
    assert report.annotated_keys == ("/gone.md", "seeds/a.txt", "seeds/b.txt")
    assert report.library_paths == ("/lib",)
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before


def test_inspecting_sees_what_an_open_store_committed(db_path: Path) -> None:
    with Store(db_path) as store:
        store.add_highlight(make_highlight())
        assert inspect_database(db_path).highlights == 1


def test_inspecting_a_damaged_or_foreign_file_reports_it(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not an sqlite database at all" * 10)
    report = inspect_database(garbage)
    assert not report.healthy and "not a database" in report.problem
    foreign = tmp_path / "foreign.db"
    raw = sqlite3.connect(foreign)
    raw.execute("CREATE TABLE t (x)")
    raw.commit()
    raw.close()
    report = inspect_database(foreign)
    assert not report.healthy and "another program" in report.problem
