"""Damaged or contested databases: one clear line with what to do, no traceback, a non-zero exit
where aiwatch cannot go on, and the file on disk never made worse."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiwatch_tui import cli
from aiwatch_tui.core.model import Highlight, utc_now
from aiwatch_tui.core.store import SCHEMA_VERSION, Store, StoreError
from tests.notices import notices
from tests.settle import settled

SEED_KEY = "seeds/000_c10daa536b93aa76.txt"


def _make_database(db: Path) -> bytes:
    """A healthy database with one highlight, closed (checkpointed); returns its bytes."""
    with Store(db) as store:
        store.add_highlight(_highlight("first"))
        store.set_setting("theme", "nord")
    return db.read_bytes()


def _highlight(exact: str, note: str = "") -> Highlight:
    now = utc_now()
    return Highlight(
        id=str(uuid.uuid4()),
        doc_key=SEED_KEY,
        doc_hash="0" * 64,
        start=0,
        end=len(exact),
        exact=exact,
        prefix="",
        suffix="",
        note=note,
        created=now,
        modified=now,
    )


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _one_clear_line(err: str, *words: str) -> str:
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("aiwatch: ") and "Traceback" not in line
    for word in words:
        assert word in line, line
    return line


def _folder_snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# --- damaged files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("damage", "argv"),
    [
        ("garbage", []),  # the reader itself refuses before taking the screen
        ("garbage", ["list"]),
        ("truncated", []),
        ("truncated", ["add", "."]),
        ("zeroed-header", ["export"]),
    ],
)
def test_a_damaged_database_gets_one_line_and_is_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str, argv: list[str]
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    healthy = _make_database(db)
    if damage == "garbage":
        db.write_bytes(os.urandom(len(healthy)))
    elif damage == "truncated":
        db.write_bytes(healthy[: len(healthy) // 3])
    else:
        db.write_bytes(b"\0" * 100 + healthy[100:])
    before = _folder_snapshot(db.parent)
    status, out, err = _run(["--db", str(db), *argv], capsys)
    assert status != 0
    line = _one_clear_line(err, str(db))
    assert "damaged" in line or "not an aiwatch database" in line
    assert "move it aside or restore a backup" in line
    assert out == ""
    assert _folder_snapshot(db.parent) == before  # no -wal, -shm or journal left behind either


def test_doctor_reports_a_damaged_database_without_changing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    healthy = _make_database(db)
    db.write_bytes(healthy[: len(healthy) // 2])
    before = _folder_snapshot(db.parent)
    status, out, _err = _run(["--db", str(db), "doctor"], capsys)
    assert status == 1 and "Traceback" not in out and "DAMAGED" in out.upper()
    assert _folder_snapshot(db.parent) == before  # no -wal or -shm left behind either


def _newer_database(db: Path) -> None:
    _make_database(db)
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()


def _reading_commands(tmp_path: Path) -> list[list[str]]:
    """Every command that only reads the database, and what each must print on stdout."""
    return [
        ["export", "-f", "csv"],
        ["list"],
        ["list", "--paths"],
        ["backup", str(tmp_path / "backup.db")],
        ["search", "intelligence"],
    ]


def _reads_with_one_warning(
    db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, *why: str
) -> None:
    """Each reading command works, says in one line on stderr why nothing will be saved, and
    leaves the database's folder exactly as it was: no -wal, no -shm, not a byte changed."""
    before = _folder_snapshot(db.parent)
    for argv in _reading_commands(tmp_path):
        status, out, err = _run(["--db", str(db), *argv], capsys)
        assert status == 0, (argv, err)
        if argv[0] == "export":
            assert "first" in out  # the highlight is read
        warning = _one_clear_line(err, "warning", str(db), *why)
        assert "Traceback" not in warning
        assert _folder_snapshot(db.parent) == before, argv
    with Store(db) as store:  # what the app gets: the whole file, read-only, nothing written
        assert [h.exact for h in store.highlights()] == ["first"]
    assert _folder_snapshot(db.parent) == before


