"""Hostile titles, text, notes and file names through the command line: search results,
the document list, exports and error messages carry no control character to the terminal."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from aiwatch_tui import cli
from aiwatch_tui.core.library.loading import load_document
from aiwatch_tui.core.model import Highlight, utc_now
from aiwatch_tui.core.store import Store
from tests.hostile.corpus import BEL, CONTROL_LINES, ESC, FILENAME_TITLE

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Markdown and CSV show bidi controls and zero-width (non-)joiners as the reader does (␦);
# JSON keeps them, escaped. CSV has CRLF.
TEXT_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)
JSON_UNSAFE = re.compile(f"{UNSAFE.pattern[:-1]}\u200b-\u200f]")


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def annotated(tmp_path: Path, hostile_folder: Path) -> Path:
    """A database whose library is the hostile folder, with a hostile note on a hostile text."""
    db = tmp_path / "data" / "aiwatch.db"
    controls = load_document(hostile_folder / "01_controls.txt")
    start = controls.text.index("Clipboard line")
    end = start + 60
    now = utc_now()
    with Store(db) as store:
        store.add_library_path(str(hostile_folder.resolve()))
        store.add_highlight(
            Highlight(
                id=str(uuid.uuid4()),
                doc_key=controls.key,
                doc_hash=controls.content_hash,
                start=start,
                end=end,
                exact=controls.text[start:end],
                prefix=controls.text[max(0, start - 32) : start],
                suffix=controls.text[end : end + 32],
                note=f"{CONTROL_LINES[3]}\n[@click=app.quit]q[/] \u202eevil\u200cand\u200djoined",
                created=now,
                modified=now,
            )
        )
        store.set_document_note(controls.key, CONTROL_LINES[5])
    return db


def test_list_and_search_show_hostile_titles_and_text_inertly(
    annotated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(["--db", str(annotated), "list"], capsys)
    assert status == 0
    assert "[@click=app.quit]Quit[/]" in out and "[bold red]Markup[/] Title" in out
    assert UNSAFE.search(out) is None and UNSAFE.search(err) is None
    status, out, err = _run(["--db", str(annotated), "search", "Clipboard"], capsys)
    assert status == 0 and "Clipboard" in out
    assert UNSAFE.search(out) is None and UNSAFE.search(err) is None
    status, out, err = _run(["--db", str(annotated), "search", "--json", "HOSTILE"], capsys)
    assert status == 0 and json.loads(out)
    assert ESC not in out and "\x9b" not in out


@pytest.mark.parametrize("form", ["markdown", "csv", "json"])
def test_exports_carry_no_control_character(
    annotated: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    status, out, err = _run(["--db", str(annotated), "export", "-f", form], capsys)
    assert status == 0 and err == ""
    assert "[@click=app.quit]q[/]" in out  # markup kept as the user wrote it
    assert (JSON_UNSAFE if form == "json" else TEXT_UNSAFE).search(out) is None
    if form == "json":
        # escaped, not lost: reading the export back gives the note as it was
        notes = [item["body"]["value"] for item in json.loads(out)["first"]["items"]]
        note = next(n for n in notes if "Title line" in n)
        assert note.startswith(CONTROL_LINES[3]) and note.endswith(
            "\u202eevil\u200cand\u200djoined"
        )
    else:
        assert "␦evil␦and␦joined" in out  # the symbol the reader shows, one for each


def test_error_messages_name_hostile_files_inertly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"x{ESC}]0;{FILENAME_TITLE}{BEL}[@click=app.quit]q[b]\u202e.txt"
    (tmp_path / name).write_bytes(b"\x00\x01binary")
    for argv in ([str(tmp_path / name)], ["add", str(tmp_path / (name + "-missing"))]):
        status, out, err = _run(["--db", str(tmp_path / "a.db"), *argv], capsys)
        assert status == 1
        assert err.count("\n") >= 1 and "Traceback" not in err
        assert UNSAFE.search(err) is None, err
        assert "[@click=app.quit]q[b]" in err and FILENAME_TITLE in err


def test_cat_prints_hostile_documents_inertly(
    hostile_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every hostile document, as stored and as JSON: no control character reaches the
    terminal, and a file that cannot be read is one line."""
    files = sorted(str(path) for path in hostile_folder.iterdir())  # pipes and loops too
    status, out, err = _run(["cat", *files], capsys)
    assert out and UNSAFE.search(out) is None and UNSAFE.search(err) is None
    assert all(len(line) < 400 for line in err.splitlines())
    status, out, err = _run(["cat", "--json", *files], capsys)
    assert ESC not in out and BEL not in out and "\x9b" not in out
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) + len(err.splitlines()) == len(files)
    assert status == (1 if err else 0)
