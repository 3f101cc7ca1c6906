"""The SQLite store, against real database files in tmp_path."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from aiwatch_tui.core.model import AnchorStatus, Highlight
from aiwatch_tui.core.store import (
    SCHEMA_VERSION,
    MergeResult,
    Store,
    StoreError,
    StoreReadOnlyError,
)

IS_ROOT = hasattr(os, "getuid") and os.getuid() == 0


def make_highlight(doc_key: str = "seeds/a.txt", start: int = 10, **fields: object) -> Highlight:
    values: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "doc_key": doc_key,
        "doc_hash": "ab" * 32,
        "start": start,
        "end": start + 5,
        "exact": "quote",
        "prefix": "before ",
        "suffix": " after",
        "color": "green",
        "note": "",
        "created": "2025-01-02T03:04:05.006Z",
        "modified": "2025-01-02T03:04:05.006Z",
        "status": AnchorStatus.ANCHORED,
    }
    values.update(fields)
    return Highlight(**values)  # type: ignore[arg-type]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "aiwatch.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store(db_path) as opened:
        yield opened


# --- highlights ---------------------------------------------------------------------------


def test_a_highlight_comes_back_exactly_as_saved(store: Store) -> None:
    h = make_highlight(
        exact="multi\nline “quote” \x1b[31m [b]markup[/b]",
        note="# a *Markdown* note\n\nwith lines",
        status=AnchorStatus.CHANGED,
        color="purple",
    )
    store.add_highlight(h)
    assert store.highlight(h.id) == h
    assert isinstance(store.highlight(h.id).status, AnchorStatus)


def test_highlights_survive_reopening(db_path: Path) -> None:
    h = make_highlight()
    with Store(db_path) as first:
        first.add_highlight(h)
    with Store(db_path) as second:
        assert second.highlights() == [h]


def test_highlights_are_ordered_by_document_then_start(store: Store) -> None:
    made = [
        make_highlight("b.txt", 5),
        make_highlight("a.txt", 50),
        make_highlight("a.txt", 7),
        make_highlight("b.txt", 1),
    ]
    for h in made:
        store.add_highlight(h)
    assert [(h.doc_key, h.start) for h in store.highlights()] == [
        ("a.txt", 7),
        ("a.txt", 50),
        ("b.txt", 1),
        ("b.txt", 5),
    ]
    assert [h.start for h in store.highlights("b.txt")] == [1, 5]
    assert store.highlights("nothing.txt") == []


def test_adding_a_taken_id_fails_and_keeps_the_original(store: Store) -> None:
    h = make_highlight(note="original")
    store.add_highlight(h)
    with pytest.raises(ValueError):
        store.add_highlight(replace(h, note="impostor"))
    assert store.highlight(h.id) == h


def test_update_replaces_every_field(store: Store) -> None:
    h = make_highlight()
    store.add_highlight(h)
    changed = replace(
        h,
        doc_hash="cd" * 32,
        start=100,
        end=120,
        exact="other",
        prefix="p",
        suffix="s",
        color="blue",
        note="now with a note",
        modified="2026-01-01T00:00:00.000Z",
        status=AnchorStatus.ORPHANED,
    )
    store.update_highlight(changed)
    assert store.highlight(h.id) == changed
    assert len(store.highlights()) == 1


def test_update_of_a_highlight_deleted_elsewhere_keeps_the_edit(db_path: Path) -> None:
    h = make_highlight()
    with Store(db_path) as mine, Store(db_path) as theirs:
        mine.add_highlight(h)
        theirs.delete_highlight(h.id)
        mine.update_highlight(replace(h, note="typed before I knew"))
        assert theirs.highlight(h.id) == replace(h, note="typed before I knew")


def test_delete_returns_the_row_once(store: Store) -> None:
    h = make_highlight(note="keep me for undo")
    store.add_highlight(h)
    assert store.delete_highlight(h.id) == h
    assert store.highlight(h.id) is None
    assert store.delete_highlight(h.id) is None


# --- positions and settings ----------------------------------------------------------------


def test_reading_positions_round_trip_and_persist(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.position("a.txt") is None
        store.save_position("a.txt", 1234, 0.25)
        store.save_position("b.txt", 10, 0.5)
        store.save_position("a.txt", 2000, 0.4)
    with Store(db_path) as store:
        assert store.position("a.txt") == 2000
        assert store.progress_by_document() == {"a.txt": 0.4, "b.txt": 0.5}


def test_progress_is_kept_between_zero_and_one(store: Store) -> None:
    store.save_position("over.txt", 5, 1.7)
    store.save_position("under.txt", -3, -0.2)
    store.save_position("nan.txt", 0, float("nan"))
    assert store.progress_by_document() == {"over.txt": 1.0, "under.txt": 0.0, "nan.txt": 0.0}
    assert store.position("under.txt") == 0


def test_last_read_is_the_latest_save_even_within_one_millisecond(store: Store) -> None:
    assert store.last_read() is None
    for key in ["a.txt", "b.txt", "c.txt", "a.txt", "c.txt", "b.txt"]:
        store.save_position(key, 0, 0.1)
        assert store.last_read() == key


def test_settings_round_trip(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.setting("theme") is None
        store.set_setting("theme", "nord")
        store.set_setting("theme", "gruvbox")
        store.set_setting("measure", "80")
    with Store(db_path) as store:
        assert (store.setting("theme"), store.setting("measure")) == ("gruvbox", "80")


# --- notes, counts, drafts -----------------------------------------------------------------


def test_document_notes_round_trip_and_empty_deletes(store: Store) -> None:
    assert store.document_note("a.txt") == ""
    store.set_document_note("a.txt", "first")
    store.set_document_note("a.txt", "second\nline")
    assert store.document_note("a.txt") == "second\nline"
    store.set_document_note("a.txt", "")
    assert store.document_note("a.txt") == ""
    assert store.annotation_counts() == {}


def test_annotation_counts_include_highlight_and_document_notes(store: Store) -> None:
    store.add_highlight(make_highlight("a.txt", 1, note="why"))
    store.add_highlight(make_highlight("a.txt", 2))
    store.add_highlight(make_highlight("a.txt", 3, note="again"))
    store.set_document_note("a.txt", "about the whole article")
    store.add_highlight(make_highlight("b.txt", 1))
    store.set_document_note("c.txt", "only a document note")
    assert store.annotation_counts() == {"a.txt": (3, 3), "b.txt": (1, 0), "c.txt": (0, 1)}


def test_drafts_round_trip_survive_reopening_and_discard(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.draft("highlight:1") is None
        store.save_draft("highlight:1", "half a tho")
        store.save_draft("highlight:1", "half a thought")
        store.save_draft("document:a.txt", "doc draft")
    with Store(db_path) as store:
        assert store.draft("highlight:1") == "half a thought"
        assert store.drafts() == {"highlight:1": "half a thought", "document:a.txt": "doc draft"}
        store.discard_draft("highlight:1")
        assert store.draft("highlight:1") is None
        assert store.draft("document:a.txt") == "doc draft"


# --- merge, backup, care -------------------------------------------------------------------


def test_merge_adds_new_and_lets_the_newer_modification_win(store: Store) -> None:
    kept = make_highlight(note="local is newer", modified="2025-06-01T00:00:00.000Z")
    replaced = make_highlight(note="local is older", modified="2025-01-01T00:00:00.000Z")
    same = make_highlight(note="same time")
    for h in (kept, replaced, same):
        store.add_highlight(h)
    incoming = [
        replace(kept, note="stale import", modified="2025-05-01T00:00:00.000Z"),
        # another spelling of a later instant must still win
        replace(replaced, note="fresh import", modified="2025-02-01T00:00:00+00:00"),
        replace(same, note="tie keeps local"),
        make_highlight(note="brand new"),
    ]
    result = store.merge_highlights(incoming)
    assert result == MergeResult(added=1, updated=1, unchanged=2)
    notes = {h.id: h.note for h in store.highlights()}
    assert notes[kept.id] == "local is newer"
    assert notes[replaced.id] == "fresh import"
    assert notes[same.id] == "same time"
    assert notes[incoming[3].id] == "brand new"


def test_merge_is_all_or_nothing(store: Store) -> None:
    good = make_highlight()
    unstorable = make_highlight(end=object())  # cannot be bound: fails mid-transaction
    with pytest.raises(StoreError):
        store.merge_highlights([good, unstorable])
    assert store.highlights() == []


def test_backup_is_a_private_consistent_copy(store: Store, tmp_path: Path) -> None:
    h = make_highlight(note="backed up")
    store.add_highlight(h)
    store.set_setting("theme", "nord")
    dest = tmp_path / "backup.db"
    store.backup(dest)
    assert mode(dest) == 0o600
    with Store(dest) as copy:
        assert copy.highlights() == [h]
        assert copy.setting("theme") == "nord"
        assert copy.integrity_check() == "ok"


def test_backup_never_overwrites_an_existing_file(store: Store, tmp_path: Path) -> None:
    dest = tmp_path / "precious.txt"
    dest.write_text("do not touch")
    with pytest.raises(StoreError, match="already exists"):
        store.backup(dest)
    assert dest.read_text() == "do not touch"


def test_fresh_store_is_current_and_healthy(store: Store, db_path: Path) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    assert store.integrity_check() == "ok"
    assert not store.read_only
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_connection_settings(store: Store) -> None:
    # White-box: per-connection pragmas cannot be observed from another connection.
    conn = store._conn
    assert conn is not None
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_changed_elsewhere_sees_other_connections_only(db_path: Path) -> None:
    with Store(db_path) as mine, Store(db_path) as theirs:
        assert not mine.changed_elsewhere()
        mine.save_position("a.txt", 1, 0.1)
        assert not mine.changed_elsewhere()  # my own commit is not news
        theirs.add_highlight(make_highlight())
        assert mine.changed_elsewhere()
        assert not mine.changed_elsewhere()  # reported once


def test_one_store_can_be_used_from_several_threads(store: Store) -> None:
    made = [make_highlight(start=n) for n in range(60)]

    def add(chunk: list[Highlight]) -> None:
        for h in chunk:
            store.add_highlight(h)
            store.save_position(h.doc_key, h.start, 0.5)
            store.highlights(h.doc_key)

    threads = [threading.Thread(target=add, args=(made[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(h.id for h in store.highlights()) == sorted(h.id for h in made)
    assert store.integrity_check() == "ok"


def test_a_closed_store_says_so(db_path: Path) -> None:
    store = Store(db_path)
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.highlights()


# --- permissions and hostile files ---------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o000, 0o077, 0o277], ids=lambda u: f"umask-{u:03o}")
def test_directory_and_every_file_are_private_whatever_the_umask(db_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        with Store(db_path) as store:
            store.add_highlight(make_highlight())
            files = [db_path, *(db_path.with_name(db_path.name + s) for s in ("-wal", "-shm"))]
            assert all(f.exists() for f in files)
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
            assert mode(db_path.parent) == 0o700
    finally:
        os.umask(old)


def test_an_open_existing_directory_of_mine_is_made_private(db_path: Path) -> None:
    db_path.parent.mkdir(mode=0o755)
    os.chmod(db_path.parent, 0o755)
    with Store(db_path) as store:
        assert mode(db_path.parent) == 0o700
        assert any("made it private" in notice for notice in store.notices)


def test_a_readable_folder_with_my_other_files_is_left_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "README").write_text("the user's own things")
    os.chmod(folder, 0o755)
    with Store(folder / "notes.db") as store:
        store.set_setting("k", "v")
        assert mode(folder) == 0o755  # not re-moded behind the user's back
        assert mode(folder / "notes.db") == 0o600


def test_a_folder_others_can_write_to_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "someone-elses.txt").write_text("x")
    os.chmod(folder, 0o777)
    with pytest.raises(StoreError, match="other users can write to this folder"):
        Store(folder / "aiwatch.db")
    assert not (folder / "aiwatch.db").exists()
    assert mode(folder) == 0o777


@pytest.mark.parametrize(("before", "after"), [(0o644, 0o600), (0o444, 0o400)])
def test_a_readable_database_of_mine_is_made_private(
    db_path: Path, before: int, after: int
) -> None:
    """Only the others' permissions go: a file made read-only (0444) stays read-only (0400)."""
    with Store(db_path) as store:
        store.set_setting("k", "v")
    os.chmod(db_path, before)
    with Store(db_path) as store:
        assert mode(db_path) == after
        assert store.setting("k") == "v"
        notice = f"readable by other users ({before:o}); made it private ({after:o})"
        assert any(notice in line for line in store.notices)


