"""The installed `aiwatch` in a real pseudo-terminal: `y` copies through OSC 52 (what reaches
the terminal is checked byte for byte); habits typed fast (a whole sequence in one write, as a
slow SSH link delivers it) do what they do typed one at a time; and `aiwatch -` reads an
article from a pipe and then takes its keys from the terminal."""

from __future__ import annotations

import base64
import re
import shlex
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.terminal import Terminal

pytestmark = pytest.mark.e2e

AIWATCH = str(Path(sys.executable).with_name("aiwatch"))
OSC_52 = re.compile(rb"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07")

# A sentence that carries an OSC 52 write of its own, a bell and a bidi override: the reader
# shows them as symbols, and what `y` sends is what the reader shows.
HOSTILE = (
    "A plain first sentence.\n\n"
    "Evil \x1b]52;c;cm0gLXJmIH4K\x07 and \u202eslanted\u202c text stays quoted. Then more.\n"
)


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "AIWATCH_DB": str(tmp_path / "data" / "aiwatch.db"),
        "AIWATCH_CACHE_DIR": str(tmp_path / "cache"),
        "AIWATCH_CONFIG_DIR": str(tmp_path / "config"),
        **more,
    }


def _osc52_writes(term: Terminal, count: int, timeout: float = 15.0) -> list[bytes]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [base64.b64decode(m) for m in OSC_52.findall(bytes(term.raw))]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{count} OSC 52 writes never came; the screen:\n{term.text()}")


def test_y_sends_the_sanitised_selection_to_the_terminal_clipboard(tmp_path: Path) -> None:
    article = tmp_path / "hostile.txt"
    article.write_bytes(HOSTILE.encode())
    with Terminal([AIWATCH, str(article)], env=_env(tmp_path), cwd=str(tmp_path)) as term:
        term.wait_for(r"A plain first sentence")
        term.send("}")  # to the second paragraph
        term.send("s")  # its first sentence
        term.wait_for(r"Selected \d+ characters")
        term.send("y")
        term.wait_for(r"Copied \d+ characters")
        (copied,) = _osc52_writes(term, 1)
        text = copied.decode("utf-8")
        # What the reader shows: escape, bell and override as the symbols ␛ ␇ ␦.
        assert text == "Evil ␛]52;c;cm0gLXJmIH4K␇ and ␦slanted␦ text stays quoted."
        # Exactly one OSC 52 reached the terminal: the article's own never did.
        assert bytes(term.raw).count(b"\x1b]52;") == 1
        assert b"cm0gLXJmIH4K\x07" not in bytes(term.raw)
        term.send("q")
        assert term.wait_exit() == 0


def test_clipboard_off_sends_nothing(tmp_path: Path) -> None:
    article = tmp_path / "plain.txt"
    article.write_text("One sentence here. Another one.\n")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text('clipboard = "off"\n')
    with Terminal([AIWATCH, str(article)], env=_env(tmp_path), cwd=str(tmp_path)) as term:
        term.wait_for(r"One sentence here")
        term.send("sy")
        term.wait_for(r"Not copied: the clipboard is off")
        term.send("q")
        assert term.wait_exit() == 0
    assert b"\x1b]52;" not in bytes(term.raw)


LINKED = (
    "# Sources\n\n"
    "The first paragraph, with nothing to open.\n\n"
    "The figures come from https://example.org/report?id=7 and more.\n\n"
    "The last paragraph.\n"
)


def test_habit_sequences_each_in_one_write(tmp_path: Path) -> None:
    article = tmp_path / "sources.md"
    article.write_text(LINKED)
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(
        f"import sys, pathlib\npathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n"
    )
    env = _env(tmp_path, BROWSER=f"{sys.executable} {browser}")
    with Terminal([AIWATCH, str(article)], env=env, cwd=str(tmp_path)) as term:
        term.wait_for(r"nothing to open")
        # Two paragraphs on, selected to the next one (not into it), copied: one write.
        term.send("}}v}y")
        (copied,) = _osc52_writes(term, 1)
        assert copied.decode() == "The figures come from https://example.org/report?id=7 and more."
        # The selection dropped, back to the top, on to the link, g x opens it: one write.
        term.send("vgg}}wwwwgx")
        deadline = time.monotonic() + 15
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.exists(), term.text()
        assert opened.read_text() == "https://example.org/report?id=7"
        # z z centres, ctrl+e scrolls, ctrl+b pages up, and q still quits: one write.
        term.send("zz\x05\x02q")
        assert term.wait_exit() == 0


