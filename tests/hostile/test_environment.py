"""A hostile environment: a permissive umask, files other users can read, another user's file,
a planted symlink; and nothing written outside aiwatch's own directories."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from aiwatch_tui import cli
from aiwatch_tui.core.store import Store
from tests.e2e.terminal import Terminal
from tests.hostile.conftest import AIWATCH, aiwatch_env

pytestmark = pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners and modes")

NOBODY = 65534


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _one_line(err: str, *words: str) -> str:
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("aiwatch: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.e2e
def test_private_modes_whatever_the_umask(tmp_path: Path) -> None:
    """Run with umask 0: the data folder is 0700 and the database, -wal and -shm 0600 while
    the app runs (that is when -wal and -shm exist)."""
    env = aiwatch_env(tmp_path)
    db = Path(env["AIWATCH_DB"])
    command = ["/bin/sh", "-c", f"umask 0 && exec '{AIWATCH}'"]
    with Terminal(command, cols=100, rows=30, env=env, cwd=str(tmp_path)) as term:
        term.wait_for(r"Growing Pains")
        term.send("\r")  # open an article: a position gets written, so the WAL is in use
        term.wait_for(r"Highlight")
        term.send("s\r")  # and a highlight
        term.wait_for(r"● yellow")
        side_files = [db.with_name(db.name + suffix) for suffix in ("-wal", "-shm")]
        assert all(f.exists() for f in side_files)
        modes = {p.name: _mode(p) for p in [db.parent, db, *side_files]}
        term.send("q")
        assert term.wait_exit() == 0
    assert modes == {
        "data": 0o700,
        "aiwatch.db": 0o600,
        "aiwatch.db-wal": 0o600,
        "aiwatch.db-shm": 0o600,
    }


def test_a_database_other_users_can_read_is_made_private(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    Store(db).close()
    db.chmod(0o644)
    db.parent.chmod(0o755)
    assert cli.main(["--db", str(db), "list", "--paths"]) == 0
    err = capsys.readouterr().err
    assert "made it private (700)" in err and "made it private (600)" in err
    assert "Traceback" not in err and len(err.strip().split("\n")) == 2
    assert (_mode(db.parent), _mode(db)) == (0o700, 0o600)


def test_a_shared_folder_others_can_write_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "someone-elses.txt").write_text("x")
    shared.chmod(0o777)
    db = shared / "aiwatch.db"
    assert cli.main(["--db", str(db), "list"]) != 0
    _one_line(capsys.readouterr().err, "other users can write", "--db")
    assert not db.exists() and _mode(shared) == 0o777


@pytest.mark.skipif(os.geteuid() != 0, reason="making a file another user's needs root")
@pytest.mark.parametrize("what", ["file", "folder"])
def test_another_users_database_or_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    Store(db).close()
    before = db.read_bytes()
    os.chown(db if what == "file" else db.parent, NOBODY, NOBODY)
    assert cli.main(["--db", str(db)]) != 0  # the reader refuses before taking the screen
    _one_line(capsys.readouterr().err, "another user", f"uid {NOBODY}")
    assert db.read_bytes() == before and os.stat(db).st_uid == (NOBODY if what == "file" else 0)
    assert sorted(p.name for p in db.parent.iterdir()) == ["aiwatch.db"]


@pytest.mark.parametrize("target_exists", [True, False])
def test_a_symlink_planted_at_the_database_path_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target_exists: bool
) -> None:
    elsewhere = tmp_path / "attacker" / "collected.db"
    elsewhere.parent.mkdir()
    if target_exists:
        Store(elsewhere).close()
    before = {p.name: p.read_bytes() for p in elsewhere.parent.iterdir()}
    db = tmp_path / "data" / "aiwatch.db"
    db.parent.mkdir(mode=0o700)
    db.symlink_to(elsewhere)
    for argv in ([], ["add", str(tmp_path / "attacker")]):
        assert cli.main(["--db", str(db), *argv]) != 0
        _one_line(capsys.readouterr().err, "symbolic link", "refusing to follow")
    assert os.path.islink(db)
    # nothing created or changed where the link points
    assert {p.name: p.read_bytes() for p in elsewhere.parent.iterdir()} == before


def _every_file(root: Path) -> list[Path]:
    """Every file under `root`, and every empty folder (a folder made and left empty counts)."""
    return sorted(
        Path(folder) / name
        for folder, dirs, files in os.walk(root)
        for name in [*files, *dirs]
        if not (Path(folder) / name).is_dir() or not any((Path(folder) / name).iterdir())
    )


@pytest.mark.e2e
def test_nothing_is_written_outside_the_data_cache_and_config_folders(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """HOME, XDG folders and the working folder all under one root; aiwatch's own locations
    left to platformdirs (no AIWATCH_* variable). After a session that reads, highlights,
    writes a note and quits, every file under the root is in aiwatch's folders."""
    root = tmp_path / "root"
    work = root / "work"
    work.mkdir(parents=True)
    articles = tmp_path_factory.mktemp("named-by-the-user")
    (articles / "one.md").write_text("# One Article\n\nA sentence to highlight. Another one.\n")
    env = {
        key: str(root / name)
        for key, name in [
            ("HOME", "home"),
            ("XDG_DATA_HOME", "xdg-data"),
            ("XDG_CACHE_HOME", "xdg-cache"),
            ("XDG_CONFIG_HOME", "xdg-config"),
            ("XDG_STATE_HOME", "xdg-state"),
            ("XDG_RUNTIME_DIR", "xdg-runtime"),
            ("TMPDIR", "tmp"),
        ]
    }
    env.update({"AIWATCH_DB": "", "AIWATCH_CACHE_DIR": "", "AIWATCH_CONFIG_DIR": ""})
    own = [
        root / "xdg-data" / "aiwatch",
        root / "xdg-cache" / "aiwatch",
        root / "xdg-config" / "aiwatch",
    ]
    with Terminal([AIWATCH, str(articles)], cols=100, rows=30, env=env, cwd=str(work)) as term:
        term.wait_for(r"One Article")
        term.send("\r")
        term.wait_for(r"Highlight")
        term.send("s")
        term.send("a")  # highlight and note
        term.wait_for(r"ctrl\+s save")
        term.send("a note")
        term.wait_for(r"a note")
        term.send("\x13")  # ctrl+s
        term.wait_for(r"✎ a note")
        term.send("q")
        assert term.wait_exit() == 0
        raw = bytes(term.raw)
    assert b"\x1b]52" not in raw  # nothing copied to the clipboard behind the user's back
    written = _every_file(root)
    assert (own[0] / "aiwatch.db") in written
    outside = [p for p in written if not any(p.is_relative_to(d) for d in own) and p != work]
    assert outside == []
    assert sorted(p.name for p in articles.iterdir()) == ["one.md"]
    assert subprocess.run(["ls", "-A", str(work)], capture_output=True, text=True).stdout == ""


