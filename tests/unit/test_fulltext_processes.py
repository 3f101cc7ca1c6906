"""Large index updates parse in child processes: same index, cancellable, nothing left behind."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from aiwatch_tui.core.find.fulltext import parsing
from aiwatch_tui.core.find.fulltext.index import FullTextIndex
from aiwatch_tui.core.find.fulltext.updating import UpdateStats
from aiwatch_tui.core.library.loading import LIBRARY
from aiwatch_tui.core.library.sources import Source

ARTICLE_COUNT = 40


def article(n: int) -> tuple[str, str]:
    if n % 3 == 0:
        body = f"# Chip Report {n}\n\n## Supply\n\nNvidia shipped {n} racks to Zürich.\n\n"
        body += "| Company | Base |\n|---|---|\n| Cerebras | Sunnyvale |\n"
        return f"{n:03}.md", body
    text = f"Water Report {n}\nLocal Resistance\nFarmers said the water was theirs — {n} times.\n"
    if n % 7 == 0:
        text += "A hidden \u202e override and a \x1b[31m escape.\n"
    return f"{n:03}.txt", text


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(ARTICLE_COUNT):
        name, text = article(n)
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02 not text")
    return folder


def sources_in(folder: Path) -> list[Source]:
    return [Source(path.name, path) for path in sorted(folder.iterdir())]


Worker = multiprocessing.process.BaseProcess


def recorded(pool: ProcessPoolExecutor, started: list[Worker]) -> ProcessPoolExecutor:
    """`pool`, noting each parsing process it starts (it starts them as batches are sent)."""
    submit = pool.submit

    def submit_and_note(*args: Any, **kwargs: Any) -> Future[Any]:
        future = submit(*args, **kwargs)
        started.extend(p for p in multiprocessing.active_children() if p not in started)
        return future

    pool.submit = submit_and_note  # type: ignore[method-assign]
    return pool


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Worker]]:
    """Every parsing process started, with processes used for any update of 2+ documents."""
    started: list[Worker] = []
    make_pool = parsing.parse_pool
    monkeypatch.setattr(
        parsing,
        "parse_pool",
        lambda processes, reader: recorded(make_pool(processes, reader), started),
    )
    monkeypatch.setattr(parsing, "PROCESS_LOAD_MIN_DOCUMENTS", 2)
    monkeypatch.setattr(parsing, "PARSE_BATCH_DOCUMENTS", 3)  # several batches per process
    monkeypatch.setattr(
        parsing, "parse_processes", lambda count, loader: 0 if loader or count < 2 else 2
    )
    yield started
    assert_reaped(started)


def assert_reaped(started: list[Worker]) -> None:
    for child in started:
        assert child.exitcode is not None, "a parsing process was not waited for"
        with pytest.raises(ChildProcessError):
            os.waitpid(child.pid or 0, os.WNOHANG)  # no zombie of ours is left to reap


def index_rows(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with sqlite3.connect(path) as db:
        files = db.execute(
            "SELECT key, doc_id, size, content_hash, title, word_count, notices FROM files "
            "ORDER BY key"
        ).fetchall()
        passages = db.execute("SELECT id, packed FROM passage_chunks ORDER BY id").fetchall()
        passages += db.execute("SELECT id, heading, start FROM headings ORDER BY id").fetchall()
    return files, passages


def build(path: Path, library: Path, **options: object) -> UpdateStats:
    index = FullTextIndex(path)
    try:
        return index.update(sources_in(library), **options)  # type: ignore[arg-type]
    finally:
        index.close()


def test_processes_build_the_same_index_as_a_thread(
    tmp_path: Path, library: Path, children: list[Worker]
) -> None:
    seen: list[tuple[int, int]] = []
    by_processes = build(tmp_path / "a.db", library, progress=lambda d, t: seen.append((d, t)))
    assert len(children) == 2
    by_thread = build(tmp_path / "b.db", library, loader=LIBRARY.load)
    assert len(children) == 2  # a caller's own loader runs in a thread
    assert (by_processes.added, by_processes.failed) == (ARTICLE_COUNT, 1)
    assert by_processes.problems == by_thread.problems
    assert "binary" in by_processes.problems[0]
    assert index_rows(tmp_path / "a.db") == index_rows(tmp_path / "b.db")
    total = ARTICLE_COUNT + 1
    assert [done for done, _ in seen] == list(range(1, total + 1))
    assert {t for _, t in seen} == {total}


def test_search_finds_what_processes_indexed(
    tmp_path: Path, library: Path, children: list[Worker]
) -> None:
    index = FullTextIndex(tmp_path / "search.db")
    index.update(sources_in(library))
    hits = index.search('"shipped 30 racks"')
    index.close()
    assert [(hit.doc_key, hit.section) for hit in hits] == [("030.md", "Supply")]


def test_unchanged_files_are_not_sent_to_processes(
    tmp_path: Path, library: Path, children: list[Worker]
) -> None:
    build(tmp_path / "a.db", library)
    started = len(children)
    again = build(tmp_path / "a.db", library)
    assert (again.bytes_read, again.added, len(children)) == (0, 0, started)
    changed = library / "004.txt"
    changed.write_text("Changed Entirely\nNew words about desalination.\n", encoding="utf-8")
    (library / "005.txt").write_text("Also Changed\nMore about aquifers.\n", encoding="utf-8")
    third = build(tmp_path / "a.db", library)
    assert third.updated == 2
    assert third.bytes_read == changed.stat().st_size + (library / "005.txt").stat().st_size


def test_cancelling_stops_processes_and_keeps_what_was_written(
    tmp_path: Path, library: Path, children: list[Worker]
) -> None:
    written: list[int] = []
    stats = build(
        tmp_path / "a.db",
        library,
        progress=lambda done, total: written.append(done),
        cancelled=lambda: len(written) >= 5,
    )
    assert stats.cancelled and stats.added == 5
    assert children, "the update was meant to use processes"
    files, _ = index_rows(tmp_path / "a.db")
    assert len(files) == 5


def test_cancelled_before_anything_arrives(
    tmp_path: Path, library: Path, children: list[Worker]
) -> None:
    stats = build(tmp_path / "a.db", library, cancelled=lambda: True)
    assert stats.cancelled and stats.added == 0


def kill_all(started: list[Worker]) -> Callable[[int, int], None]:
    def on_progress(done: int, total: int) -> None:
        if done == 1:
            for child in started:
                child.kill()

    return on_progress


def test_a_parser_killed_midway_is_replaced_by_a_thread(
    tmp_path: Path, library: Path, children: list[Worker]
) -> None:
    stats = build(tmp_path / "a.db", library, progress=kill_all(children))
    assert (stats.added, stats.failed, stats.cancelled) == (ARTICLE_COUNT, 1, False)
    reference = build(tmp_path / "b.db", library, loader=LIBRARY.load)
    assert reference.added == ARTICLE_COUNT
    assert index_rows(tmp_path / "a.db") == index_rows(tmp_path / "b.db")


def test_a_parser_that_exits_at_once_is_replaced_by_a_thread(
    tmp_path: Path,
    library: Path,
    children: list[Worker],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def exiting_pool(processes: int, reader: object) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            processes, mp_context=context, initializer=os._exit, initargs=(3,)
        )
        return recorded(pool, children)

    monkeypatch.setattr(parsing, "parse_pool", exiting_pool)
    stats = build(tmp_path / "a.db", library)
    assert (stats.added, stats.failed) == (ARTICLE_COUNT, 1)
    assert children, "a parsing process was started, and exited"


def test_no_interpreter_to_start_means_a_thread(
    tmp_path: Path,
    library: Path,
    children: list[Worker],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    stats = build(tmp_path / "a.db", library)
    assert (stats.added, stats.failed, children) == (ARTICLE_COUNT, 1, [])


def test_only_large_updates_with_the_default_loader_use_processes() -> None:
    many = parsing.PROCESS_LOAD_MIN_DOCUMENTS
    assert parsing.parse_processes(many - 1, None) == 0
    assert parsing.parse_processes(many, LIBRARY.load) == 0
    assert 0 <= parsing.parse_processes(many, None) <= parsing.MAX_PARSE_PROCESSES
