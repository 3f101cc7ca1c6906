"""The full-text index: FTS5 queries, snippets, offsets, incremental updates and self-repair."""

from __future__ import annotations

import os
import random
import re
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiwatch_tui.core.find.fulltext import snippets
from aiwatch_tui.core.find.fulltext.index import FullTextIndex, TextHit
from aiwatch_tui.core.find.fulltext.passages import unpack_chunk
from aiwatch_tui.core.find.fulltext.query import (
    fts_query,
    fts_words_query,
    match_marks,
    query_parts,
)
from aiwatch_tui.core.find.fulltext.snippets import make_snippet
from aiwatch_tui.core.library.loading import load_document
from aiwatch_tui.core.library.sources import Source
from aiwatch_tui.core.model import Document

REPO = Path(__file__).resolve().parents[2]
SEED_002 = REPO / "seeds" / "002_c41b6d65e56e1798.txt"

ARTICLES = {
    "chips.md": (
        "# The Chip Race\n\n"
        "## Export Controls\n\n"
        "Washington tightened antitrust and export rules for advanced accelerators.\n\n"
        "Nvidia said demand in Zürich and Taipei still exceeds supply.\n\n"
        "| Company | Base |\n|---|---|\n| Cerebras | Sunnyvale |\n| Graphcore | Bristol |\n"
    ),
    "water.txt": (
        "Cooling the Cloud\n"
        "Data centers are trading water for compute in dry regions.\n"
        "Local Resistance\n"
        "Farmers said the water was theirs first, and compute could wait.\n"
    ),
    "scattered.txt": (
        "Scattered Words\nCompute is scarce. Water is scarce. For now, trading continues.\n"
    ),
}


