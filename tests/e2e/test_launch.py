"""The installed `aiwatch` command, run in a real pseudo-terminal, as a person would."""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pyte
import pytest

from tests.conftest import SEED_000
from tests.e2e.terminal import Terminal

pytestmark = pytest.mark.e2e

AIWATCH = str(Path(sys.executable).with_name("aiwatch"))


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "AIWATCH_DB": str(tmp_path / "data" / "aiwatch.db"),
        "AIWATCH_CACHE_DIR": str(tmp_path / "cache"),
        "AIWATCH_CONFIG_DIR": str(tmp_path / "config"),
    }


def test_bundled_articles_open_from_the_list_at_80x24(tmp_path: Path) -> None:
    with Terminal([AIWATCH], cols=80, rows=24, env=_env(tmp_path), cwd=str(tmp_path)) as term:
        term.wait_for(r"Growing Pains", r"polished exterior")  # the derived title of seed 002
        term.send("\r")  # open the selected (first) article
        term.wait_for(r"no longer a distant concept")
        term.send("G")  # to the end, so there is a position worth keeping
        term.wait_for(r"short-term gains")
        term.send("q")
        assert term.wait_exit() == 0
    with sqlite3.connect(tmp_path / "data" / "aiwatch.db") as db:
        rows = db.execute("select doc_key, text_offset from positions").fetchall()
    assert rows and rows[0][0] == "seeds/000_c10daa536b93aa76.txt" and rows[0][1] > 5000


def _first_frame(raw: bytes, cols: int, rows: int) -> str:
    """The screen as the program's first full frame left it (a full frame is drawn from the
    top-left corner; everything before the second one belongs to the first)."""
    home = b"\x1b[1;1H"
    first = raw.find(home)
    assert first >= 0, "no full frame was drawn"
    second = raw.find(home, first + len(home))
    screen = pyte.Screen(cols, rows)
    pyte.ByteStream(screen).feed(raw if second < 0 else raw[:second])
    return "\n".join(line.rstrip() for line in screen.display)


def test_the_first_frame_already_shows_the_article(tmp_path: Path) -> None:
    # Not the list beside an empty pane, filled in a frame later: the first paint is the
    # moment a reader sees the app start.
    with Terminal([AIWATCH], cols=100, rows=30, env=_env(tmp_path)) as term:
        term.wait_for(r"When Hollywood Meets Artificial Intelligence")
        first = _first_frame(bytes(term.raw), 100, 30)
        term.send("q")
        assert term.wait_exit() == 0
    assert "The Growing Pains of the Artif" in first  # the list
    assert "Artificial intelligence is no longer a distant concept" in first  # the reader


def test_single_file_opens_in_the_reading_pane(tmp_path: Path) -> None:
    with Terminal([AIWATCH, str(SEED_000)], cols=100, rows=30, env=_env(tmp_path)) as term:
        # A frame is drawn top to bottom (and may arrive in pieces): wait for its lower line.
        screen = term.wait_for(r"When Hollywood Meets Artificial Intelligence")
        assert "Artificial intelligence is no longer" in screen
        term.send("q")
        assert term.wait_exit() == 0


def test_a_binary_file_gets_one_line_and_no_traceback(tmp_path: Path) -> None:
    binary = tmp_path / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 64)
    with Terminal([AIWATCH, str(binary)], env=_env(tmp_path)) as term:
        status = term.wait_exit()
        output = term.text()
    assert status == 1
    assert "blob.txt" in output and "Traceback" not in output


def test_a_filter_typed_in_one_burst_keeps_every_key(tmp_path: Path) -> None:
    # A slow link can deliver a whole word at once: the keys behind the `/` must reach the
    # filter box it focuses, not the list ('o' is also the outline key there).
    with Terminal([AIWATCH], cols=100, rows=30, env=_env(tmp_path)) as term:
        term.wait_for(r"\? Help")
        term.send("/polished ext\r")
        screen = term.wait_for(r"aiwatch — The AI industry’s polished")
        term.send("q")
        assert term.wait_exit() == 0
    assert screen.splitlines()[1].startswith(" polished ext ")


# SGR parameters that are not colours: reset, bold, dim, italic, underline, blink, reverse,
# conceal, strike, and their "off" forms.
_NOT_COLOURS = {0, 1, 2, 3, 4, 5, 7, 8, 9, 21, 22, 23, 24, 25, 27, 28, 29}


def test_no_color_means_not_one_colour_code_reaches_the_terminal(tmp_path: Path) -> None:
    """NO_COLOR (no-color.org) in a 256-colour terminal: the raw bytes hold no colour at all
    (Textual's own answer sent greys), and highlights, the caret and the list cursor still
    show, by underline, reverse and bold."""
    env = {**_env(tmp_path), "NO_COLOR": "1"}
    with Terminal([AIWATCH], cols=100, rows=30, env=env) as term:
        term.wait_for(r"Growing Pains")
        term.send("\r")  # open the first article
        term.wait_for(r"Highlight")
        term.send("s\r")  # highlight its first sentence
        term.wait_for(r"● yellow")
        term.send("n")  # the annotations screen
        term.wait_for(r"1 highlight")
        term.send("q")
        term.send("q")
        assert term.wait_exit() == 0
        raw = bytes(term.raw)
    attributes: set[int] = set()
    for parameters in re.findall(rb"\x1b\[([0-9;:]*)m", raw):
        attributes.update(int(p) for p in re.split(rb"[;:]", parameters) if p)
    assert attributes - _NOT_COLOURS == set()
    assert {4, 7} <= attributes  # the highlight is underlined; the caret is reverse video
