"""The operations the CLI and the app share: the library, imports, exports, doctor, search."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiwatch_tui.core.interchange.errors import InterchangeError
from aiwatch_tui.core.library.loading import load_document
from aiwatch_tui.core.library.sources import bundled_sources, discover, library_sources, seeds_dir
from aiwatch_tui.core.model import AnchorStatus
from aiwatch_tui.core.operations.doctor import doctor
from aiwatch_tui.core.operations.exporting import export_annotations
from aiwatch_tui.core.operations.importing import NOT_IN_LIBRARY, import_annotations
from aiwatch_tui.core.operations.library import document_infos, resolve_document
from aiwatch_tui.core.operations.search_index import cached_infos, search_library
from aiwatch_tui.core.store import Store
from aiwatch_tui.core.uris import source_uri
from aiwatch_tui.paths import Paths
from tests.conftest import SEED_000
from tests.highlights import T1, highlight_on


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "data" / "a.db") as opened:
        yield opened


def write_annotations(path: Path, items: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def quote_annotation(source: str, exact: str, **extra: object) -> dict[str, object]:
    return {
        "type": "Annotation",
        "id": f"urn:uuid:{uuid.uuid4()}",
        "modified": T1,
        "target": {"source": source, "selector": {"type": "TextQuoteSelector", "exact": exact}},
        **extra,
    }


# --- the library ------------------------------------------------------------------------------


def paths_in(folder: Path, db: Path | None = None) -> Paths:
    """Locations inside a test's folder (the cache and config folders are not made)."""
    return Paths(db or folder / "a.db", cache_dir=folder / "cache", config_dir=folder / "config")


def test_library_sources_are_the_seeds_then_the_library_each_once(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "b.md").write_text("# B\n\nbody\n", encoding="utf-8")
    store.add_library_path(str(folder))
    store.add_library_path(str(seeds_dir()))  # the bundled articles again: not listed twice
    store.add_library_path(str(tmp_path / "vanished"))
    sources, problems = library_sources(store.library_paths())
    keys = [source.key for source in sources]
    assert keys == [s.key for s in bundled_sources()] + [str((folder / "b.md").resolve())]
    assert len(problems) == 1 and "vanished" in problems[0]


def test_document_infos_use_the_cache_only_for_unchanged_files(tmp_path: Path) -> None:
    article = tmp_path / "a.md"
    article.write_text("# Fresh title\n\nbody\n", encoding="utf-8")
    sources, _ = discover([article])
    infos, problems = document_infos(sources)
    assert [i.title for i in infos] == ["Fresh title"] and problems == []
    stale = {sources[0].key: infos[0]._replace(title="Cached")}
    assert document_infos(sources, stale)[0][0].title == "Cached"
    article.write_text("# Changed title\n\nlonger body\n", encoding="utf-8")
    assert document_infos(sources, stale)[0][0].title == "Changed title"


def test_cached_infos_never_create_the_index(tmp_path: Path) -> None:
    assert cached_infos(paths_in(tmp_path)) == {}
    assert not (tmp_path / "cache").exists()


# --- naming documents -------------------------------------------------------------------------