@pytest.mark.parametrize("dangling", [False, True])
def test_a_symlink_at_the_database_path_is_refused(tmp_path: Path, dangling: bool) -> None:
    target = tmp_path / "target.db"
    if not dangling:
        target.write_bytes(b"")
    link = tmp_path / "link.db"
    link.symlink_to(target)
    with pytest.raises(StoreError, match="symbolic link"):
        Store(link)
    assert target.exists() is not dangling  # nothing created or written through the link
    if not dangling:
        assert target.read_bytes() == b""


def test_a_symlink_planted_as_the_wal_file_is_refused(db_path: Path, tmp_path: Path) -> None:
    Store(db_path).close()
    trap = tmp_path / "trap"
    db_path.with_name(db_path.name + "-wal").symlink_to(trap)
    with pytest.raises(StoreError, match="symbolic link"):
        Store(db_path)
    assert not trap.exists()


@pytest.mark.skipif(not IS_ROOT, reason="needs root to make a file owned by another user")
def test_another_users_database_is_refused(db_path: Path) -> None:
    Store(db_path).close()
    before = digest(db_path)
    os.chown(db_path, 65534, 65534)
    with pytest.raises(StoreError, match="another user"):
        Store(db_path)
    assert digest(db_path) == before


@pytest.mark.skipif(not IS_ROOT, reason="needs root to make a folder owned by another user")
def test_another_users_directory_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(mode=0o700)
    os.chown(db_path.parent, 65534, 65534)
    with pytest.raises(StoreError, match="another user"):
        Store(db_path)
    assert not db_path.exists()