def _search_with_umask_0(tmp_path: Path) -> Path:
    env = {**os.environ, **aiwatch_env(tmp_path)}
    command = f"umask 0 && exec '{AIWATCH}' search data"
    done = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return Path(env["AIWATCH_CACHE_DIR"])


def test_the_search_index_folder_is_private_whatever_the_umask(tmp_path: Path) -> None:
    """The full-text index holds the articles' text."""
    cache = _search_with_umask_0(tmp_path)
    assert _mode(cache) == 0o700


def test_the_search_index_file_is_private_in_an_existing_open_cache_folder(
    tmp_path: Path,
) -> None:
    cache = Path(aiwatch_env(tmp_path)["AIWATCH_CACHE_DIR"])
    cache.mkdir(mode=0o755)
    cache.chmod(0o755)  # e.g. ~/.cache made by another program
    _search_with_umask_0(tmp_path)
    index = cache / "search-index.db"
    assert index.exists() and _mode(index) & 0o077 == 0


def test_every_folder_aiwatch_makes_is_private_whatever_the_umask(tmp_path: Path) -> None:
    """XDG data and cache homes that do not exist yet, umask 0: aiwatch makes them and their
    missing parents, all 0700 (as the XDG specification asks), not 0777."""
    root = tmp_path / "root"
    root.mkdir()
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "one.md").write_text("# One\n\nA sentence about data centres.\n")
    env = {
        **os.environ,
        "HOME": str(root / "home"),
        "XDG_DATA_HOME": str(root / "missing" / "share"),
        "XDG_CACHE_HOME": str(root / "also-missing" / "cache"),
        "XDG_CONFIG_HOME": str(root / "config-home"),
        "XDG_STATE_HOME": str(root / "state-home"),
        "AIWATCH_DB": "",
        "AIWATCH_CACHE_DIR": "",
        "AIWATCH_CONFIG_DIR": "",
    }
    command = f"umask 0 && '{AIWATCH}' add '{articles}' && exec '{AIWATCH}' search centres"
    done = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    made = sorted(Path(folder) for folder, _, _ in os.walk(root) if Path(folder) != root)
    assert root / "missing" / "share" / "aiwatch" in made
    assert root / "also-missing" / "cache" / "aiwatch" in made
    assert {str(p.relative_to(root)): oct(_mode(p)) for p in made} == {
        str(p.relative_to(root)): oct(0o700) for p in made
    }


async def test_the_exports_folder_is_private_whatever_the_umask(tmp_path: Path) -> None:
    from aiwatch_tui.ui.app import make_app

    app = make_app(db_path=tmp_path / "data" / "aiwatch.db")
    async with app.run_test(size=(100, 30)):
        old_umask = os.umask(0)
        try:
            written = app.export_highlights("json")
        finally:
            os.umask(old_umask)
    assert written is not None and written.parent.name == "exports"
    assert (_mode(written.parent), _mode(written)) == (0o700, 0o600)