def test_gx_runs_a_text_browser_in_the_terminal_and_comes_back(tmp_path: Path) -> None:
    article = tmp_path / "sources.md"
    article.write_text(LINKED)
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "bin" / "w3m"  # a text browser, by its name
    browser.parent.mkdir()
    browser.write_text(
        f"#!{sys.executable}\n"
        "import sys, pathlib\n"
        "print('TEXT BROWSER SHOWS', sys.argv[1], flush=True)\n"
        "sys.stdin.readline()  # from the terminal, until enter\n"
        f"pathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n"
    )
    browser.chmod(0o755)
    with Terminal([AIWATCH, str(article)], env=_env(tmp_path, BROWSER=str(browser))) as term:
        term.wait_for(r"nothing to open")
        term.send("}}wwwwgx")
        term.wait_for(r"TEXT BROWSER SHOWS https://example.org/report\?id=7")
        assert not opened.exists()  # it has the terminal, and waits for its keys
        term.send("\r")
        term.wait_for(r"Back from w3m: https://example.org/report\?id=7", r"nothing to open")
        assert opened.read_text() == "https://example.org/report?id=7"
        term.send("j")  # aiwatch has its keys again
        term.send("q")
        assert term.wait_exit() == 0


def test_an_article_piped_to_aiwatch_dash(tmp_path: Path) -> None:
    article = tmp_path / "piped.md"
    article.write_text("# A piped article\n\nIts first paragraph says hello.\n\nAnd a second.\n")
    command = f"cat {shlex.quote(str(article))} | {shlex.quote(AIWATCH)} -"
    with Terminal(["sh", "-c", command], env=_env(tmp_path), cwd=str(tmp_path)) as term:
        # Straight in the reader, keys from the terminal (the pipe is the article).
        term.wait_for(r"A piped article", r"says hello")
        term.send("}s")
        term.wait_for(r"Selected \d+ characters")
        term.send("\r")  # a highlight
        term.wait_for(r"yellow")
        term.send("q")
        assert term.wait_exit() == 0
    with sqlite3.connect(tmp_path / "data" / "aiwatch.db") as db:
        (key, exact) = db.execute("select doc_key, exact from highlights").fetchone()
    # Kept under the text's own hash: piping the same text again shows the highlight.
    assert re.fullmatch(r"urn:aiwatch:stdin:sha256:[0-9a-f]{64}", key)
    assert exact == "Its first paragraph says hello."
    assert (
        not (tmp_path / "cache" / "search-index.db").exists()
        or b"says hello" not in (tmp_path / "cache" / "search-index.db").read_bytes()
    )  # the text itself is written nowhere


def test_aiwatch_dash_with_nothing_piped_says_so(tmp_path: Path) -> None:
    with Terminal(["sh", "-c", f"{shlex.quote(AIWATCH)} - </dev/null"], env=_env(tmp_path)) as t:
        assert t.wait_exit() == 1
        assert "aiwatch: -: standard input: nothing to read" in t.text()


def test_a_mouse_drag_from_the_terminal_selects_and_enter_highlights(tmp_path: Path) -> None:
    article = tmp_path / "chips.txt"
    article.write_text("Chips cost a great deal of money these days.\n\nA second paragraph.\n")
    with Terminal([AIWATCH, str(article)], env=_env(tmp_path), cwd=str(tmp_path)) as term:
        term.wait_for(r"Chips cost a great deal")
        row, column = next(
            (y + 1, line.index("cost") + 1)
            for y, line in enumerate(term.text().splitlines())
            if line.strip().startswith("Chips cost")  # the text, not the title bar
        )
        end = column + len("cost a great")  # released on the space after it
        # SGR mouse reports, as a terminal sends them: press, motion with the button held,
        # release (columns and rows count from 1).
        term.send(f"\x1b[<0;{column};{row}M\x1b[<32;{end - 4};{row}M\x1b[<32;{end};{row}M")
        term.send(f"\x1b[<0;{end};{row}m")
        term.wait_for(r"Selected 12 characters, 3 words")
        term.send("\r")
        term.wait_for(r"v Select  ⏎ Highlight")  # no selection now: the Footer is as before
        term.send("q")
        assert term.wait_exit() == 0
    with sqlite3.connect(tmp_path / "data" / "aiwatch.db") as db:
        # Without the space the button was released on.
        assert db.execute("select exact from highlights").fetchall() == [("cost a great",)]
