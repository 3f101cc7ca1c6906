"""The refresh key (f5): new, changed and vanished files are noticed without restarting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Static

from aiwatch_tui.ui.screens.help import HelpScreen
from aiwatch_tui.ui.widgets.reader import Reader
from tests.notices import notices
from tests.settle import settled
from tests.ui.conftest import AppFactory
from tests.ui.shown import listed_titles


async def test_f5_notices_new_changed_and_vanished_files(
    tmp_path: Path, new_app: AppFactory
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.md").write_text("# Alpha Report\n\nThe first version of the text.\n")
    (folder / "b.md").write_text("# Beta Report\n\nSoon to vanish.\n")
    app = new_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert listed_titles(app) == ["Alpha Report", "Beta Report"]
        await pilot.press("enter")  # read Alpha
        await pilot.pause()
        (folder / "a.md").write_text("# Alpha Report\n\nThe second version, longer than before.\n")
        (folder / "b.md").unlink()
        (folder / "c.md").write_text("# Gamma Report\n\nNew arrival.\n")
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert listed_titles(app) == ["Alpha Report", "Gamma Report"]
        reader = app.screen.query_one(Reader)
        assert "second version" in reader.document.text
        assert app.focused is reader  # the reader kept the focus


@pytest.mark.parametrize("library", ["small", "large"])
async def test_files_that_cannot_be_opened_are_one_summary_with_the_list_on_demand(
    tmp_path: Path, library: str, new_app: AppFactory
) -> None:
    """Thirty binaries once raised thirty toasts (half the screen) at launch and again at each
    refresh, and the refresh counted them as documents. Now: one line, the list under `?`.
    A large library is read by a worker after the first paint: the same one line."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.md").write_text("# Alpha Report\n\nReadable.\n")
    body = "Readable too. " * (250_000 if library == "large" else 1)  # 3.5 MB: read later
    (folder / "b.md").write_text(f"# Beta Report\n\n{body}\n")
    for n in range(30):
        (folder / f"blob{n:02}.txt").write_bytes(b"\x00\x01binary" * 50)
    os.mkfifo(folder / "pipe.txt")
    app = new_app(folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        assert listed_titles(app) == ["Alpha Report", "Beta Report"]
        assert _messages(app) == [
            "31 files could not be opened — ? lists them (also: aiwatch doctor)"
        ]
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        listed = str(app.screen.query_one("#unopenable", Static).render())
        assert f"{folder / 'pipe.txt'}: not a regular file (it is a named pipe)" in listed
        for n in range(30):
            assert f"{folder / f'blob{n:02}.txt'}: looks like a binary file" in listed
        await pilot.press("escape")
        app.clear_notifications()
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _messages(app)[-1] == (
            "Library refreshed: 2 documents, 0 changed or gone. "
            "31 files could not be opened — ? lists them (also: aiwatch doctor)."
        )
        assert not any("blob" in message for message in _messages(app))


def _messages(app: App[None]) -> list[str]:
    return [notice for notice in notices(app) if "Refreshing" not in notice]