class CountingLoader:
    """load_document, counting the files it is asked to read."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, source: Source) -> Document:
        assert source.path is not None
        self.calls.append(source.path.name)
        return load_document(source.path, source.key)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def sources_in(folder: Path) -> list[Source]:
    return [Source(path.name, path) for path in sorted(folder.iterdir())]


@pytest.fixture
def index(tmp_path: Path, library: Path) -> Iterator[FullTextIndex]:
    built = FullTextIndex(tmp_path / "cache" / "search.db")
    stats = built.update(sources_in(library))
    assert stats.added == len(ARTICLES)
    yield built
    built.close()


def text_of(folder: Path, key: str) -> str:
    return load_document(folder / key, key).text


def assert_hit_is_consistent(hit: TextHit, folder: Path, word: str) -> None:
    """The offset points at `word` in the document, and the snippet marks cover matches."""
    text = text_of(folder, hit.doc_key)
    assert text[hit.offset : hit.offset + len(word)].lower() == word
    assert hit.marks, hit
    for start, end in hit.marks:
        assert 0 <= start < end <= len(hit.snippet)
    assert "\n" not in hit.snippet
    assert len(hit.snippet) <= snippets.SNIPPET_CHARS + 2  # two ellipses at most


# -- queries ------------------------------------------------------------------------------


def test_word_query_finds_passage_with_title_section_offset_and_marks(
    index: FullTextIndex, library: Path
) -> None:
    hits = index.search("farmers")
    assert [h.doc_key for h in hits] == ["water.txt"]
    hit = hits[0]
    assert hit.title == "Cooling the Cloud"
    assert hit.section == "Local Resistance"
    assert_hit_is_consistent(hit, library, "farmers")
    assert [hit.snippet[s:e] for s, e in hit.marks] == ["Farmers"]


def test_phrase_query_needs_the_words_together(index: FullTextIndex, library: Path) -> None:
    hits = index.search('"trading water for compute"')
    assert [h.doc_key for h in hits] == ["water.txt"]
    assert_hit_is_consistent(hits[0], library, "trading")
    marked = " ".join(hits[0].snippet[s:e] for s, e in hits[0].marks)
    assert marked == "trading water for compute"
    # Without quotes, every word must occur, anywhere in the passage.
    assert {h.doc_key for h in index.search("trading water for compute")} == {
        "water.txt",
        "scattered.txt",
    }


def test_phrase_in_a_bundled_seed(tmp_path: Path) -> None:
    built = FullTextIndex(tmp_path / "search.db")
    built.update([Source("seeds/002", SEED_002)])
    hits = built.search('"trading water for compute"')
    assert len(hits) == 1
    text = load_document(SEED_002, "seeds/002").text
    assert text[hits[0].offset :].startswith("trading water for compute")


def test_prefix_query(index: FullTextIndex, library: Path) -> None:
    hits = index.search("antitr*")
    assert [h.doc_key for h in hits] == ["chips.md"]
    assert_hit_is_consistent(hits[0], library, "antitrust")
    assert [hits[0].snippet[s:e] for s, e in hits[0].marks] == ["antitrust"]
    assert index.search("antitr") == []


def test_diacritics_and_case_are_ignored(index: FullTextIndex, library: Path) -> None:
    hits = index.search("ZURICH")
    assert [h.doc_key for h in hits] == ["chips.md"]
    text = text_of(library, "chips.md")
    assert text[hits[0].offset : hits[0].offset + 6] == "Zürich"


def test_table_rows_are_passages(index: FullTextIndex, library: Path) -> None:
    hits = index.search("graphcore")
    assert len(hits) == 1
    assert hits[0].section == "Export Controls"
    assert_hit_is_consistent(hits[0], library, "graphcore")
    assert "Cerebras" not in hits[0].snippet  # one row, not the whole table


def test_heading_matches_rank_above_body_matches(tmp_path: Path) -> None:
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\n## Regulation\n\nSome text.\n", encoding="utf-8")
    (folder / "b.md").write_text(
        "# B\n\n## Other\n\nA long paragraph that mentions regulation once among many other "
        "words about chips, power, water and the people who build them.\n",
        encoding="utf-8",
    )
    built = FullTextIndex(tmp_path / "search.db")
    built.update(sources_in(folder))
    assert built.search("regulation")[0].doc_key == "a.md"


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        '"""',
        "(",
        ")",
        "()",
        "NEAR(water compute)",
        "water AND",
        "AND",
        "OR",
        "NOT",
        "water OR",
        "NOT water",
        "*",
        "**",
        "water*compute",
        "^water",
        "water^",
        "section:water",
        "body : water",
        "-water",
        "+water",
        "{section body}: water",
        "🤖",
        "🤖 water",
        "'",
        "\\",
        "water'",
        "\x00",
        "a\x00b",
        "NEAR",
        "water NEAR/2 compute",
        '"water',
        'wa"ter',
        "x" * 5000,
        "_",
        "__init__",
        "?",
        "$",
        ":",
        ",",
        ".",
        "[water]",
    ],
)
def test_hostile_queries_never_raise(index: FullTextIndex, query: str) -> None:
    hits = index.search(query)
    assert isinstance(hits, list)


def test_hostile_queries_still_search_their_words(index: FullTextIndex) -> None:
    assert [h.doc_key for h in index.search("NEAR(farmers")] == []  # "near" is a word too
    assert [h.doc_key for h in index.search("(farmers)")] == ["water.txt"]
    assert [h.doc_key for h in index.search("section:farmers")] == []
    assert [h.doc_key for h in index.search("🤖 farmers")] == ["water.txt"]


def test_empty_and_punctuation_queries_find_nothing(index: FullTextIndex) -> None:
    for query in ("", "   ", "!?", "***", '" "', "🤖"):
        assert index.search(query) == []
        assert fts_query(query) is None


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=30))
def test_any_text_is_a_valid_fts_query(index: FullTextIndex, query: str) -> None:
    translated = fts_words_query(query)
    assert (translated is None) == (fts_query(query) is None)
    if translated is None:
        return
    connection = sqlite3.connect(index.path)
    try:
        connection.execute("SELECT rowid FROM passages WHERE passages MATCH ?", (translated,))
    finally:
        connection.close()