def test_a_document_can_be_named_by_path_uri_or_bundled_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_key = "seeds/" + SEED_000.name
    article = tmp_path / "a.md"
    article.write_text("text", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert resolve_document(SEED_000.name) == seed_key
    assert resolve_document(seed_key) == seed_key
    assert resolve_document(str(SEED_000)) == seed_key
    assert resolve_document(source_uri(seed_key)) == seed_key
    assert resolve_document("a.md") == str(article.resolve())
    assert resolve_document(article.as_uri()) == str(article.resolve())
    assert resolve_document("/gone/x.md", known_keys=["/gone/x.md"]) == "/gone/x.md"
    with pytest.raises(InterchangeError, match="no such document"):
        resolve_document("nothing-like-this.txt")
    with pytest.raises(InterchangeError, match="URI"):
        resolve_document("https://example.com/a")


# --- export -----------------------------------------------------------------------------------


def test_export_titles_come_from_the_documents_or_the_file_name(
    store: Store, tmp_path: Path
) -> None:
    article = tmp_path / "notes.md"
    article.write_text("# Notes on chips\n\nGPUs are scarce this year.\n", encoding="utf-8")
    store.add_highlight(highlight_on(article, "GPUs are scarce"))
    store.add_highlight(highlight_on(SEED_000, "The Real Cost of Compute"))
    # Outside the library, a document is never read for its title (its key could have come
    # from an imported file): it is named by its file name.
    assert "## notes.md" in export_annotations(store, None, "markdown")
    store.add_library_path(str(article.resolve()))
    exported = export_annotations(store, None, "markdown")
    assert "## Notes on chips" in exported
    assert "## The Growing Pains of the Artificial Intelligence Era" in exported
    article.unlink()
    assert "## notes.md" in export_annotations(store, None, "markdown")


def test_export_of_one_document_leaves_the_others_out(store: Store, tmp_path: Path) -> None:
    article = tmp_path / "other.md"
    article.write_text("# Other\n\nSomething else entirely.\n", encoding="utf-8")
    store.add_highlight(highlight_on(article, "Something else"))
    store.add_highlight(highlight_on(SEED_000, "Data Center Workers Step Up"))
    store.set_document_note(str(article.resolve()), "about the other one")
    seed_key = "seeds/" + SEED_000.name
    items = json.loads(export_annotations(store, None, "json", seed_key))["first"]["items"]
    assert [item["target"]["source"] for item in items] == [source_uri(seed_key)]


# --- import -----------------------------------------------------------------------------------


def test_import_places_quotes_in_the_current_text(store: Store, tmp_path: Path) -> None:
    article = tmp_path / "a.md"
    article.write_text("# A\n\nThe quick brown fox jumps.\n", encoding="utf-8")
    original = highlight_on(article, "brown fox")
    file = write_annotations(
        tmp_path / "in.json",
        [
            {
                "type": "Annotation",
                "id": f"urn:uuid:{original.id}",
                "modified": T1,
                "target": {
                    "source": article.as_uri(),
                    "selector": [
                        {"type": "TextQuoteSelector", "exact": "brown fox", "prefix": "quick "},
                        {
                            "type": "TextPositionSelector",
                            "start": original.start,
                            "end": original.end,
                        },
                    ],
                },
            }
        ],
    )
    # The article changed since: text was inserted before the quote.
    article.write_text("# A\n\nNew opening line.\n\nThe quick brown fox jumps.\n", encoding="utf-8")
    store.add_library_path(str(article.resolve()))
    summary = import_annotations(store, file)
    (stored,) = store.highlights()
    text = load_document(article).text
    assert text[stored.start : stored.end] == "brown fox"
    assert stored.status is AnchorStatus.MOVED
    assert stored.doc_key == str(article.resolve())
    assert summary.highlights.added == 1 and summary.orphaned == 0


def test_import_without_positions_finds_the_quote(store: Store, tmp_path: Path) -> None:
    # Long enough to be found without context (short quotes need a prefix or suffix).
    phrase = "These workers are the unsung backbone of the artificial intelligence boom."
    seed_key = "seeds/" + SEED_000.name
    file = write_annotations(tmp_path / "in.json", [quote_annotation(source_uri(seed_key), phrase)])
    import_annotations(store, file)
    (stored,) = store.highlights()
    assert load_document(SEED_000).text[stored.start : stored.end] == phrase
    # Found by its quote, with no old position to have moved from: anchored, not "moved".
    assert stored.status is AnchorStatus.ANCHORED


def test_a_file_outside_the_library_is_not_read_and_not_added(store: Store, tmp_path: Path) -> None:
    article = tmp_path / "outside.txt"
    phrase = "Some words about compute budgets, long enough to stand alone."
    article.write_text(phrase + "\n", encoding="utf-8")
    file = write_annotations(tmp_path / "in.json", [quote_annotation(article.as_uri(), phrase)])
    summary = import_annotations(store, file)
    assert store.library_paths() == []
    assert summary.not_read == ((str(article), NOT_IN_LIBRARY),)
    assert store.highlights()[0].status is AnchorStatus.ORPHANED
    # Named for this import only (the command line's PATH), it is read, and still not added.
    summary = import_annotations(store, file, named=discover([article])[0])
    assert summary.not_read == () and summary.highlights.reanchored == 1
    assert store.library_paths() == []


def test_a_library_document_that_cannot_be_read_keeps_its_annotations(
    store: Store, tmp_path: Path
) -> None:
    article = tmp_path / "broken.txt"
    article.write_bytes(b"\x00\x01\x02binary " * 50)
    store.add_library_path(str(article.resolve()))
    file = write_annotations(tmp_path / "in.json", [quote_annotation(article.as_uri(), "x")])
    summary = import_annotations(store, file)
    assert [key for key, _ in summary.unreadable] == [str(article.resolve())]
    assert any("could not be read, kept as orphaned" in line for line in summary.lines())
    assert store.highlights()[0].status is AnchorStatus.ORPHANED


def test_quotes_that_cannot_be_placed_are_kept_as_orphans(store: Store, tmp_path: Path) -> None:
    seed_key = "seeds/" + SEED_000.name
    file = write_annotations(
        tmp_path / "in.json",
        [
            quote_annotation(source_uri(seed_key), "a sentence that is in no article anywhere"),
            quote_annotation((tmp_path / "missing.txt").as_uri(), "lost words"),
        ],
    )
    summary = import_annotations(store, file)
    assert [h.status for h in store.highlights()] == [AnchorStatus.ORPHANED] * 2
    assert summary.orphaned == 1  # the one whose document was read
    assert summary.not_read == ((str(tmp_path / "missing.txt"), NOT_IN_LIBRARY),)


def test_unusable_annotations_are_skipped_with_a_reason(store: Store, tmp_path: Path) -> None:
    file = write_annotations(
        tmp_path / "in.json",
        [quote_annotation("javascript:alert(1)", "web text")],
    )
    summary = import_annotations(store, file)
    assert store.highlights() == []
    assert summary.skipped and "item 1" in summary.skipped[0][0]
    assert any("skipped: 1" in line for line in summary.lines())


def test_a_malformed_file_writes_nothing(store: Store, tmp_path: Path) -> None:
    seed_key = "seeds/" + SEED_000.name
    good = quote_annotation(source_uri(seed_key), "Compute")
    bad: dict[str, object] = {"type": "Annotation", "id": "x"}  # no target
    file = write_annotations(tmp_path / "in.json", [good, bad])
    with pytest.raises(InterchangeError, match=r"in\.json: item 2: has no \"target\""):
        import_annotations(store, file)
    assert store.highlights() == []


# --- doctor -----------------------------------------------------------------------------------


def test_doctor_reports_counts_and_vanished_library_paths(store: Store, tmp_path: Path) -> None:
    store.add_highlight(highlight_on(SEED_000, "Compute", note="why"))
    store.add_highlight(highlight_on(SEED_000, "GPUs", status=AnchorStatus.ORPHANED))
    store.add_library_path(str(tmp_path / "gone"))
    report = doctor(paths_in(tmp_path, store.path))
    text = "\n".join(report.lines)
    assert report.healthy
    assert "integrity:    ok" in text
    assert "highlights:   2 (1 orphaned)" in text
    assert f"missing:    {tmp_path / 'gone'}" in text


def test_doctor_on_a_damaged_database_says_what_to_do(tmp_path: Path) -> None:
    damaged = tmp_path / "a.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    before = damaged.read_bytes()
    report = doctor(paths_in(tmp_path, damaged))
    assert not report.healthy
    text = "\n".join(report.lines)
    assert "damaged" in text and "cp BACKUP.db" in text and ".damaged" in text
    assert damaged.read_bytes() == before


# --- search -----------------------------------------------------------------------------------


def test_searching_some_paths_keeps_the_library_indexed(tmp_path: Path) -> None:
    extra = tmp_path / "extra.md"
    extra.write_text("# Extra\n\nCompute is the new oil, says nobody.\n", encoding="utf-8")
    library = bundled_sources()
    wanted, _ = discover([extra])
    paths = paths_in(tmp_path)
    results, problems = search_library(paths, "compute", wanted, library, limit=5)
    assert problems == ()
    assert results and {r.key for r in results} == {wanted[0].key}
    assert results[0].path == str(extra)
    indexed = set(cached_infos(paths))
    assert indexed == {s.key for s in library} | {wanted[0].key}
    everything, _ = search_library(paths, "compute", library, library, limit=50)
    assert everything and all(r.key.startswith("seeds/") for r in everything)


def test_operations_and_cli_import_neither_textual_nor_rich() -> None:
    code = (
        "import sys\n"
        "import aiwatch_tui.core.operations.doctor, aiwatch_tui.core.operations.exporting\n"
        "import aiwatch_tui.core.operations.importing, aiwatch_tui.cli\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_search_index_is_an_sqlite_file_in_the_cache_dir(tmp_path: Path) -> None:
    paths = Paths(db=tmp_path / "a.db", cache_dir=tmp_path / "c", config_dir=tmp_path)
    search_library(paths, "compute", bundled_sources())
    assert paths.search_index.parent == tmp_path / "c"
    sqlite3.connect(paths.search_index).execute("SELECT 1").close()
