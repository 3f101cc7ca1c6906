"""The real `aiwatch` in a pseudo-terminal over hostile articles: nothing from a document may
drive the terminal, markup shows literally, and the terminal is restored on exit."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.e2e.terminal import Terminal
from tests.hostile.conftest import AIWATCH, aiwatch_env
from tests.hostile.corpus import CLIPBOARD_B64, CONTROL_LINES, ESC, MARKERS
from tests.hostile.terminal_check import problems, restored

pytestmark = pytest.mark.e2e

DOWN = "\x1b[B"
UP = "\x1b[A"
ESCAPE = "\x1b"
READER_COLUMN = 34  # at 120 columns the list takes the left 33


def _settle(term: Terminal, pattern: str, keys: str = "", shows: Sequence[str] = ()) -> str:
    """Send `keys`, then wait for `pattern` and for every literal text in `shows`."""
    if keys:
        term.send(keys)
    return term.wait_for(pattern, *(re.escape(text) for text in shows))


def _escape(term: Terminal) -> None:
    # A lone ESC is told apart from the start of a key sequence by a pause after it.
    term.send(ESCAPE)
    time.sleep(0.4)


def _click(term: Terminal, column: int, row: int) -> None:
    """A left click at a 0-based cell, as an SGR mouse report."""
    term.send(f"\x1b[<0;{column + 1};{row + 1}M\x1b[<0;{column + 1};{row + 1}m")


def _find_on_screen(term: Terminal, needle: str, from_column: int) -> tuple[int, int] | None:
    for row, line in enumerate(term.text().splitlines()):
        column = line.find(needle, from_column)
        if column >= 0:
            return column, row
    return None


def _right_border_columns(term: Terminal) -> list[int]:
    """The cell column of the right-most table border on each row of the reader's table."""
    columns: list[int] = []
    inside = False
    for row in range(term.screen.lines):
        cells = term.screen.buffer[row]
        drawn = {col: cells[col].data for col in range(READER_COLUMN + 1, term.screen.columns)}
        if "┌" in drawn.values():
            inside = True
        if inside:
            columns.append(max(c for c, char in drawn.items() if char in "┐│┤╡┘"))
        if "└" in drawn.values():
            break
    return columns