@pytest.mark.parametrize(
    "query",
    [
        "farmers",
        '"trading water for compute"',
        "antitr*",
        "ZURICH",
        "graphcore",
        "water compute",
        "scarce",
        '"the water"',
        "comp* water",
    ],
)
def test_marks_agree_with_fts5_highlight(index: FullTextIndex, query: str) -> None:
    # Marks are computed in Python (the index keeps no positions); they must be what FTS5
    # itself would mark, asked of a table with positions holding the same passages.
    match = fts_query(query)
    with sqlite3.connect(index.path) as stored:
        texts = [
            (section, body)
            for (packed,) in stored.execute("SELECT packed FROM passage_chunks")
            for section, body, _start in zip(*unpack_chunk(packed), strict=True)
        ]
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE p USING fts5(section, body, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    connection.executemany("INSERT INTO p (section, body) VALUES (?, ?)", texts)
    rows = connection.execute(
        "SELECT body, highlight(p, 1, char(2), char(3)) FROM p WHERE p MATCH ?", (match,)
    ).fetchall()
    connection.close()
    assert rows
    for body, highlighted in rows:
        expected, position, opened = [], 0, 0
        for char in highlighted:
            if char == "\x02":
                opened = position
            elif char == "\x03":
                expected.append((opened, position))
            else:
                position += 1
        assert match_marks(body, query_parts(query)) == expected


WORDS = [
    "café", "Cafe", "zürich", "ZURICH", "naïve", "co-op", "data", "Data's", "x2", "x²", "ß",
    "_a", "ﬁle", "file", "Søren", "soren", "Łódź", "lodz", "ἄλφα", "αλφα", "İstanbul",
]  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from([*WORDS, " ", ", ", "\n", "—", "🤖"]), min_size=1, max_size=25),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
    st.booleans(),
)
def test_marks_agree_with_fts5_on_mixed_text(
    pieces: list[str], words: list[str], as_phrase: bool
) -> None:
    body = " ".join(pieces)
    query = '"' + " ".join(words) + '"' if as_phrase else " ".join(words)
    match = fts_query(query)
    if match is None:
        return
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')"
    )
    connection.execute("INSERT INTO t (body) VALUES (?)", (body,))
    row = connection.execute(
        "SELECT highlight(t, 0, char(2), char(3)) FROM t WHERE t MATCH ?", (match,)
    ).fetchone()
    connection.close()
    marks = match_marks(body, query_parts(query))
    if row is None:
        # No match for FTS5: then not every part can have been found in Python either.
        assert not all(match_marks(body, [part]) for part in query_parts(query))
        return
    expected, position, opened = [], 0, 0
    for char in row[0]:
        if char == "\x02":
            opened = position
        elif char == "\x03":
            expected.append((opened, position))
        else:
            position += 1
    assert marks == expected


def test_snippet_is_cut_around_the_match_with_marks_moved() -> None:
    body = ("lorem ipsum dolor " * 20) + "TARGET word" + (" sit amet" * 40)
    start = body.index("TARGET")
    snippet, marks = make_snippet(body, [(start, start + 6)])
    assert len(snippet) <= snippets.SNIPPET_CHARS + 2
    assert snippet.startswith("\u2026") and snippet.endswith("\u2026")
    assert [snippet[s:e] for s, e in marks] == ["TARGET"]


# -- metadata -----------------------------------------------------------------------------


def test_infos_come_from_the_index_without_reading_files(
    index: FullTextIndex, library: Path
) -> None:
    infos = index.infos()
    assert set(infos) == set(ARTICLES)
    info = infos["water.txt"]
    document = load_document(library / "water.txt", "water.txt")
    assert info.title == "Cooling the Cloud"
    assert info.word_count == document.word_count
    assert info.content_hash == document.content_hash
    assert info.size == (library / "water.txt").stat().st_size
    assert info.path == library / "water.txt"
    assert index.info("water.txt") == info
    assert index.info("nope") is None


# -- incremental updates ------------------------------------------------------------------


def test_unchanged_files_are_not_read(index: FullTextIndex, library: Path) -> None:
    loader = CountingLoader()
    stats = index.update(sources_in(library), loader=loader)
    assert loader.calls == []
    assert (stats.added, stats.updated, stats.removed) == (0, 0, 0)
    assert stats.unchanged == len(ARTICLES)
    assert stats.bytes_read == 0