def test_a_database_from_a_newer_aiwatch_is_read_but_never_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    _newer_database(db)
    before = _folder_snapshot(db.parent)
    _reads_with_one_warning(db, capsys, tmp_path, "newer aiwatch", "upgrade aiwatch")
    status, out, err = _run(["--db", str(db), "add", str(tmp_path)], capsys)
    assert status == 1
    _one_clear_line(err, "newer aiwatch", "upgrade aiwatch")
    status, out, err = _run(["--db", str(db), "doctor"], capsys)
    assert "written by a newer aiwatch" in out
    assert _folder_snapshot(db.parent) == before
    with Store(db) as store:  # the app gets a read-only store and says why
        assert store.read_only and "newer aiwatch" in store.read_only_reason
        with pytest.raises(StoreError, match="newer aiwatch"):
            store.save_position(SEED_KEY, 10, 0.1)
    assert _folder_snapshot(db.parent) == before


async def test_the_app_warns_once_about_a_newer_database_and_leaves_it_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiwatch_tui.ui.app import make_app
    from aiwatch_tui.ui.screens import main

    monkeypatch.setattr(main, "POSITION_SAVE_DELAY", 0.05)  # positions are saved at once

    db = tmp_path / "data" / "aiwatch.db"
    _newer_database(db)
    before = _folder_snapshot(db.parent)
    app = make_app(db_path=db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        # Reading moves the caret, which saves the position (after a pause) when it can.
        for keys in (["enter"], ["j", "j"], ["G"], ["tab"], ["down", "enter"], ["g"]):
            await pilot.press(*keys)
            await pilot.pause(0.2)
        messages = notices(app)
    assert sum("newer aiwatch" in m for m in messages) == 1, messages
    assert any("opened read-only" in m for m in messages)
    assert _folder_snapshot(db.parent) == before


def test_an_empty_file_at_the_database_path_becomes_a_database_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A zero-length file holds nothing, so starting a database in it loses nothing; but it may
    be what is left of the user's database (a failed copy), so they are told."""
    db = tmp_path / "data" / "aiwatch.db"
    db.parent.mkdir(mode=0o700)
    db.write_bytes(b"")
    db.chmod(0o600)
    status, out, err = _run(["--db", str(db), "list", "--paths"], capsys)
    assert status == 0 and out == ""
    _one_clear_line(err, str(db), "was an empty file (0 bytes)", "restore a backup")
    with Store(db) as store:
        assert store.schema_version() == SCHEMA_VERSION and store.notices == ()
    status, out, err = _run(["--db", str(db), "list", "--paths"], capsys)
    assert (status, err) == (0, "")  # a database now: nothing more to say
    fresh = tmp_path / "fresh" / "aiwatch.db"
    status, out, err = _run(["--db", str(fresh), "list", "--paths"], capsys)
    assert (status, err) == (0, "")  # a database aiwatch creates itself is not news


# --- read-only file and folder (chattr +i: root ignores permission bits) ------------------------


@pytest.fixture
def immutable(tmp_path: Path) -> Iterator[list[Path]]:
    """Paths added to the list are made immutable (read-only even for root), then released."""
    paths: list[Path] = []
    probe = tmp_path / "probe"
    probe.write_text("x")
    if subprocess.run(["chattr", "+i", str(probe)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here (needs CAP_LINUX_IMMUTABLE and ext4/xfs)")
    subprocess.run(["chattr", "-i", str(probe)], check=True)
    yield paths
    for path in paths:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def _freeze(paths: list[Path], path: Path) -> None:
    subprocess.run(["chattr", "+i", str(path)], check=True)
    paths.append(path)


def test_a_read_only_database_file_is_opened_read_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], immutable: list[Path]
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    _make_database(db)
    _freeze(immutable, db)
    before = _folder_snapshot(db.parent)
    _reads_with_one_warning(db, capsys, tmp_path, "not writable", "changes will not be saved")
    status, out, err = _run(["--db", str(db), "add", str(tmp_path)], capsys)
    assert status == 1
    _one_clear_line(err, str(db), "not writable", "changes will not be saved")
    assert _folder_snapshot(db.parent) == before


def test_an_empty_read_only_file_at_the_database_path_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], immutable: list[Path]
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    db.parent.mkdir(mode=0o700)
    db.write_bytes(b"")
    db.chmod(0o600)
    _freeze(immutable, db)
    before = _folder_snapshot(db.parent)
    status, out, err = _run(["--db", str(db), "list"], capsys)
    assert status == 1 and out == ""
    _one_clear_line(err, str(db), "holds no aiwatch database yet", "not writable", "--db")
    assert _folder_snapshot(db.parent) == before


def test_a_read_only_data_folder_refuses_to_open_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], immutable: list[Path]
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    _make_database(db)
    _freeze(immutable, db.parent)  # the -wal and -shm files cannot be created
    before = _folder_snapshot(db.parent)
    for argv in ([], ["list"]):
        status, out, err = _run(["--db", str(db), *argv], capsys)
        assert status != 0
        _one_clear_line(err, str(db), "writable")
    assert _folder_snapshot(db.parent) == before