def test_a_file_where_the_folder_should_be_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(StoreError, match="not a folder"):
        Store(tmp_path / "data" / "aiwatch.db")


def test_messages_are_one_line_even_for_hostile_file_names(tmp_path: Path) -> None:
    bad = tmp_path / "evil\n\x1b]0;title\x07.db"
    bad.write_bytes(b"this is not a database, just text " * 40)
    with pytest.raises(StoreError) as caught:
        Store(bad)
    message = str(caught.value)
    assert "\n" not in message and "\x1b" not in message and "\x07" not in message
    assert "evil" in message


# --- damaged, foreign and newer databases --------------------------------------------------


def make_newer(db_path: Path, version: int) -> None:
    with Store(db_path) as store:
        store.add_highlight(make_highlight(note="from the past"))
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {version}")
    raw.commit()
    raw.close()


def test_a_newer_database_is_opened_read_only_and_never_altered(db_path: Path) -> None:
    make_newer(db_path, SCHEMA_VERSION + 1)
    before = digest(db_path)
    with Store(db_path) as store:
        assert store.read_only
        assert [h.note for h in store.highlights()] == ["from the past"]
        writes: list[Callable[[], object]] = [
            lambda: store.add_highlight(make_highlight()),
            lambda: store.save_position("a.txt", 1, 0.5),
            lambda: store.set_setting("theme", "x"),
            lambda: store.save_draft("document:a", "text"),
            lambda: store.merge_highlights([make_highlight()]),
        ]
        for write in writes:
            with pytest.raises(StoreReadOnlyError) as caught:
                write()
            assert str(caught.value) == (
                f"{db_path} was written by a newer aiwatch "
                f"(schema {SCHEMA_VERSION + 1} > {SCHEMA_VERSION}); "
                "upgrade aiwatch — opened read-only"
            )
        assert store.schema_version() == SCHEMA_VERSION + 1
    assert digest(db_path) == before


