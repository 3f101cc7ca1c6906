"""An annotation file names the documents it annotates; it must never make aiwatch read one.

`aiwatch import` reads only documents of the library (bundled, added with `aiwatch add`,
under an added folder, or named on the import's command line). Any other source is never
opened: its annotations are kept as orphans, with their quote and note, and the summary says
which sources were not read and how to add them. Each case would leak a secret (or hang on a
pipe, or read for ever from /dev/zero) if the source were opened; after the import the
secret is in no listing, no search result, no index and no database row.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from aiwatch_tui import cli
from aiwatch_tui.core.model import AnchorStatus
from aiwatch_tui.core.store import Store
from aiwatch_tui.paths import Paths

SECRET = "PRIVATEMARKER"
QUOTE = "ssh private material here"
NOTE = "my note on it"
KEY_TEXT = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET} {QUOTE} and more words.\n"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _annotation(source: str, number: int = 1) -> dict[str, object]:
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "id": f"urn:uuid:6a1f3b1e-0000-4000-8000-{number:012d}",
        "modified": "2025-01-01T00:00:00.000Z",
        "bodyValue": NOTE,
        "target": {
            "source": source,
            "selector": {"type": "TextQuoteSelector", "exact": QUOTE, "prefix": f"{SECRET} "},
        },
    }


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home folder with a private key (0600) and a private folder (0700) holding a secret,
    both looking like text to anyone who opened them."""
    home = tmp_path / "home"
    ssh = home / ".ssh"
    ssh.mkdir(parents=True, mode=0o700)
    key = ssh / "id_rsa"
    key.write_text(KEY_TEXT, encoding="utf-8")
    key.chmod(0o600)
    private = home / "private"
    private.mkdir(mode=0o700)
    (private / "diary.txt").write_text(f"Diary\n\n{SECRET} {QUOTE}.\n", encoding="utf-8")
    os.symlink(private / "diary.txt", home / "innocent.txt")
    os.mkfifo(home / "pipe.txt")
    return home


def _key_uri(home: Path) -> str:
    return (home / ".ssh" / "id_rsa").as_uri()


# Each case: the source URI an annotation file gives, built from the home folder.
SOURCES: dict[str, Callable[[Path], str]] = {
    "private key": _key_uri,
    "proc environ": lambda home: "file:///proc/self/environ",
    "dev zero": lambda home: "file:///dev/zero",
    "fifo": lambda home: (home / "pipe.txt").as_uri(),
    "symlink into a private folder": lambda home: (home / "innocent.txt").as_uri(),
    "dot-dot": lambda home: (home / ".ssh" / "..").as_uri() + "/.ssh/id_rsa",
    "dot-dot out of a library folder": lambda home: (home / "library").as_uri() + "/../.ssh/id_rsa",
    "percent-encoding": lambda home: _key_uri(home).replace("id_rsa", "%69d%5Frsa"),
    "encoded dot-dot": lambda home: (home / "library").as_uri() + "/%2E%2E/.ssh/id_rsa",
    "localhost host part": lambda home: _key_uri(home).replace("file://", "file://localhost"),
    "another host": lambda home: _key_uri(home).replace("file://", "file://otherhost"),
}


