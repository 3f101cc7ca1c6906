"""FTS5's storage options measured on the passages of an indexed library: size against the
corpus, build throughput and query time, for the choice of the index's format (issue 16).

    python -m bench.fts_options INDEX [CORPUS_BYTES]

INDEX is an aiwatch search-index.db (the bench's or a user's); its passages are copied into
one table per option. Prints one row per option.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

from aiwatch_tui.core.find.fulltext.passages import unpack_chunk
from bench.bench_search import FULLTEXT_QUERIES

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"
# (name, FTS5 options, passages' text kept beside the index: None, "plain" or "zlib")
OPTIONS: list[tuple[str, str, str | None]] = [
    ("detail=full, content in FTS5 (before)", "", None),
    ("detail=full, columnsize=0", ", columnsize=0", None),
    ("detail=column", ", detail=column", None),
    ("detail=none", ", detail=none", None),
    ("contentless, detail=full, text zlib beside", ", content=''", "zlib"),
    ("contentless, detail=full, columnsize=0, zlib", ", content='', columnsize=0", "zlib"),
    ("contentless, detail=column, text zlib beside", ", content='', detail=column", "zlib"),
    ("contentless, detail=none, text zlib beside", ", content='', detail=none", "zlib"),
    ("contentless, full, headings-only sections, zlib", ", content=''", "zlib-headings"),
    ("contentless, full, cs=0, headings-only, zlib", ", content='', columnsize=0", "zlib-headings"),
    ("chosen: contentless, detail=none, zlib", ", content='', detail=none", "zlib-headings"),
]


def _size(path: Path) -> int:
    return sum(
        os.path.getsize(f"{path}{suffix}")
        for suffix in ("", "-wal")
        if os.path.exists(f"{path}{suffix}")
    )


def build(
    path: Path, rows: Sequence[tuple[int, str, str, int]], options: str, kept: str | None
) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA page_size = 16384")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.execute(f"CREATE VIRTUAL TABLE passages USING fts5(section, body, {TOKENIZE}{options})")
    if kept:
        db.execute("CREATE TABLE texts (id INTEGER PRIMARY KEY, start INTEGER, z BLOB)")
    started = time.perf_counter()
    db.execute("BEGIN")
    db.execute("INSERT INTO passages (passages, rank) VALUES ('automerge', 0)")
    headings_only = kept is not None and kept.endswith("headings")
    db.executemany(
        "INSERT INTO passages (rowid, section, body) VALUES (?, ?, ?)",
        (
            # The section's name indexed once, on its heading's own passage, not on each.
            (rowid, section if not headings_only or section == body else "", body)
            for rowid, section, body, _ in rows
        ),
    )
    if kept:
        db.executemany(
            "INSERT INTO texts (id, start, z) VALUES (?, ?, ?)",
            (
                (rowid, start, zlib.compress(f"{section}\n{body}".encode(), 6))
                for rowid, section, body, start in rows
            ),
        )
    db.execute("COMMIT")
    db.execute("INSERT INTO passages (passages) VALUES ('optimize')")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - started
    db.execute("VACUUM")
    db.close()
    return seconds


def query_ms(path: Path, options: str) -> tuple[float, float, int]:
    db = sqlite3.connect(path)
    samples = []
    failed = 0
    for query in FULLTEXT_QUERIES:
        words = query.strip('"').rstrip("*")
        prefix = "*" if query.endswith("*") else ""
        match = '"' + words.replace('"', "") + '"' + prefix
        started = time.perf_counter()
        try:
            db.execute(
                "SELECT rowid FROM (SELECT rowid, bm25(passages, 4.0, 1.0) AS s FROM passages "
                "WHERE passages MATCH ? LIMIT 10000) ORDER BY s LIMIT 20",
                (match,),
            ).fetchall()
        except sqlite3.OperationalError:
            failed += 1  # e.g. a phrase with detail=none
            continue
        samples.append(time.perf_counter() - started)
    db.close()
    samples.sort()
    return statistics.median(samples) * 1000, samples[int(len(samples) * 0.95) - 1] * 1000, failed


def main() -> None:
    index = Path(sys.argv[1])
    source = sqlite3.connect(index)
    tables = {name for (name,) in source.execute("SELECT name FROM sqlite_master")}
    if "passage_chunks" in tables:  # the index as aiwatch now keeps it
        rows = []
        for first, packed in source.execute("SELECT id, packed FROM passage_chunks ORDER BY id"):
            sections, bodies, starts = unpack_chunk(packed)
            rows += [(first + n, sections[n], bodies[n], starts[n]) for n in range(len(bodies))]
    else:  # before: the text in FTS5's own content table
        rows = source.execute("SELECT id, c0, c1, c2 FROM passages_content ORDER BY id").fetchall()
    text_bytes = sum(len(section.encode()) + len(body.encode()) for _, section, body, _ in rows)
    corpus = int(sys.argv[2]) if len(sys.argv) > 2 else text_bytes
    print(f"{len(rows):,} passages, {text_bytes / 1e6:.1f} MB text, corpus {corpus / 1e6:.1f} MB")
    heads = ("size/corpus", "build MB/s", "q median ms", "q p95 ms")
    print(f"{'option':50} {heads[0]:>11} {heads[1]:>10} {heads[2]:>11} {heads[3]:>8}  phrase")
    with tempfile.TemporaryDirectory() as folder:
        first = int(sys.argv[3]) if len(sys.argv) > 3 else 0  # skip the options before
        for n, (name, options, kept) in enumerate(OPTIONS[first:], start=first):
            path = Path(folder) / f"{n}.db"
            seconds = build(path, rows, options, kept)
            median, p95, failed = query_ms(path, options)
            print(
                f"{name:50} {_size(path) / corpus:11.2f} {text_bytes / 1e6 / seconds:10.1f} "
                f"{median:11.1f} {p95:8.1f}  {'fails' if failed else 'ok'}"
            )
            path.unlink()


if __name__ == "__main__":
    main()