def test_a_new_database_in_a_read_only_folder_refuses_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], immutable: list[Path]
) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    _freeze(immutable, folder)
    status, out, err = _run(["--db", str(folder / "aiwatch.db"), "add", str(tmp_path)], capsys)
    assert status != 0
    _one_clear_line(err, "aiwatch.db")
    assert list(folder.iterdir()) == []


# --- a full disk -------------------------------------------------------------------------------


def _annotation_file(tmp_path: Path, note: str) -> Path:
    """An aiwatch export holding one highlight with `note`."""
    source = tmp_path / "source.db"
    with Store(source) as store:
        store.add_highlight(_highlight("Artificial intelligence", note=note))
    exported = tmp_path / "notes.json"
    assert cli.main(["--db", str(source), "export", "-o", str(exported)]) == 0
    json.loads(exported.read_text())
    return exported


def test_a_full_disk_fails_the_write_in_one_line_and_keeps_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    _make_database(db)
    exported = _annotation_file(tmp_path, note="a long note " * 20_000)
    capsys.readouterr()
    real_connect = Store._connect

    def connect_to_a_full_disk(self: Store, *, read_only: bool) -> sqlite3.Connection:
        # The file may not grow by a single page: what a full disk does to SQLite.
        conn = real_connect(self, read_only=read_only)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(Store, "_connect", connect_to_a_full_disk)
    before = db.read_bytes()
    status, out, err = _run(["--db", str(db), "import", str(exported)], capsys)
    assert status == 1
    _one_clear_line(err, str(db), "full", "nothing was changed", "free some disk space")
    monkeypatch.undo()
    assert db.read_bytes() == before
    with Store(db) as store:
        assert [h.exact for h in store.highlights()] == ["first"]
        assert store.integrity_check() == "ok"


