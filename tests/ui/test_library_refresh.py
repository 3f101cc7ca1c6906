"""The refresh key (f5): new, changed and vanished files are noticed without restarting."""

from __future__ import annotations

from pathlib import Path

from aiwatch_tui.ui.app import make_app
from aiwatch_tui.ui.widgets.document_list import DocumentList
from aiwatch_tui.ui.widgets.reader import Reader


def _shown_titles(app) -> list[str]:
    rows = app.screen.query_one(DocumentList).options
    return [rows.get_option_at_index(i).entry.info.title for i in range(rows.option_count)]


async def test_f5_notices_new_changed_and_vanished_files(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.md").write_text("# Alpha Report\n\nThe first version of the text.\n")
    (folder / "b.md").write_text("# Beta Report\n\nSoon to vanish.\n")
    app = make_app([folder], db_path=tmp_path / "a.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _shown_titles(app) == ["Alpha Report", "Beta Report"]
        await pilot.press("enter")  # read Alpha
        await pilot.pause()
        (folder / "a.md").write_text("# Alpha Report\n\nThe second version, longer than before.\n")
        (folder / "b.md").unlink()
        (folder / "c.md").write_text("# Gamma Report\n\nNew arrival.\n")
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _shown_titles(app) == ["Alpha Report", "Gamma Report"]
        reader = app.screen.query_one(Reader)
        assert "second version" in reader.document.text
        assert app.focused is reader  # the reader kept the focus
