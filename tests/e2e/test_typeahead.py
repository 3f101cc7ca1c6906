"""Keys a slow SSH link delivers together (one write to the terminal) go where the key before
them moved the focus, as they would typed one at a time: the real `aiwatch` in a pty."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from aiwatch_tui.core.store import Store
from tests.conftest import SEED_000
from tests.e2e.terminal import Terminal
from tests.e2e.test_launch import AIWATCH, _env
from tests.highlights import highlight_on

pytestmark = pytest.mark.e2e

SIZES = [pytest.param(80, 24, id="80x24"), pytest.param(100, 30, id="100x30")]


def _db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "aiwatch.db"


def _highlights(db: Path) -> list[tuple[str, str]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT exact, color FROM highlights").fetchall()
    return [(str(exact), str(color)) for exact, color in rows]


def _wait_for_highlights(db: Path, timeout: float = 15.0) -> list[tuple[str, str]]:
    """The highlights once there are some (each is committed the moment it is made)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := _highlights(db):
            return found
        time.sleep(0.05)
    return []


def _launch(tmp_path: Path, cols: int, rows: int) -> Terminal:
    term = Terminal([AIWATCH], cols=cols, rows=rows, env=_env(tmp_path), cwd=str(tmp_path))
    term.wait_for(r"\? Help")  # the Footer: the app is taking keys
    return term


@pytest.mark.parametrize(("cols", "rows"), SIZES)
def test_tab_s_1_in_one_write_highlights_a_sentence(tmp_path: Path, cols: int, rows: int) -> None:
    with _launch(tmp_path, cols, rows) as term:
        term.send("\ts1")  # to the reader, select the sentence, highlight it yellow
        found = _wait_for_highlights(_db(tmp_path))
        screen = term.text()
        term.send("q")
        assert term.wait_exit() == 0
    assert found == [("The Growing Pains of the Artificial Intelligence Era", "yellow")], screen


def test_enter_g_in_one_write_opens_the_article_at_its_end(tmp_path: Path) -> None:
    with _launch(tmp_path, 80, 24) as term:
        term.send("\rG")  # open the article under the list cursor, then go to its end
        term.wait_for(r"short-term gains\.")
        term.send("q")
        assert term.wait_exit() == 0
    with sqlite3.connect(_db(tmp_path)) as db:
        [(key, offset)] = db.execute("SELECT doc_key, text_offset FROM positions").fetchall()
    assert key == "seeds/000_c10daa536b93aa76.txt"
    assert offset >= len(SEED_000.read_text(encoding="utf-8").rstrip()) - 1


def _one_highlight(tmp_path: Path) -> str:
    db = _db(tmp_path)
    db.parent.mkdir(mode=0o700)
    store = Store(db)
    try:
        store.add_highlight(highlight_on(SEED_000, "labor contracts"))
    finally:
        store.close()
    return "labor contracts"


def test_n_slash_word_enter_in_one_write_filters_and_deletes_nothing(tmp_path: Path) -> None:
    quote = _one_highlight(tmp_path)
    with _launch(tmp_path, 80, 24) as term:
        # The annotations screen, its filter box, a word with the delete and note keys in it,
        # then Enter: back to the list with the filter kept.
        term.send("n/xai\r")
        screen = term.wait_for(r"^ xai\s*$")
        assert "1 highlights · 0 notes · 0 shown" in screen
        assert _highlights(_db(tmp_path)) == [(quote, "yellow")]
        term.send("\x1b")  # the list has the focus: Esc clears the filter
        screen = term.wait_for(quote)
        term.send("qq")  # close the screen, quit
        assert term.wait_exit() == 0
    assert _highlights(_db(tmp_path)) == [(quote, "yellow")]


def test_n_slash_word_esc_in_one_write_clears_the_filter_and_deletes_nothing(
    tmp_path: Path,
) -> None:
    quote = _one_highlight(tmp_path)
    with _launch(tmp_path, 80, 24) as term:
        term.send("n/xai\x1b")
        # The annotations screen, its filter empty again (the placeholder shows) and its list
        # with the focus, the highlight still listed.
        screen = term.wait_for(r"^ / filter · color:green(.|\n)*labor contracts")
        assert "Annotations · 1 highlights" in screen
        term.send("qq")
        assert term.wait_exit() == 0
    assert _highlights(_db(tmp_path)) == [(quote, "yellow")]