def test_changed_file_is_reindexed(index: FullTextIndex, library: Path) -> None:
    path = library / "water.txt"
    path.write_text("Cooling the Cloud\nThe aquifer ran dry last summer.\n", encoding="utf-8")
    loader = CountingLoader()
    stats = index.update(sources_in(library), loader=loader)
    assert loader.calls == ["water.txt"]
    assert (stats.added, stats.updated, stats.unchanged) == (0, 1, 2)
    assert stats.bytes_read == path.stat().st_size
    assert [h.doc_key for h in index.search("aquifer")] == ["water.txt"]
    assert index.search("farmers") == []
    info = index.info("water.txt")
    assert info is not None and info.content_hash == load_document(path, "x").content_hash


def test_touched_file_with_same_content_is_read_but_not_reindexed(
    index: FullTextIndex, library: Path
) -> None:
    path = library / "water.txt"
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 5_000_000_000))
    loader = CountingLoader()
    stats = index.update(sources_in(library), loader=loader)
    assert loader.calls == ["water.txt"]
    assert (stats.added, stats.updated, stats.unchanged) == (0, 0, 3)
    info = index.info("water.txt")
    assert info is not None and info.mtime_ns == path.stat().st_mtime_ns
    # Its row is fresh again: the next update reads nothing.
    again = CountingLoader()
    index.update(sources_in(library), loader=again)
    assert again.calls == []
    assert [h.doc_key for h in index.search("farmers")] == ["water.txt"]


def test_vanished_source_is_removed(index: FullTextIndex, library: Path) -> None:
    (library / "water.txt").unlink()
    stats = index.update(sources_in(library))
    assert stats.removed == 1
    assert index.search("farmers") == []
    assert "water.txt" not in index.infos()


def test_added_source_is_indexed(index: FullTextIndex, library: Path) -> None:
    (library / "new.txt").write_text("Fresh News\nA brand new quantum startup.\n", "utf-8")
    stats = index.update(sources_in(library))
    assert (stats.added, stats.unchanged) == (1, 3)
    assert [h.doc_key for h in index.search("quantum")] == ["new.txt"]


def test_unreadable_file_is_reported_and_dropped(index: FullTextIndex, library: Path) -> None:
    (library / "water.txt").write_bytes(b"\x00\x01\x02binary\x00" * 100)
    stats = index.update(sources_in(library))
    assert stats.failed == 1
    assert len(stats.problems) == 1 and "water.txt" in stats.problems[0]
    assert index.search("farmers") == []