@pytest.mark.parametrize("case", sorted(SOURCES))
def test_an_import_reads_no_file_outside_the_library(
    case: str, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    library = home / "library"  # a library folder, so that ".." can try to climb out of it
    library.mkdir()
    (library / "article.txt").write_text("An Article\n\nNothing secret.\n", encoding="utf-8")
    assert _run(capsys, "add", str(library), "--db", str(db))[0] == 0
    source = SOURCES[case](home)
    file = tmp_path / "notes.json"
    file.write_text(json.dumps([_annotation(source)]), encoding="utf-8")

    status, out, err = _run(capsys, "import", str(file), "--db", str(db))

    assert status == 0 and out == ""
    assert SECRET not in err
    assert "not read" in err and "kept as orphaned" in err
    if case != "another host":
        assert "aiwatch add PATH" in err  # how to make aiwatch read it
    with Store(db) as store:
        (kept,) = store.highlights()
        assert store.library_paths() == [str(library.resolve())]  # nothing added
    assert (kept.exact, kept.note, kept.status) == (QUOTE, NOTE, AnchorStatus.ORPHANED)
    assert kept.doc_hash == ""  # no text was hashed: none was read
    # Nowhere to be seen: not listed, not found, not indexed, not stored.
    status, out, _ = _run(capsys, "list", "--db", str(db))
    assert status == 0 and SECRET not in out and "id_rsa" not in out and "diary" not in out
    status, out, _ = _run(capsys, "search", SECRET, "--db", str(db))
    assert status == 1 and out == ""
    index = Paths.resolve(db=db).search_index
    assert index.exists() and SECRET.encode() not in index.read_bytes()
    for form in ("markdown", "json", "csv"):  # an export does not read it for a title either
        status, out, _ = _run(capsys, "export", "-f", form, "--db", str(db))
        assert status == 0 and QUOTE in out and SECRET not in out.replace(f"{SECRET} ", "")
        assert "OPENSSH" not in out and "Diary" not in out
    with sqlite3.connect(db) as raw:
        dumped = "\n".join(raw.iterdump())
    assert "OPENSSH" not in dumped and "Diary" not in dumped


def test_a_file_added_afterwards_is_anchored_by_importing_again(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    link = home / "innocent.txt"
    file = tmp_path / "notes.json"
    file.write_text(json.dumps([_annotation(link.as_uri())]), encoding="utf-8")
    assert _run(capsys, "import", str(file), "--db", str(db))[0] == 0
    # The user decides the file belongs in the library, then imports the same file again.
    assert _run(capsys, "add", str(link), "--db", str(db))[0] == 0
    status, _, err = _run(capsys, "import", str(file), "--db", str(db))
    assert status == 0 and "1 re-anchored" in err and "not read" not in err
    with Store(db) as store:
        (placed,) = store.highlights()  # the orphan moved onto the document: not a second one
    assert placed.doc_key == str((home / "private" / "diary.txt").resolve())
    assert placed.status is AnchorStatus.ANCHORED and placed.note == NOTE
    text = (home / "private" / "diary.txt").read_text(encoding="utf-8")
    assert text[placed.start : placed.end] == QUOTE


def test_a_file_named_on_the_command_line_is_read_for_that_import_only(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    diary = home / "private" / "diary.txt"
    file = tmp_path / "notes.json"
    file.write_text(json.dumps([_annotation(diary.as_uri())]), encoding="utf-8")
    status, _, err = _run(capsys, "import", str(file), str(diary), "--db", str(db))
    assert status == 0 and "not read" not in err
    with Store(db) as store:
        (placed,) = store.highlights()
        assert store.library_paths() == []  # read, not added
    assert placed.status is AnchorStatus.ANCHORED


@pytest.mark.parametrize(
    ("source", "kept_as"),
    [
        ("HTTPS://Example.COM:443/a%20b?x=1#part", "https://example.com/a%20b?x=1"),
        ("http://example.com", "http://example.com/"),
        ("urn:x-pdf:6f2a9b0c", "urn:x-pdf:6f2a9b0c"),
    ],
)
def test_a_web_page_is_not_fetched_and_its_annotation_is_kept_under_its_url(
    source: str, kept_as: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    file = tmp_path / "notes.json"
    file.write_text(json.dumps([_annotation(source)]), encoding="utf-8")
    status, _, err = _run(capsys, "import", str(file), "--db", str(db))
    assert status == 0 and "not read" in err and kept_as in err
    with Store(db) as store:
        (kept,) = store.highlights()
    assert (kept.doc_key, kept.status, kept.note) == (kept_as, AnchorStatus.ORPHANED, NOTE)


@pytest.mark.parametrize(
    "source", ["data:text/plain,PRIVATEMARKER", "javascript:alert(1)", "vbscript:x", "about:blank"]
)
def test_sources_that_name_no_document_are_skipped_never_followed(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    file = tmp_path / "notes.json"
    file.write_text(json.dumps([_annotation(source)]), encoding="utf-8")
    status, _, err = _run(capsys, "import", str(file), "--db", str(db))
    assert status == 0 and "skipped: 1" in err and "item 1" in err
    with Store(db) as store:
        assert store.highlights() == []