def test_a_newer_aiwatch_migrating_while_we_run_stops_our_writes(db_path: Path) -> None:
    with Store(db_path) as store:
        make_newer(db_path, SCHEMA_VERSION + 3)
        with pytest.raises(StoreReadOnlyError, match="newer aiwatch"):
            store.set_setting("theme", "x")
        assert store.read_only
    with Store(db_path) as reopened:
        assert reopened.setting("theme") is None


def test_an_unwritable_database_is_opened_read_only(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(db_path) as store:
        store.set_setting("theme", "nord")
    before = digest(db_path)
    real_access = os.access

    def access(path: object, how: int, **kwargs: object) -> bool:
        # root may write anything; pretend this one file is read-only (chmod 400 for a user)
        if Path(str(path)) == db_path and how & os.W_OK:
            return False
        return real_access(path, how, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    with Store(db_path) as store:
        assert store.read_only
        assert store.setting("theme") == "nord"
        with pytest.raises(StoreReadOnlyError, match="not writable"):
            store.set_setting("theme", "x")
    assert digest(db_path) == before


@pytest.mark.parametrize(
    "content",
    [
        b"just some text, not a database\n" * 200,
        b"\x00" * 4096,
        b"SQLite format 3\x00" + b"\xff" * 200,
    ],
    ids=["text", "zeros", "bad-header"],
)
def test_a_file_that_is_not_a_database_is_refused_untouched(db_path: Path, content: bytes) -> None:
    db_path.parent.mkdir(mode=0o700)
    db_path.write_bytes(content)
    with pytest.raises(StoreError) as caught:
        Store(db_path)
    assert str(db_path) in str(caught.value)
    assert "move it aside" in str(caught.value)
    assert db_path.read_bytes() == content
    assert not db_path.with_name(db_path.name + "-wal").exists()


def fill(db_path: Path, count: int) -> None:
    with Store(db_path) as store:
        store.merge_highlights([make_highlight(start=n, note="x" * 300) for n in range(count)])


def test_a_truncated_database_is_refused_untouched(db_path: Path) -> None:
    fill(db_path, 300)
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 2])
    before = digest(db_path)
    with pytest.raises(StoreError, match="damaged"):
        Store(db_path)
    assert digest(db_path) == before


