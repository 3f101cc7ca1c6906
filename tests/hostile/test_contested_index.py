"""Two aiwatch processes updating one fresh search index at the same moment (both launched on
a new machine, or `aiwatch search` while the app indexes): both must finish."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from aiwatch_tui.core.find.fulltext.index import FullTextIndex
from aiwatch_tui.core.library.loading import LIBRARY
from aiwatch_tui.core.library.sources import Source, bundled_sources
from aiwatch_tui.core.model import Document


def test_two_updaters_on_one_fresh_index_both_finish(tmp_path: Path) -> None:
    path = tmp_path / "search-index.db"
    sources: list[Source] = bundled_sources()
    first, second = FullTextIndex(path), FullTextIndex(path)
    first_started = threading.Event()

    def slow_loader(source: Source) -> Document:
        first_started.set()
        time.sleep(0.3)  # the first updater holds the write lock while it reads
        return LIBRARY.load(source)

    errors: list[BaseException] = []

    def run_first() -> None:
        try:
            first.update(sources, loader=slow_loader)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    thread = threading.Thread(target=run_first)
    thread.start()
    first_started.wait(5)
    try:
        second.update(sources)  # reads the (still empty) index, then waits for the lock
    finally:
        thread.join(10)
        first.close()
        second.close()
    assert errors == []
    index = FullTextIndex(path)
    try:
        assert sorted(index.infos()) == sorted(s.key for s in sources)
    finally:
        index.close()