def test_no_byte_sequence_from_a_document_reaches_the_terminal(
    tmp_path: Path, hostile_folder: Path
) -> None:
    folder = hostile_folder.relative_to(tmp_path)  # named as a user would, from its parent
    with Terminal(
        [AIWATCH, str(folder)], cols=120, rows=50, env=aiwatch_env(tmp_path), cwd=str(tmp_path)
    ) as term:
        _settle(term, r"SGR line ␛\[1;31mred")  # the first article, beside the list
        # the files that could not be opened: one summary line, not a toast each
        _settle(term, r"\d+ files could not be opened — \? lists them")
        _settle(term, r"^ aiwatch — Control Sequences", "\r")  # opened: the reader has focus
        for keys in (" ", " ", "G", "g"):  # page through, bottom, top
            term.send(keys)
            time.sleep(0.15)
        _settle(term, r"Carriage line visible text", "o")  # the outline lists its headings
        _escape(term)
        # the help lists them, each with its path; a hostile file name is made visible
        _settle(
            term,
            r"HOSTILE-FILENAME-TITLE␇\[@click=app\.quit\]q\[b\]\.txt",
            "?",
            shows=["aiwatch keys", "articles/24_␛]0;"],
        )
        _escape(term)
        term.send("\t")  # back to the list, then preview every article in turn
        time.sleep(0.3)
        for title in (
            r"\[bold red\]Markup\[/\] Title",
            r"\[@click=app\.quit\]Quit\[/\] \[bold red\]x\[/\]",
            "Trojan Source Sample",
            "Wide And Combining",
            "Little Endian Title",
            "Big Endian Title",
            "Broken Bytes Title",
            "Crlf Title",
        ):
            _settle(term, rf"^ aiwatch — {title}", DOWN)
            if "Trojan" in title:
                # flagged in the status line (toasts may cover its end)
                _settle(
                    term,
                    r"Trojan Source Sample: contains bidirectional",
                    shows=["user␦ ␦// Check if admin␦ ␦"],
                )
            if "Wide" in title:
                # wide, combining and emoji cells: the table's right border stays in line
                _settle(term, r"│ 日本 ", shows=["└"])  # the whole table, to its last border
                borders = _right_border_columns(term)
                assert len(borders) == 5 and len(set(borders)) == 1, borders
        # Markup in titles, headings, text, lists and table cells is on screen as written.
        for title in ("Broken", "Big", "Little", "Wide", "Trojan", r"\[@click=app\.quit\]Quit"):
            _settle(term, rf"^ aiwatch — {title}", UP)
        _settle(
            term,
            r"│ \[@click=app\.quit\]q\[/\] │",
            # (the backticks are Markdown's: a code span shows its text, not its markup)
            shows=["and [@click=app.quit]code[/] and", "[$accent]x heading [on red]"],
        )
        _settle(term, r"^ aiwatch — \[bold red\]Markup\[/\] Title", UP)
        _settle(
            term,
            r"\[@click=app\.quit\]Cell\[/\]",
            shows=[
                "[bold red]x[/]",
                "[@click=app.quit]click[/]",
                "[link=https://evil.example/markup]x[/link]",
                "[$accent]x",
                "\\[escaped]",
                "[on red]Heading",
                "[@click=app.quit]Cell[/]",
            ],
        )
        # Clicking "[@click=app.quit]" text in the reader must not run the action.
        for needle in ("[@click=app.quit]click", "[@click=app.quit]Cell"):
            place = _find_on_screen(term, needle, from_column=READER_COLUMN)
            assert place is not None, needle
            _click(term, place[0] + 4, place[1])
            time.sleep(0.4)
            assert term.process.poll() is None, f"clicking {needle} ended the app"
        # ... and the clicks did arrive: a click on a list entry opens it.
        place = _find_on_screen(term, "Trojan Source Sample", from_column=0)
        assert place is not None
        _click(term, place[0] + 2, place[1])
        _settle(term, r"^ aiwatch — Trojan Source Sample")
        term.send("q")
        assert term.wait_exit() == 0
        time.sleep(0.2)
        raw = bytes(term.raw)
    assert problems(raw, MARKERS) == []
    assert b"\x1b]52" not in raw  # no clipboard write at all: aiwatch offers no OSC 52 copy
    assert restored(raw), "the terminal was not given back: " + repr(raw[-200:])
    assert ESC.encode() + b"[?1049l" in raw


def test_the_checker_catches_what_would_leak() -> None:
    """The assertions above would fail if any family got through."""
    before = b"\x1b[?1049h\x1b[1;1Hhello\x1b]22;default\x07"
    after = b"\x1b[?1049l\x1b[?25h"
    assert problems(before + after, MARKERS) == [] and restored(before + after)
    leaks = (
        b"\x1b]52;c;" + CLIPBOARD_B64.encode() + b"\x07",
        b"\x1b]0;HOSTILE-TITLE-ZERO\x07",
        b"\x1b]8;;https://evil.example/x\x1b\\",
        b"\x1bPHOSTILE-DCS-BODY\x1b\\",
        b"\x1b_x\x1b\\",
        "\x9b31m".encode(),
        b"\x1b[2J",
        b"\x1b[200~",
        b"bell\x07",
        b"back\x08",
        "user\u202e admin".encode(),
        "non\u200cjoiner".encode(),
        "zero\u200dwidth".encode(),
    )
    for leak in leaks:
        assert problems(before + leak + after, MARKERS), leak
    emoji = "\U0001f469\u200d\U0001f4bb \U0001f3f3\ufe0f\u200d\U0001f308".encode()
    assert problems(before + emoji + after, MARKERS) == []
    assert not restored(b"\x1b[?1049h text \x1b[?1049l more text")


