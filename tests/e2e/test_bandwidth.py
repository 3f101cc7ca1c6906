"""Over a slow SSH link every byte of a redraw is waited for: moving the caret or the list
cursor must send the rows that changed, not the whole screen again."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import SEED_000
from tests.e2e.terminal import Terminal
from tests.e2e.test_launch import AIWATCH, _env

pytestmark = pytest.mark.e2e

COLS, ROWS = 100, 30


def _bytes_after(term: Terminal, keys: str, settle: float = 0.5) -> int:
    """How many bytes the app writes in answer to `keys` (waiting until it has been quiet)."""
    before = len(term.raw)
    term.send(keys)
    last, quiet_since = before, time.monotonic()
    while time.monotonic() - quiet_since < settle:
        time.sleep(0.05)
        if len(term.raw) != last:
            last, quiet_since = len(term.raw), time.monotonic()
    return len(term.raw) - before


def _quiet(term: Terminal, settle: float = 0.8) -> None:
    _bytes_after(term, "", settle)


def test_a_caret_move_sends_a_few_rows_not_the_screen(tmp_path: Path) -> None:
    with Terminal([AIWATCH, str(SEED_000)], cols=COLS, rows=ROWS, env=_env(tmp_path)) as term:
        term.wait_for(r"When Hollywood Meets Artificial Intelligence")
        _quiet(term)
        full_frame = COLS * ROWS  # one byte a cell is already less than any full redraw
        # The first moves may scroll the caret's context into view; later ones do not.
        _bytes_after(term, "jjjjjjjj")
        sizes = [_bytes_after(term, key) for key in "jjwwbk"]
        term.send("q")
        assert term.wait_exit() == 0
    assert max(sizes) < full_frame / 2, sizes


def test_moving_in_the_list_redraws_the_preview_not_the_whole_screen(tmp_path: Path) -> None:
    with Terminal([AIWATCH], cols=COLS, rows=ROWS, env=_env(tmp_path)) as term:
        term.wait_for(r"no longer a distant concept")
        _quiet(term)
        _bytes_after(term, "\x1b[B")  # the first key may meet start-up's last redraws
        sizes = [_bytes_after(term, key) for key in ("\x1b[A", "\x1b[B")]
        term.send("q")
        assert term.wait_exit() == 0
    # The preview pane is redrawn (its text changed), the list rows and the title: about a
    # screenful, where a repaint of everything on top of that would be two.
    assert max(sizes) < 1.5 * 7_500, sizes


def test_start_up_sends_the_screen_a_few_times_not_seven(tmp_path: Path) -> None:
    with Terminal([AIWATCH], cols=COLS, rows=ROWS, env=_env(tmp_path)) as term:
        term.wait_for(r"no longer a distant concept")
        _quiet(term, settle=1.0)  # the Footer's keys, the indexing worker, the first poll
        sent = len(term.raw)
        term.send("q")
        assert term.wait_exit() == 0
    # A whole screen at 100x30 is about 7.5 KB. Textual draws the first frame, then repaints
    # it once as it settles; the list's focus, the Footer and a document's title must not
    # each add another whole screen (start-up sent about 50 KB when they did).
    assert sent < 5 * 7_500, sent


def test_a_burst_of_keys_is_drawn_once_not_once_per_key(tmp_path: Path) -> None:
    # A slow link delivers keys typed ahead together; they are handled one after the other
    # (each where the one before left the focus), but the screen is sent once, at the end.
    with Terminal([AIWATCH, str(SEED_000)], cols=COLS, rows=ROWS, env=_env(tmp_path)) as term:
        term.wait_for(r"When Hollywood Meets Artificial Intelligence")
        _quiet(term)
        before = len(term.raw)
        term.send("}" * 10)  # ten paragraphs down: the pane scrolls at each
        term.wait_for(r"^ +│ Data Center Workers Step Up")
        _quiet(term, settle=0.5)
        sent = len(term.raw) - before
        term.send("q")
        assert term.wait_exit() == 0
    # Sent once it is about 6 KB (the pane scrolled); a frame per key sent about 16 KB.
    full_frame = 7_500  # a whole screen at 100x30
    assert sent < 1.5 * full_frame, sent
