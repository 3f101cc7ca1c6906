"""A relaunch shows the library's first screen as the last launch listed it, before walking
the library or reading what is known of every document (issue 16), then the rest."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from aiwatch_tui.core.library.sources import document_key
from aiwatch_tui.core.library.walk_stamp import FIRST_SCREEN
from aiwatch_tui.core.store import Store
from aiwatch_tui.paths import Paths
from aiwatch_tui.ui.app import make_app
from aiwatch_tui.ui.widgets.document_list import DocumentList
from tests.growth import growth
from tests.settle import settled
from tests.ui.conftest import AppFactory
from tests.ui.shown import listed_titles


def make_library(folder: Path, count: int) -> list[Path]:
    """`count` small articles, their folder's and their times an hour old (older than any
    clock tick a change could hide in)."""
    folder.mkdir(parents=True)
    files = []
    for n in range(count):
        path = folder / f"{n:05d}.txt"
        path.write_text(f"Article {n:05d}\n\nA few words about article {n}.\n", encoding="utf-8")
        files.append(path)
    long_ago = time.time() - 3600
    for path in (*files, folder):
        os.utime(path, (long_ago, long_ago))
    return files


async def test_a_relaunch_starts_from_the_first_screen_then_lists_the_rest(
    tmp_path: Path, db: Path, new_app: AppFactory
) -> None:
    files = make_library(tmp_path / "library", FIRST_SCREEN + 100)
    with Store(db) as store:
        store.add_library_path(str(tmp_path / "library"))
        store.save_position(document_key(files[-1]), 0, 0.0)  # last read: far down the list
    first = new_app()
    assert not first.partial_library  # nothing kept yet: the library is walked
    async with first.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
    again = new_app()
    assert again.partial_library
    # The first screen and the document last read; nothing else is known before the first
    # frame.
    assert len(again.catalog.sources) == FIRST_SCREEN + 1
    assert again.catalog.sources[-1].key == document_key(files[-1])
    async with again.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        assert not again.partial_library
        titles = listed_titles(again)
        assert len(titles) == 2 + len(files)  # the seeds and every article
        assert titles[-1] == "Article " + files[-1].stem
        assert again.screen.query_one(DocumentList).highlighted_key == document_key(files[-1])

    # A file added: its folder changed, so the next launch walks the library again.
    (tmp_path / "library" / "new.txt").write_text("New\n\nNew words.\n", encoding="utf-8")
    walked = new_app()
    assert not walked.partial_library
    added = document_key(tmp_path / "library" / "new.txt")
    assert any(source.key == added for source in walked.catalog.sources)
    walked.store.close()


def test_what_a_relaunch_does_before_its_first_frame_does_not_grow_with_the_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiwatch_tui import cli

    homes = {}
    for count in (1000, 4000):
        home = tmp_path / str(count)
        make_library(home / "library", count)
        paths = Paths(db=home / "aiwatch.db", cache_dir=home / "cache", config_dir=home)
        with Store(paths.db) as store:
            store.add_library_path(str(home / "library"))
        monkeypatch.setenv("AIWATCH_CACHE_DIR", str(paths.cache_dir))
        assert cli.main(["--db", str(paths.db), "search", "zzyzx"]) == 1  # walks, indexes
        homes[count] = paths

    def relaunch(count: int) -> None:
        app = make_app(paths=homes[count])
        assert app.partial_library
        app.store.close()

    # Listing 4,000 files instead of 1,000 would cost about 4 times as much.
    assert growth(lambda n: relaunch(n), 1000) < 2.0


async def test_quitting_leaves_a_busy_indexing_worker_behind(new_app: AppFactory) -> None:
    # Issue 16: ctrl+q waited for the worker indexing a 50 MB article. A worker still inside
    # the index when the app closes is left to the command line, which ends the process
    # without it (cli._finish); the store stays open for it until then.
    app = new_app()
    inside = threading.Event()
    release = threading.Event()

    def busy_worker() -> None:
        app._indexers.enter()  # as _index_library does, deep in one huge article
        inside.set()
        release.wait()
        app._indexers.leave()

    worker = threading.Thread(target=busy_worker, daemon=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        worker.start()
        inside.wait()
        await pilot.press("ctrl+q")
    assert app.left_worker_busy
    release.set()
    worker.join()
    app.store.close()


def test_the_first_screens_counts_do_not_grow_with_the_highlights(tmp_path: Path) -> None:
    from dataclasses import replace

    from aiwatch_tui.core.library.loading import load_document
    from aiwatch_tui.core.model import DocumentInfo
    from aiwatch_tui.core.operations.library import document_rows
    from tests.conftest import SEED_000
    from tests.highlights import highlight_on

    base = highlight_on(SEED_000, "Artificial intelligence")
    shown = [load_document(SEED_000).key]
    stores = {}
    for count in (2000, 8000):
        store = Store(tmp_path / f"{count}.db")
        store.merge_highlights(
            [replace(base, id=f"h{n}", doc_key=f"/elsewhere/{n % 500}.txt") for n in range(count)]
        )
        store.merge_highlights([base])
        stores[count] = store
    info = DocumentInfo(shown[0], SEED_000, "Seed", 100, 1, 1, "hash")
    rows = document_rows(stores[8000], [info])
    assert (rows[0].highlights, rows[0].notes) == (1, 0)  # its own, counted by key
    assert growth(lambda n: document_rows(stores[n], [info]), 2000) < 2.0
    for store in stores.values():
        store.close()