def test_a_five_megabyte_single_line_opens_pages_and_quits(tmp_path: Path) -> None:
    article = tmp_path / "one-line.txt"
    words = "word " * (5 * 1024 * 1024 // 5)
    article.write_text("Opening sentence of a very long line. " + words + "THE-END")
    with Terminal([AIWATCH, str(article)], cols=100, rows=30, env=aiwatch_env(tmp_path)) as term:
        term.wait_for(r"Opening sentence", timeout=60)
        term.send(" ")
        term.send("G")
        term.wait_for(r"THE-END", timeout=60)  # a wait, not a speed target: that is in bench/
        term.send("q")
        assert term.wait_exit(timeout=30) == 0
        raw = bytes(term.raw)
    assert restored(raw)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fifo", r"not a regular file \(it is a named pipe\)"),
        ("device", r"not a regular file \(it is a character device\)"),
        ("folder", r"nothing to open"),
        ("huge", r"too large"),
        ("missing", r"no such file"),
    ],
)
def test_a_file_that_cannot_be_read_gives_one_line_and_exit_1(
    tmp_path: Path, name: str, expected: str
) -> None:
    import os

    target = {
        "fifo": tmp_path / "pipe.txt",
        "device": Path("/dev/null"),
        "folder": tmp_path / "empty-folder.txt",
        "huge": tmp_path / "huge.txt",
        "missing": tmp_path / "missing.txt",
    }[name]
    if name == "fifo":
        os.mkfifo(target)
    elif name == "folder":
        target.mkdir()
    elif name == "huge":
        with open(target, "wb") as stream:
            stream.truncate(200 * 1024 * 1024)
    with Terminal([AIWATCH, str(target)], env=aiwatch_env(tmp_path)) as term:
        status = term.wait_exit(timeout=15)
        output = term.text()
        raw = bytes(term.raw)
    assert status == 1
    assert re.search(expected, output), output
    assert "Traceback" not in output and b"\x1b[?1049h" not in raw  # never took the screen


HOSTILE_NOTE = CONTROL_LINES[5] + " " + CONTROL_LINES[3] + " [@click=app.quit]q[/]\nmore"
HOSTILE_DOCUMENT_NOTE = CONTROL_LINES[6] + " " + CONTROL_LINES[7]


def _store_hostile_notes(env: dict[str, str], article: Path, at_start: bool) -> None:
    """A highlight whose note (as an import file or a paste could bring it) is hostile, and a
    hostile document note, straight into the database."""
    from aiwatch_tui.core.anchoring import make_quote
    from aiwatch_tui.core.library.loading import load_document
    from aiwatch_tui.core.model import Highlight, utc_now
    from aiwatch_tui.core.store import Store

    document = load_document(article)
    start = 0 if at_start else len(document.text) - 10
    exact, prefix, suffix = make_quote(document.text, start, start + 8)
    now = utc_now()
    highlight = Highlight(
        id="00000000-0000-4000-8000-000000000001",
        doc_key=document.key,
        doc_hash=document.content_hash,
        start=start,
        end=start + 8,
        exact=exact,
        prefix=prefix,
        suffix=suffix,
        note=HOSTILE_NOTE,
        created=now,
        modified=now,
    )
    with Store(Path(env["AIWATCH_DB"])) as store:
        store.add_highlight(highlight)
        store.set_document_note(document.key, HOSTILE_DOCUMENT_NOTE)


def test_a_hostile_note_in_the_status_line_stays_inert(
    tmp_path: Path, hostile_texts: dict[str, Path]
) -> None:
    env = aiwatch_env(tmp_path)
    _store_hostile_notes(env, hostile_texts["wide"], at_start=True)
    with Terminal([AIWATCH, str(hostile_texts["wide"])], cols=120, rows=40, env=env) as term:
        # the caret is on the highlight: its note is in the status line, shown as written
        term.wait_for(r"✎ Clipboard line", re.escape("[@click=app.quit]q[/]"))
        term.send("q")
        assert term.wait_exit() == 0
        raw = bytes(term.raw)
    assert problems(raw, MARKERS) == []
    assert restored(raw)


def test_hostile_notes_on_the_annotations_screen_stay_inert(
    tmp_path: Path, hostile_texts: dict[str, Path]
) -> None:
    env = aiwatch_env(tmp_path)
    _store_hostile_notes(env, hostile_texts["wide"], at_start=False)
    with Terminal([AIWATCH, str(hostile_texts["wide"])], cols=120, rows=40, env=env) as term:
        term.wait_for(r"Wide And Combining")
        term.send("n")
        term.wait_for(r"Document note", r"Clipboard line", r"DCS line")
        _escape(term)
        term.send("q")
        assert term.wait_exit() == 0
        raw = bytes(term.raw)
    assert problems(raw, MARKERS) == []
    assert restored(raw)
