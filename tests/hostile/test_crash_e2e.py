"""The real `aiwatch` killed, hung up on, and started twice at once: nothing committed is lost,
a note draft is offered back, and both instances come up."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.e2e.terminal import Terminal
from tests.hostile.conftest import AIWATCH, aiwatch_env

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals"),
]

FIRST_TITLE = "The Growing Pains of the Artificial Intelligence Era"  # seed 000
# Long enough for the draft timer (every 3 s) to have written what was typed.
DRAFT_WAIT_S = 3.5


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _kill_group(term: Terminal, signum: int) -> int:
    os.killpg(term.process.pid, signum)
    return term.process.wait(timeout=10)


def _open_first_and_select_a_sentence(term: Terminal) -> None:
    term.wait_for(FIRST_TITLE)
    term.send("\r")  # open the first article in the reader
    term.wait_for(r"Highlight")  # the reader's keys are in the footer once it has focus
    term.send("s")  # select the sentence under the caret


def test_a_highlight_survives_sigkill_right_after_it_was_made(tmp_path: Path) -> None:
    env = aiwatch_env(tmp_path)
    db = Path(env["AIWATCH_DB"])
    with Terminal([AIWATCH], cols=120, rows=40, env=env, cwd=str(tmp_path)) as term:
        _open_first_and_select_a_sentence(term)
        term.send("\r")  # highlight it
        term.wait_for(r"● yellow")
        assert _kill_group(term, signal.SIGKILL) == -signal.SIGKILL
    (row,) = _rows(db, "SELECT exact, color FROM highlights")
    assert FIRST_TITLE in str(row[0]) and row[1] == "yellow"
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]
    with Terminal([AIWATCH], cols=120, rows=40, env=env, cwd=str(tmp_path)) as term:
        term.wait_for(FIRST_TITLE)  # the killed run left nothing that stops the next one
        term.send("n")
        term.wait_for(r"1 highlight")
        term.send("q")
        time.sleep(0.3)
        term.send("q")
        assert term.wait_exit() == 0


def test_a_note_draft_survives_a_hangup_and_is_offered_back(tmp_path: Path) -> None:
    env = aiwatch_env(tmp_path)
    db = Path(env["AIWATCH_DB"])
    typed = "what the SSH link dropped"
    with Terminal([AIWATCH], cols=120, rows=40, env=env, cwd=str(tmp_path)) as term:
        _open_first_and_select_a_sentence(term)
        term.send("a")  # highlight the sentence and open its note editor
        term.wait_for(r"ctrl\+s save")
        term.send(typed)
        term.wait_for(typed)
        time.sleep(DRAFT_WAIT_S)
        _kill_group(term, signal.SIGHUP)
    (row,) = _rows(db, "SELECT target, text FROM drafts")
    assert str(row[0]).startswith("highlight:") and row[1] == typed
    assert _rows(db, "SELECT note FROM highlights") == [("",)]  # never saved as the note
    with Terminal([AIWATCH], cols=120, rows=40, env=env, cwd=str(tmp_path)) as term:
        term.wait_for(FIRST_TITLE)
        term.send("\r")  # the last-read article reopens where the caret was: on the highlight
        term.wait_for(r"v Select")  # the reader has the focus (its keys are in the Footer)
        term.wait_for(r"● yellow")
        term.send("a")
        term.wait_for(r"Recovered an unsaved draft")
        assert typed in term.wait_for(typed)  # the draft is in the editor, ready to keep
        term.send("\x13")  # ctrl+s keeps it
        term.wait_for(r"✎ " + typed)
        term.send("q")
        assert term.wait_exit() == 0
    assert _rows(db, "SELECT note FROM highlights") == [(typed,)]
    assert _rows(db, "SELECT count(*) FROM drafts") == [(0,)]


def test_a_terminal_closed_without_a_hangup_signal_ends_the_app_with_its_position(
    tmp_path: Path,
) -> None:
    # No SIGHUP reaches a program whose terminal is not its controlling one: it must notice
    # the dead terminal itself, not spin on it for ever.
    env = aiwatch_env(tmp_path)
    db = Path(env["AIWATCH_DB"])
    with Terminal([AIWATCH], cols=120, rows=40, env=env, cwd=str(tmp_path)) as term:
        term.wait_for(FIRST_TITLE)
        term.send("\r")
        term.wait_for(r"v Select")
        term.send("G")  # to the end: a reading position worth keeping
        term.wait_for(r"short-term gains")
        term.hang_up()
        assert term.wait_exit(timeout=10) == 0
    ((offset,),) = _rows(db, "SELECT text_offset FROM positions")
    assert int(str(offset)) > 5000


def _both_show(terms: tuple[Terminal, ...], wanted: tuple[str, ...], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screens = [term.text() for term in terms]
        for term, screen in zip(terms, screens, strict=True):
            assert "Traceback" not in screen and "Error" not in screen, screen
            assert term.process.poll() is None, screen
        if all(all(w in screen for w in wanted) for screen in screens):
            return
        time.sleep(0.05)
    raise AssertionError("\n\n".join(term.text() for term in terms))


def test_two_instances_starting_on_a_fresh_database_both_come_up(tmp_path: Path) -> None:
    """Both create, migrate and open one new database at once. (Each has its own search index
    here: two updaters on one fresh index collide, see test_contested_index.py.)"""
    env = aiwatch_env(tmp_path)
    db = Path(env["AIWATCH_DB"])
    first = Terminal(
        [AIWATCH], cols=100, rows=30, env={**env, "AIWATCH_CACHE_DIR": str(tmp_path / "c1")}
    )
    second = Terminal(
        [AIWATCH], cols=100, rows=30, env={**env, "AIWATCH_CACHE_DIR": str(tmp_path / "c2")}
    )
    with first, second:
        _both_show((first, second), ("Growing Pains", "polished ext"), timeout=30)
        for term in (first, second):
            term.send("q")
        assert first.wait_exit() == 0 and second.wait_exit() == 0
    assert _rows(db, "PRAGMA journal_mode") == [("wal",)]
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_a_note_typed_in_one_burst_then_saved_is_kept_whole(tmp_path: Path) -> None:
    env = aiwatch_env(tmp_path)
    db = Path(env["AIWATCH_DB"])
    article = tmp_path / "one.md"
    article.write_text("# One Article\n\nA sentence to highlight. Another one.\n")
    with Terminal([AIWATCH, str(article)], cols=100, rows=30, env=env) as term:
        term.wait_for(r"A sentence to highlight")
        term.send("sa")  # select the sentence, highlight it and open the note editor
        term.wait_for(r"ctrl\+s save")
        term.send("typed over a slow link\x13")  # one packet: the words, then ctrl+s
        deadline = time.monotonic() + 5
        while "ctrl+s save" in term.text() and time.monotonic() < deadline:
            time.sleep(0.05)  # until the editor has closed
        time.sleep(0.3)
        term.send("q")
        assert term.wait_exit() == 0
    assert _rows(db, "SELECT note FROM highlights") == [("typed over a slow link",)]