def test_progress_and_cancel(tmp_path: Path, library: Path) -> None:
    seen: list[tuple[int, int]] = []
    built = FullTextIndex(tmp_path / "search.db")
    stats = built.update(sources_in(library), progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert not stats.cancelled

    other = FullTextIndex(tmp_path / "other.db")
    written: list[int] = []
    stats = other.update(
        sources_in(library),
        progress=lambda done, total: written.append(done),
        cancelled=lambda: len(written) >= 1,
    )
    assert stats.cancelled and stats.added == 1
    assert len(other.infos()) == 1  # what was done before stopping is kept


# -- robustness ---------------------------------------------------------------------------


def test_garbage_cache_file_is_replaced(tmp_path: Path, library: Path) -> None:
    path = tmp_path / "search.db"
    path.write_bytes(b"this is not a database" * 200)
    built = FullTextIndex(path)
    assert built.rebuilt_because
    assert built.update(sources_in(library)).added == len(ARTICLES)
    assert [h.doc_key for h in built.search("farmers")] == ["water.txt"]


def test_corrupted_pages_are_detected_and_rebuilt(tmp_path: Path, library: Path) -> None:
    path = tmp_path / "search.db"
    first = FullTextIndex(path)
    first.update(sources_in(library))
    first.close()
    with open(path, "r+b") as database:  # keep the header page, scramble the rest
        size = database.seek(0, os.SEEK_END)
        database.seek(4096)
        database.write(bytes((n * 37) % 256 for n in range(size - 4096)))
    built = FullTextIndex(path)
    built.search("farmers")  # may find nothing, must not raise
    stats = built.update(sources_in(library))
    assert stats.added == len(ARTICLES)
    assert [h.doc_key for h in built.search("farmers")] == ["water.txt"]


def test_index_from_another_version_is_rebuilt(tmp_path: Path, library: Path) -> None:
    path = tmp_path / "search.db"
    FullTextIndex(path).update(sources_in(library))
    connection = sqlite3.connect(path)
    connection.execute("UPDATE meta SET value = '999' WHERE name = 'schema_version'")
    connection.commit()
    connection.close()
    built = FullTextIndex(path)
    assert built.rebuilt_because
    assert built.infos() == {}


def test_searching_while_another_thread_indexes(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(300):
        (folder / f"{n:03d}.txt").write_text(f"Story {n}\nA report about chips number {n}.\n")
    built = FullTextIndex(tmp_path / "search.db")
    errors: list[BaseException] = []

    def index_all() -> None:
        try:
            built.update(sources_in(folder))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    worker = threading.Thread(target=index_all)
    worker.start()
    counts = []
    while worker.is_alive():
        counts.append(len(built.search("chips", limit=500)))
    worker.join()
    assert errors == []
    assert counts == sorted(counts)  # results only ever grow while indexing
    assert len(built.search("chips", limit=500)) == 300


def test_the_index_is_about_the_size_of_the_corpus(tmp_path: Path) -> None:
    # Issue 16: the index (text kept in FTS5, with positions) was 2.85 times the corpus.
    rng = random.Random(5)
    sentences = [
        s for s in re.split(r"(?<=[.!?])\s+|\n+", SEED_002.read_text(encoding="utf-8")) if s
    ]
    folder = tmp_path / "corpus"
    folder.mkdir()
    for n in range(1200):  # enough for the merge after a large update; 8 KB each, as news
        paragraphs = [" ".join(rng.sample(sentences, 6)) for _ in range(8)]
        text = f"Article {n}\n\n" + "\n\n".join(paragraphs) + "\n"
        (folder / f"{n:04d}.txt").write_text(text, encoding="utf-8")
    corpus = sum(path.stat().st_size for path in folder.iterdir())
    index = FullTextIndex(tmp_path / "search.db")
    try:
        index.update([Source(str(path), path) for path in sorted(folder.iterdir())])
        assert index.search('"trading water for compute"') or True  # searchable as ever
    finally:
        index.close()
    size = sum(
        path.stat().st_size for path in tmp_path.iterdir() if path.name.startswith("search.db")
    )
    assert size <= 1.2 * corpus, f"{size / corpus:.2f} times the corpus"


def test_markdown_is_searched_as_shown_with_offsets_into_its_source(tmp_path: Path) -> None:
    """Syntax, link targets and HTML attributes are not searched and not in snippets; an
    entity is found by what it shows; the hit's offset points into the source."""
    folder = tmp_path / "md"
    folder.mkdir()
    source = (
        "# Chips &amp; Power\n\n"
        "The **sovereign** compute [fund](https://example.com/secretpath) grew "
        '<span class="hiddenattr">fast</span>.\n'
    )
    (folder / "a.md").write_text(source, encoding="utf-8")
    built = FullTextIndex(tmp_path / "cache" / "search.db")
    try:
        built.update(sources_in(folder))
        (hit,) = built.search('"sovereign compute fund grew fast"')
        assert hit.snippet == "The sovereign compute fund grew fast."
        assert [hit.snippet[s:e] for s, e in hit.marks] == ["sovereign compute fund grew fast"]
        assert source[hit.offset :].startswith("sovereign**")
        assert built.search("secretpath") == [] and built.search("hiddenattr") == []
        assert built.search("amp") == []
        (power,) = built.search('"chips power"')
        assert source[power.offset :].startswith("Chips &amp;")
    finally:
        built.close()


def test_a_snippet_drops_blanked_markup_before_punctuation_and_keeps_marks() -> None:
    body = "The  fund   grew fast       . Then  compute     , said Ada."
    marks = [
        (body.index("fast"), body.index("fast") + 4),
        (body.index("Then"), body.index("Then") + 4),
    ]
    snippet, moved = make_snippet(body, marks)
    assert snippet == "The fund grew fast. Then compute, said Ada."
    assert [snippet[s:e] for s, e in moved] == ["fast", "Then"]