def test_a_write_that_fails_midway_leaves_the_store_usable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed commit rolls back whole; the next write on the same store succeeds."""
    db = tmp_path / "aiwatch.db"
    with Store(db) as store:
        conn = store._connection()
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StoreError, match="free some disk space"):
            store.add_highlight(_highlight("big", note="x" * 500_000))
        store.add_highlight(_highlight("small"))  # fits in the pages there are
        assert [h.exact for h in store.highlights()] == ["small"]


# --- something in the way of the search index ---------------------------------------------------


def _block_the_index(cache: Path, what: str) -> str:
    """Put a file where the cache folder goes, or a folder where the index file goes; return
    the words the one-line message must hold."""
    if what == "file-for-folder":
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text("someone's notes")
        return f"{cache}: is a file where aiwatch's cache folder should be"
    (cache / "search-index.db").mkdir(parents=True)
    return f"{cache / 'search-index.db'}: is a folder where aiwatch's search index file should be"


@pytest.mark.parametrize("what", ["file-for-folder", "folder-for-file"])
def test_something_in_the_search_index_s_way_costs_only_search_in_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("AIWATCH_CACHE_DIR", str(cache))
    db = tmp_path / "data" / "aiwatch.db"
    _make_database(db)
    said = _block_the_index(cache, what)
    status, out, err = _run(["--db", str(db), "search", "intelligence"], capsys)
    assert status == 1 and out == ""
    _one_clear_line(err, said, "move it aside", "AIWATCH_CACHE_DIR", "search is off")
    for argv in (["list"], ["export", "-f", "csv"]):
        assert _run(["--db", str(db), *argv], capsys)[::2] == (0, ""), argv
    status, out, err = _run(["--db", str(db), "add", str(tmp_path / "data")], capsys)
    _one_clear_line(err, "added to the library")
    assert "Growing Pains" in _run(["--db", str(db), "list"], capsys)[1]


@pytest.mark.parametrize("what", ["file-for-folder", "folder-for-file"])
async def test_something_in_the_search_index_s_way_costs_only_search_in_the_app(
    tmp_path: Path, what: str
) -> None:
    from aiwatch_tui.paths import Paths
    from aiwatch_tui.ui.app import make_app
    from aiwatch_tui.ui.screens.search import SearchScreen
    from aiwatch_tui.ui.widgets.reader import Reader

    cache = tmp_path / "cache"
    said = _block_the_index(cache, what)
    paths = Paths(db=tmp_path / "data" / "aiwatch.db", cache_dir=cache, config_dir=tmp_path)
    app = make_app(paths=paths)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press("enter", "s", "enter")  # read and highlight: all still works
        await pilot.pause()
        assert "no longer a distant concept" in app.screen.query_one(Reader).document.text
        assert len(app.store.highlights()) == 1
        await pilot.press("f5")  # a refresh does not say it again
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = notices(app)
        assert sum(said in m for m in messages) == 1, messages
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        assert said in app.screen.message and "move it aside" in app.screen.message
    assert (cache.is_file()) == (what == "file-for-folder")  # left where it was


async def test_a_large_library_fills_the_list_without_a_search_index(tmp_path: Path) -> None:
    """A large library is read by the indexing worker after the first paint; with no index
    possible it must still be read (it was not: the list stayed empty)."""
    from aiwatch_tui.paths import Paths
    from aiwatch_tui.ui.app import make_app
    from aiwatch_tui.ui.widgets.document_list import DocumentList

    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(3):  # 3 x 1.4 MB: more than is read before the first paint
        (folder / f"{n}.md").write_text(f"# Report {n}\n\n" + "Some words. " * 120_000)
    cache = tmp_path / "cache"
    _block_the_index(cache, "file-for-folder")
    paths = Paths(db=tmp_path / "data" / "aiwatch.db", cache_dir=cache, config_dir=tmp_path)
    app = make_app([folder], paths=paths)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        rows = app.screen.query_one(DocumentList).options
        titles = [rows.get_option_at_index(i).entry.info.title for i in range(rows.option_count)]
    assert titles == ["Report 0", "Report 1", "Report 2"]


def test_damage_in_the_article_archive_fails_that_read_in_one_line_and_doctor_finds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The archive of fetched articles is not read whole at each start (it grows for ever):
    # its damage shows where it is read, in one line, and `aiwatch doctor` finds it.
    from aiwatch_tui.core.store.web import NewArticle

    db = tmp_path / "data" / "aiwatch.db"
    _make_database(db)
    url = "https://news.example/a"
    with Store(db) as store:
        store.store_article(
            NewArticle(
                url,
                url,
                (url,),
                "",
                "g",
                None,
                "A",
                "",
                "news.example",
                "",
                utc_now(),
                "en",
                False,
                "",
                "# A\n\n" + "A long article. " * 4000,
            )
        )
    with sqlite3.connect(db) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (page,) = conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'articles' AND pagetype = 'overflow' LIMIT 1"
        ).fetchone()
    conn.close()
    with open(db, "r+b") as file:
        file.seek((page - 1) * page_size)
        file.write(b"\xff" * page_size)
    status, out, err = _run(["--db", str(db), "cat", url], capsys)
    assert status != 0 and out == ""
    assert "damaged" in _one_clear_line(err, str(db))
    status, out, _err = _run(["--db", str(db), "doctor"], capsys)
    assert status == 1 and "DAMAGED" in out.upper()