def test_a_corrupted_page_is_refused_untouched(db_path: Path) -> None:
    fill(db_path, 300)
    data = bytearray(db_path.read_bytes())
    page = 4096
    data[3 * page : 4 * page] = b"\xa5" * page  # scribble over a page of the highlights
    db_path.write_bytes(bytes(data))
    before = digest(db_path)
    with pytest.raises(StoreError, match="damaged.*move it aside or restore a backup"):
        Store(db_path)
    assert digest(db_path) == before


def test_another_programs_database_is_refused_untouched(db_path: Path) -> None:
    db_path.parent.mkdir(mode=0o700)
    raw = sqlite3.connect(db_path)
    raw.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    raw.commit()
    raw.close()
    before = digest(db_path)
    with pytest.raises(StoreError, match="another program"):
        Store(db_path)
    assert digest(db_path) == before


def test_a_full_disk_is_reported_and_nothing_half_written(store: Store) -> None:
    kept = make_highlight(note="already safe")
    store.add_highlight(kept)
    conn = store._conn
    assert conn is not None
    # max_page_count makes SQLite fail with SQLITE_FULL exactly as a full disk does.
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    big = [make_highlight(start=n, note="n" * 2000) for n in range(20)]
    with pytest.raises(StoreError, match="full.*free some disk space"):
        store.merge_highlights(big)
    assert store.highlights() == [kept]
    conn.execute("PRAGMA max_page_count = 1073741823")
    store.add_highlight(big[0])  # usable again once there is room
    assert len(store.highlights()) == 2
    assert store.integrity_check() == "ok"
