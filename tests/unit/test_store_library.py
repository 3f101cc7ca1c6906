"""Store additions for the library and for imports: schema 2, library paths, note merging,
one-transaction merges and the read-only inspection behind `aiwatch doctor`."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from pathlib import Path

import pytest

from aiwatch_tui.core import store as store_module
from aiwatch_tui.core.model import AnchorStatus, Highlight
from aiwatch_tui.core.store import (
    SCHEMA_VERSION,
    DocumentNote,
    MergeResult,
    Store,
    StoreError,
    inspect_database,
)

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
    for statement in store_module._MIGRATIONS[1]:
        raw.execute(statement)
    raw.execute("PRAGMA user_version = 1")
    raw.execute(
        "INSERT INTO highlights VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ("old-id", "seeds/a.txt", "h", 1, 4, "abc", "", "", "yellow", "kept", T1, T1, "anchored"),
    )
    raw.commit()
    raw.close()


def test_schema_version_is_two_with_a_library_table(db_path: Path) -> None:
    assert SCHEMA_VERSION == 2
    with Store(db_path) as store:
        assert store.schema_version() == 2
        assert store.library_paths() == []


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
        assert store.schema_version() == 2
        assert [h.note for h in store.highlights()] == ["kept"]
        store.add_library_path("/x")
        assert store.library_paths() == ["/x"]


def test_a_failed_migration_leaves_the_database_at_version_1(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_version_1(db_path)
    broken = {
        **store_module._MIGRATIONS,
        2: (store_module._MIGRATIONS[2][0], "THIS IS NOT SQL"),
    }
    monkeypatch.setattr(store_module, "_MIGRATIONS", broken)
    with pytest.raises(StoreError):
        Store(db_path)
    raw = sqlite3.connect(db_path)
    tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "library_paths" not in tables  # the first statement was rolled back too
    raw.close()


def test_document_notes_lists_every_note(db_path: Path) -> None:
    with Store(db_path) as store:
        store.set_document_note("seeds/a.txt", "first")
        store.set_document_note("/b.md", "second")
        assert store.document_notes() == {"seeds/a.txt": "first", "/b.md": "second"}


def test_merge_annotations_adds_everything_in_one_go(db_path: Path) -> None:
    h = make_highlight()
    with Store(db_path) as store:
        result = store.merge_annotations(
            [h], [DocumentNote("seeds/a.txt", "about a", T1)], ["/lib/a.md"]
        )
        assert result.highlights == MergeResult(1, 0, 0)
        assert result.notes == MergeResult(1, 0, 0)
        assert result.library_added == ("/lib/a.md",)
        assert store.highlight(h.id) == h
        assert store.document_note("seeds/a.txt") == "about a"
        again = store.merge_annotations(
            [h], [DocumentNote("seeds/a.txt", "about a", T1)], ["/lib/a.md"]
        )
        assert again.highlights == MergeResult(0, 0, 1)
        assert again.notes == MergeResult(0, 0, 1)
        assert again.library_added == ()


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
            store.merge_annotations([good, broken], [DocumentNote("k", "n", T1)], ["/p"])
        assert store.highlights() == []
        assert store.document_notes() == {}
        assert store.library_paths() == []


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
