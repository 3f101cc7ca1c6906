"""The `aiwatch` subcommands, run in-process through cli.main (and twice as a real process)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from aiwatch_tui import cli
from aiwatch_tui.core.interchange.readwise_csv import READWISE_COLUMNS
from aiwatch_tui.core.library.loading import load_document
from aiwatch_tui.core.model import AnchorStatus, Highlight
from aiwatch_tui.core.store import SCHEMA_VERSION, Store
from aiwatch_tui.core.uris import document_note_id, source_uri
from tests.conftest import REPO, SEED_000, SEED_002
from tests.highlights import T1, T2, highlight_on

SEED_000_KEY = "seeds/" + SEED_000.name
SEED_000_TITLE = "The Growing Pains of the Artificial Intelligence Era"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rows(db: Path) -> list[tuple[object, ...]]:
    """Every annotation row, to compare a database before and after."""
    with sqlite3.connect(db) as raw:
        highlights = raw.execute("SELECT * FROM highlights ORDER BY id").fetchall()
        notes = raw.execute("SELECT * FROM document_notes ORDER BY doc_key").fetchall()
        library = raw.execute("SELECT path FROM library_paths ORDER BY path").fetchall()
    return [*highlights, *notes, *library]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "aiwatch.db"


@pytest.fixture
def annotated(db: Path) -> list[Highlight]:
    """A database with highlights on both seeds (one with a note, one orphaned) and a
    document note."""
    made = [
        highlight_on(SEED_000, "The Real Cost of Compute", color="green", note="the **crux**"),
        highlight_on(SEED_000, "Data Center Workers Step Up"),
        highlight_on(SEED_002, "data centers", color="blue", modified=T2),
        replace(
            highlight_on(SEED_000, "Artificial intelligence"),
            exact="words that are in neither article",
            status=AnchorStatus.ORPHANED,
        ),
    ]
    with Store(db) as store:
        for h in made:
            store.add_highlight(h)
        store.set_document_note(SEED_000_KEY, "Read again before the meeting.")
    return made


# --- dispatch and help ------------------------------------------------------------------------


@pytest.mark.parametrize("command", cli.SUBCOMMANDS)
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main([command, "--help"])
    assert stopped.value.code == 0
    assert f"usage: aiwatch {command}" in capsys.readouterr().out


def test_the_readers_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert all(command in out for command in cli.SUBCOMMANDS)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["search", "x"], ("search", None, ["x"])),
        (["./search"], (None, None, ["./search"])),
        (["--db", "f.db", "list", "--json"], ("list", "f.db", ["--json"])),
        (["--db=f.db", "doctor"], ("doctor", "f.db", [])),
        (["--db", "f.db", "article.txt"], (None, None, ["--db", "f.db", "article.txt"])),
        ([], (None, None, [])),
    ],
)
def test_a_leading_verb_is_a_subcommand_anything_else_the_reader(
    argv: list[str], expected: tuple[object, ...]
) -> None:
    assert cli._split_command(argv) == expected


def test_db_is_honoured_before_or_after_the_verb_and_from_the_environment(
    annotated: list[Highlight],
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = run(capsys, "--db", str(db), "export")
    after = run(capsys, "export", "--db", str(db))
    monkeypatch.setenv("AIWATCH_DB", str(db))
    from_environment = run(capsys, "export")
    assert before == after == from_environment
    assert before[0] == 0 and json.loads(before[1])["total"] == len(annotated) + 1


# --- export and import ------------------------------------------------------------------------


def test_export_import_export_round_trip_is_identical(
    annotated: list[Highlight], db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, exported, _ = run(capsys, "export", "--db", str(db))
    assert code == 0
    file = tmp_path / "annotations.json"
    file.write_text(exported, encoding="utf-8")
    other = tmp_path / "other.db"
    code, out, err = run(capsys, "import", str(file), "--db", str(other))
    assert code == 0 and out == ""
    assert "highlights: 4 added, 0 updated, 0 unchanged" in err
    assert "document notes: 1 added" in err
    code, again, _ = run(capsys, "export", "--db", str(other))
    assert again == exported


def test_importing_the_same_file_twice_changes_nothing(
    annotated: list[Highlight], db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "a.json"
    file.write_text(run(capsys, "export", "--db", str(db))[1], encoding="utf-8")
    before = rows(db)
    code, _, err = run(capsys, "import", str(file), "--db", str(db))
    assert code == 0
    assert "highlights: 0 added, 0 updated, 4 unchanged" in err
    assert "document notes: 0 added, 0 updated, 1 unchanged" in err
    assert "nothing changed" in err
    assert rows(db) == before


def _export_with(db: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, out, _ = run(capsys, "export", "--db", str(db))
    assert code == 0
    document: dict[str, object] = json.loads(out)
    return document


@pytest.mark.parametrize("newer", ["file", "database"])
def test_the_newer_modified_wins(
    newer: str, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h = highlight_on(SEED_000, "Data Center Workers Step Up", note="database note")
    file_time, db_time = (T2, T1) if newer == "file" else (T1, T2)
    with Store(db) as store:
        store.add_highlight(replace(h, modified=file_time, note="file note"))
    exported = run(capsys, "export", "--db", str(db))[1]
    file = tmp_path / "a.json"
    file.write_text(exported, encoding="utf-8")
    with Store(db) as store:
        store.update_highlight(replace(h, modified=db_time, note="database note"))
    code, _, err = run(capsys, "import", str(file), "--db", str(db))
    assert code == 0
    with Store(db) as store:
        note = store.highlights()[0].note
    if newer == "file":
        assert note == "file note" and "1 updated" in err
    else:
        assert note == "database note" and "0 updated, 1 unchanged" in err


def _seed_annotation() -> dict[str, object]:
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "id": f"urn:uuid:{uuid.uuid4()}",
        "modified": T1,
        "target": {
            "source": source_uri(SEED_000_KEY),
            "selector": [{"type": "TextQuoteSelector", "exact": "Compute", "prefix": "Cost of "}],
        },
    }


def _with(change: dict[str, object]) -> bytes:
    annotation = _seed_annotation()
    annotation.update(change)
    return json.dumps([_seed_annotation(), annotation]).encode()


MALFORMED: dict[str, tuple[bytes, str]] = {
    "not json": (b'{"type": "Annotation",', "not valid JSON: line 1"),
    "not utf-8": (b'["\xff\xfe"]', "not UTF-8"),
    "wrong shape": (b'"just a string"', "expected an Annotation"),
    "no id": (_with({"id": None}), 'item 2: has no "id"'),
    "no target": (_with({"target": None}), 'item 2: has no "target"'),
    "bad exact": (
        _with(
            {
                "target": {
                    "source": "urn:aiwatch:seeds/x.txt",
                    "selector": {"type": "TextQuoteSelector", "exact": 5},
                }
            }
        ),
        "item 2: target: selector 1 (TextQuoteSelector)",
    ),
    "bad time": (_with({"modified": "yesterday"}), 'item 2: "modified" is not an ISO 8601'),
    "repeated id": (
        json.dumps([_seed_annotation()] * 2).encode(),
        "item 2: the id of item 1 again",
    ),
    "end before start": (
        _with(
            {
                "target": {
                    "source": "urn:aiwatch:seeds/x.txt",
                    "selector": [
                        {"type": "TextQuoteSelector", "exact": "x"},
                        {"type": "TextPositionSelector", "start": 9, "end": 2},
                    ],
                }
            }
        ),
        "end 2 is before start 9",
    ),
}


@pytest.mark.parametrize("damage", sorted(MALFORMED))
def test_a_malformed_file_is_refused_and_the_database_is_unchanged(
    damage: str,
    annotated: list[Highlight],
    db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data, expected = MALFORMED[damage]
    file = tmp_path / "broken.json"
    file.write_bytes(data)
    before_rows, before_bytes = rows(db), digest(db)
    code, out, err = run(capsys, "import", str(file), "--db", str(db))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"aiwatch: {file}: ")
    assert expected in err
    assert "Traceback" not in err
    assert digest(db) == before_bytes and rows(db) == before_rows


@pytest.mark.parametrize("what", ["missing", "folder"])
def test_an_unreadable_import_file_is_one_line(
    what: str, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "nope.json"
    if what == "folder":
        target.mkdir()
    code, _, err = run(capsys, "import", str(target), "--db", str(db))
    assert code == 2 and err.count("\n") == 1 and str(target) in err
    assert not db.exists()  # the database is not even opened


def test_markdown_export_groups_by_document(
    annotated: list[Highlight], db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "export", "--format", "markdown", "--db", str(db))
    assert code == 0
    assert out.startswith("# aiwatch highlights\n")
    seed_000 = out.index(f"## {SEED_000_TITLE}")
    seed_002 = out.index("## The AI industry")
    assert seed_000 < out.index("> The Real Cost of Compute") < seed_002
    assert "the **crux**" in out
    assert "Read again before the meeting." in out
    orphans = out.index("### Orphaned highlights")
    assert seed_000 < orphans < seed_002
    assert out.index("> words that are in neither article") > orphans
    assert "green" in out and "blue" in out


def test_csv_export_has_readwise_columns(
    annotated: list[Highlight], db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "export", "-f", "csv", "--db", str(db))
    assert code == 0
    assert "\r\n" in out
    table = list(csv.reader(io.StringIO(out, newline="")))
    assert tuple(table[0]) == READWISE_COLUMNS
    by_quote = {row[0]: row for row in table[1:] if row[0]}
    assert len(by_quote) == len(annotated)
    # The note on the whole document: a row of its own, no highlighted text, before the
    # document's highlights (it used to be left out).
    notes = [row for row in table[1:] if not row[0]]
    assert notes == [
        [
            "",
            SEED_000_TITLE,
            "",
            source_uri(SEED_000_KEY),
            "Read again before the meeting.",
            "",
            notes[0][6],
        ]
    ]
    assert table.index(notes[0]) < table.index(by_quote["The Real Cost of Compute"])
    crux = by_quote["The Real Cost of Compute"]
    assert crux[1] == SEED_000_TITLE
    assert crux[3] == source_uri(SEED_000_KEY)
    assert crux[4] == "the **crux**"
    assert crux[5] == str(annotated[0].start)
    assert crux[6] == "2025-01-01 00:00:00"


def test_export_of_one_document_by_its_bundled_name(
    annotated: list[Highlight], db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in (SEED_000.name, SEED_000_KEY, str(SEED_000), source_uri(SEED_000_KEY)):
        code, out, _ = run(capsys, "export", "--document", name, "--db", str(db))
        items = json.loads(out)["first"]["items"]
        assert code == 0 and len(items) == 4  # the note and three highlights
        assert items[0]["id"] == f"urn:uuid:{document_note_id(SEED_000_KEY)}"
    code, _, err = run(capsys, "export", "--document", "no-such.txt", "--db", str(db))
    assert code == 2 and "no-such.txt: no such document" in err


def test_export_to_a_file_is_private_and_atomic(
    annotated: list[Highlight], db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out" / "notes.md"
    target.parent.mkdir()
    target.write_text("old contents", encoding="utf-8")
    os.chmod(target, 0o644)
    code, out, err = run(capsys, "export", "-f", "markdown", "-o", str(target), "--db", str(db))
    assert code == 0 and out == ""
    assert err.strip() == str(target)
    assert target.read_text(encoding="utf-8").startswith("# aiwatch highlights")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["notes.md"]  # no temporary left


def test_import_reads_an_outside_file_only_once_it_is_added(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "mine.txt"
    article.write_text("Notes on chips.\n\nThe GPU shortage is easing, slowly.\n", encoding="utf-8")
    annotation = _seed_annotation()
    annotation["target"] = {
        "source": article.as_uri(),
        "selector": {"type": "TextQuoteSelector", "exact": "shortage", "prefix": "The GPU "},
    }
    file = tmp_path / "a.json"
    file.write_text(json.dumps(annotation), encoding="utf-8")
    code, _, err = run(capsys, "import", str(file), "--db", str(db))
    # An import never adds to the library (issue 12): it says what was not read, and how.
    assert code == 0 and f"not read, their annotations kept as orphaned:\n    {article}" in err
    assert "aiwatch add PATH, then import again" in err
    assert run(capsys, "list", "--paths", "--db", str(db))[1] == ""
    assert run(capsys, "add", str(article), "--db", str(db))[0] == 0
    code, _, err = run(capsys, "import", str(file), "--db", str(db))
    assert code == 0 and "highlights: 0 added, 0 updated, 0 unchanged, 1 re-anchored" in err
    with Store(db) as store:
        (placed,) = store.highlights()
    assert placed.status is AnchorStatus.ANCHORED and placed.doc_key == str(article.resolve())


# --- the library ------------------------------------------------------------------------------


def test_add_list_remove(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "chips.md").write_text("# Chips Are Scarce\n\nOne two three four.\n", "utf-8")
    (folder / "power.txt").write_text("Power Grids Strain\n\nFive six seven.\n", "utf-8")
    code, out, err = run(capsys, "add", str(folder), "--db", str(db))
    assert code == 0 and out == "" and "added to the library" in err and "2 documents" in err
    with Store(db) as store:
        store.save_position(SEED_000_KEY, 100, 0.25)
        store.add_highlight(highlight_on(SEED_000, "Compute", note="n"))
    code, out, _ = run(capsys, "list", "--json", "--db", str(db))
    entries = json.loads(out)
    assert code == 0
    assert [e["key"] for e in entries] == [
        SEED_000_KEY,
        "seeds/" + SEED_002.name,
        str((folder / "chips.md").resolve()),
        str((folder / "power.txt").resolve()),
    ]
    assert set(entries[0]) == {
        "key",
        "title",
        "path",
        "words",
        "progress",
        "highlights",
        "notes",
        # a web article's facts: null for a file
        "url",
        "canonical_url",
        "feed",
        "site",
        "author",
        "published",
        "fetched",
        "summary_only",
    }
    assert entries[0]["url"] is None and entries[0]["feed"] is None
    assert entries[0]["title"] == SEED_000_TITLE
    assert (entries[0]["progress"], entries[0]["highlights"], entries[0]["notes"]) == (0.25, 1, 1)
    assert entries[2]["title"] == "Chips Are Scarce" and entries[2]["words"] > 0
    code, table, _ = run(capsys, "list", "--db", str(db))
    assert "Chips Are Scarce" in table and "25%" in table
    code, _, err = run(capsys, "remove", str(folder), "--db", str(db))
    assert code == 0 and "annotations are kept" in err
    assert len(json.loads(run(capsys, "list", "--json", "--db", str(db))[1])) == 2
    code, _, err = run(capsys, "remove", str(folder), "--db", str(db))
    assert code == 1 and "not in the library" in err


def test_add_refuses_a_missing_path_and_adds_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "add", str(tmp_path), str(tmp_path / "missing"), "--db", str(db))
    assert code == 1 and "missing: no such file or folder" in err
    assert run(capsys, "list", "--paths", "--db", str(db))[1] == ""


def test_control_characters_in_names_are_made_visible(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = str(tmp_path / "evil\x1b[2J\x07name")
    code, out, err = run(capsys, "add", name, "--db", str(db))
    assert code == 1
    assert "\x1b" not in err and "\x07" not in err and "evil" in err


# --- backup and doctor ------------------------------------------------------------------------


def test_backup_while_another_connection_writes(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store(db) as store:
        store.add_highlight(highlight_on(SEED_000, "Compute"))
    stop = threading.Event()
    written = [0]

    def keep_writing() -> None:
        with Store(db) as writer:
            while not stop.is_set():
                writer.add_highlight(highlight_on(SEED_000, "Compute"))
                written[0] += 1

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while written[0] < 5 and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        target = tmp_path / "copy.db"
        code, out, err = run(capsys, "backup", str(target), "--db", str(db))
    finally:
        stop.set()
        thread.join()
    assert code == 0, err
    assert out == f"{target}\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = copy.execute("SELECT COUNT(*) FROM highlights").fetchone()[0]
    assert 1 + 5 <= count <= 1 + written[0]
    code, _, err = run(capsys, "backup", str(target), "--db", str(db))
    assert code == 1 and "already exists" in err


def test_backup_default_name_and_no_database(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "backup", "--db", str(db))
    assert code == 1 and "nothing to back up" in err and not db.exists()
    Store(db).close()
    code, out, _ = run(capsys, "backup", "--db", str(db))
    assert code == 0
    assert re.fullmatch(rf"{re.escape(str(tmp_path))}/aiwatch-backup-\d{{8}}-\d{{6}}\.db\n", out)


def test_doctor_on_a_healthy_database(
    annotated: list[Highlight], db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web = replace(annotated[0], id=str(uuid.uuid4()), doc_key="https://example.com/a")
    with Store(db) as store:
        store.add_library_path(str(tmp_path / "gone"))
        store.add_highlight(replace(web, status=AnchorStatus.ORPHANED))
    code, out, _ = run(capsys, "doctor", "--db", str(db))
    assert code == 0
    assert f"database:     {db}" in out
    assert f"schema:       {SCHEMA_VERSION}" in out and "integrity:    ok" in out
    assert "highlights:   5 (2 orphaned)" in out
    # A page imported but not fetched has not "vanished": it is counted apart.
    assert "annotated documents that no longer exist: 0" in out
    assert "annotated pages and documents not read yet (imported): 1" in out
    assert "notes:        3 (2 on highlights, 1 on documents)" in out
    assert "documents:    2 (2 bundled, 0 in the library; 1 could not be opened)" in out
    assert f"missing:    {tmp_path / 'gone'}" in out


def test_doctor_counts_only_documents_that_open_and_lists_the_others(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "fine.md").write_text("# Fine\n\nReadable.\n")
    (folder / "blob.txt").write_bytes(b"\x00binary" * 100)
    os.mkfifo(folder / "pipe.txt")
    assert run(capsys, "add", str(folder), "--db", str(db))[0] == 0
    code, out, _ = run(capsys, "doctor", "--db", str(db))
    assert code == 0
    assert "documents:    3 (2 bundled, 1 in the library; 2 could not be opened)" in out
    assert out.endswith(
        "could not be opened: 2\n"
        f"  {folder / 'pipe.txt'}: not a regular file (it is a named pipe)\n"
        f"  {folder / 'blob.txt'}: looks like a binary file, not text\n"
    )


def test_doctor_on_a_damaged_database(
    annotated: list[Highlight], db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Scribble over the start of every page but the first: b-tree pages become unreadable.
    data = bytearray(db.read_bytes())
    for page in range(4096, len(data), 4096):
        data[page : page + 16] = b"\xa5" * 16
    db.write_bytes(bytes(data))
    before = digest(db)
    code, out, _ = run(capsys, "doctor", "--db", str(db))
    assert code == 1
    assert "the database is damaged" in out and "cp BACKUP.db" in out
    assert digest(db) == before
    code, _, err = run(capsys, "export", "--db", str(db))
    assert code == 1 and "damaged" in err and err.count("\n") == 1
    assert digest(db) == before


# --- search -----------------------------------------------------------------------------------


def test_search_exit_status_and_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", '"trading water for compute"')
    assert code == 0
    assert out.startswith("1. The AI industry")
    assert "**trading water for compute**" in out
    code, out, _ = run(capsys, "search", "xylophonequartz")
    assert (code, out) == (1, "")
    code, _, err = run(capsys, "search", "  ")
    assert code == 2 and "nothing to search for" in err


def test_search_json_shape_limit_and_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "search", "data", "--json", "--limit", "3")
    results = json.loads(out)
    assert code == 0 and len(results) == 3
    for result in results:
        assert set(result) == {"key", "title", "path", "section", "offset", "snippet", "marks"}
        text = load_document(Path(result["path"])).text
        assert text[result["offset"] :].lower().startswith("data")
        start, end = result["marks"][0]
        assert result["snippet"][start:end].lower() == "data"
    code, out, _ = run(capsys, "search", "data", str(SEED_002), "--json")
    assert code == 0 and {r["key"] for r in json.loads(out)} == {"seeds/" + SEED_002.name}
    code, out, _ = run(capsys, "search", "nothingmatchesthis", "--json")
    assert code == 1 and json.loads(out) == []


_SCANS: list[str] = []
_COUNTING = threading.Event()


def _count_scans(event: str, args: tuple[object, ...]) -> None:
    if event == "os.scandir" and _COUNTING.is_set():
        _SCANS.append(str(args[0]))


sys.addaudithook(_count_scans)


def searched(capsys: pytest.CaptureFixture[str], query: str) -> tuple[list[str], int]:
    """(keys found by `aiwatch search QUERY --json`, folders listed while it ran)."""
    _SCANS.clear()
    _COUNTING.set()
    try:
        code, out, _ = run(capsys, "search", query, "--json")
    finally:
        _COUNTING.clear()
    assert code in (0, 1)
    return [result["key"] for result in json.loads(out)], len(_SCANS)


def test_searching_an_unchanged_library_lists_no_folder_yet_sees_every_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 16: the whole command was 0.66 s at 50,000 articles, most of it walking the
    # library and looking at every file before each query.
    folder = tmp_path / "library"
    folder.mkdir()
    quokka = folder / "quokka.txt"
    quokka.write_text("Farming notes\n\nA note on quokka farming.\n", encoding="utf-8")
    (folder / "other.txt").write_text("Other\n\nNothing to see.\n", encoding="utf-8")
    long_ago = time.time() - 3600  # older than any clock tick a change could hide in
    for path in (quokka, folder / "other.txt", folder):
        os.utime(path, (long_ago, long_ago))
    assert run(capsys, "add", str(folder))[0] == 0
    key = str(quokka.resolve())
    found, scans = searched(capsys, "quokka")  # the walk: the seeds and the folder
    assert found == [key] and scans >= 2
    assert searched(capsys, "quokka") == ([key], 0)  # the index answers alone

    # Edited in place (its folder unchanged): a result's file is looked at before it is shown.
    quokka.write_text("Farming notes\n\nA note on wombat farming.\n", encoding="utf-8")
    os.utime(quokka, (long_ago + 60, long_ago + 60))
    assert searched(capsys, "quokka")[0] == []
    assert searched(capsys, "wombat")[0] == [key]

    # A file added changes its folder: the library is walked again.
    (folder / "new.txt").write_text("New\n\nA quokka again.\n", encoding="utf-8")
    found, scans = searched(capsys, "quokka")
    assert found == [str((folder / "new.txt").resolve())] and scans > 0
    (folder / "new.txt").unlink()
    assert searched(capsys, "quokka")[0] == []


def test_the_real_command_runs_as_a_process(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AIWATCH_DB": str(tmp_path / "p.db"),
        "AIWATCH_CACHE_DIR": str(tmp_path / "c"),
    }
    found = subprocess.run(
        [sys.executable, "-m", "aiwatch_tui", "search", "compute", "--json", "--limit", "1"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )
    assert found.returncode == 0, found.stderr
    assert len(json.loads(found.stdout)) == 1
    missing = subprocess.run(
        [sys.executable, "-m", "aiwatch_tui", "import", str(tmp_path / "none.json")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr


# --- cat --------------------------------------------------------------------------------------

README_LIKE = REPO / "tests" / "documents" / "README-like.md"


def test_cat_json_is_one_object_per_document_with_blocks_at_their_offsets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    licence = tmp_path / "LICENCE"
    licence.write_text("THE TEST LICENCE\n\n0. Definitions.\n\nA line that\nwraps here.\n")
    code, out, err = run(capsys, "cat", "--json", str(README_LIKE), str(licence))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 2
    readme, plain = (json.loads(line) for line in lines)
    text = README_LIKE.read_text(encoding="utf-8")
    assert readme["path"] == str(README_LIKE)
    assert readme["title"] == "Quillmark: notes that stay put"
    assert (readme["author"], readme["date"]) == ("Ada Park, Ben Okafor", "2031-03-14")
    kinds = [block["kind"] for block in readme["blocks"]]
    assert kinds[0] == "paragraph" and "heading" in kinds and "table" in kinds
    assert not any("title:" in block["text"] for block in readme["blocks"])  # front matter
    for block in readme["blocks"]:
        assert 0 <= block["start"] < block["end"] <= len(text)
    heading = next(b for b in readme["blocks"] if b["kind"] == "heading" and b["level"] == 2)
    assert heading["text"] == "Install" and text[heading["start"] : heading["end"]] == (
        "## Install"
    )
    table = next(b for b in readme["blocks"] if b["kind"] == "table")
    assert table["rows"][0] == ["Command", "What it does", "Since"]
    assert table["rows"][1] == ["qm add", "adds a note", "1.0"]
    items = [b for b in readme["blocks"] if b["kind"] == "list_item"]
    assert items[0]["ordered"] is True and items[0]["depth"] == 0
    assert [b["text"] for b in items[-2:]] == ["[x] offline first", "[ ] end-to-end encryption"]
    prose = next(b["text"] for b in readme["blocks"] if b["text"].startswith("Quillmark keeps"))
    assert "—" in prose and "&mdash;" not in prose and "**" not in prose
    assert plain["title"] == "THE TEST LICENCE"
    assert [(b["kind"], b["text"]) for b in plain["blocks"]] == [
        ("heading", "THE TEST LICENCE"),
        ("heading", "0. Definitions."),
        ("paragraph", "A line that wraps here."),
    ]


def test_cat_prints_the_text_as_stored_and_names_a_file_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = tmp_path / "hostile.md"
    hostile.write_text("# Title\n\nred \x1b[31mtext\n")
    code, out, err = run(capsys, "cat", str(hostile), str(tmp_path / "missing.md"))
    assert code == 1
    assert out.startswith("# Title\n\nred ") and "\x1b" not in out
    assert err.count("\n") == 1 and "missing.md" in err
