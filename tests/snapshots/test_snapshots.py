"""SVG snapshots of the layout at 80x24 (SSH) and 120x40. Update with --snapshot-update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from aiwatch_tui.core.anchoring import make_quote
from aiwatch_tui.core.library.loading import load_document
from aiwatch_tui.core.model import Highlight
from aiwatch_tui.core.store import Store
from aiwatch_tui.ui.app import make_app
from tests.conftest import SEED_000
from tests.settle import settled

KEY_000 = "seeds/000_c10daa536b93aa76.txt"
FIXED_TIME = "2026-01-15T09:30:00.000Z"  # a fixed clock, so dates on screen never change


def _settled(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Let start-up finish (the indexing worker, the Footer mounted after the first paint),
    press `keys`, and let what they started finish too: the screenshot is taken of a screen at
    rest, never one a worker is still filling (which differs from run to run under load)."""

    async def run(pilot: Pilot[None]) -> None:
        await settled(pilot)
        await pilot.press(*keys)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run


def _annotated_db(tmp_path: Path) -> Path:
    """A database with two highlights (one with a note) and an orphan, made at a fixed time."""
    db = tmp_path / "snap.db"
    document = load_document(SEED_000, key=KEY_000)
    text = document.text
    store = Store(db)
    spans = [
        (
            "11111111-1111-4111-8111-111111111111",
            "Artificial intelligence is no longer",
            "yellow",
            "The thesis, in [bold]one[/bold] line.",
        ),
        (
            "22222222-2222-4222-8222-222222222222",
            "exposing the fragile infrastructure",
            "green",
            "",
        ),
    ]
    for highlight_id, phrase, color, note in spans:
        start = text.index(phrase)
        end = start + len(phrase)
        exact, prefix, suffix = make_quote(text, start, end)
        store.add_highlight(
            Highlight(
                highlight_id,
                KEY_000,
                document.content_hash,
                start,
                end,
                exact,
                prefix,
                suffix,
                color,
                note,
                FIXED_TIME,
                FIXED_TIME,
            )
        )
    store.add_highlight(
        Highlight(
            "33333333-3333-4333-8333-333333333333",
            KEY_000,
            "0" * 64,
            10,
            40,
            "A passage that was edited away",
            "",
            "",
            "pink",
            "Lost when the article changed",
            FIXED_TIME,
            FIXED_TIME,
        )
    )
    store.close()
    return db


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_start_screen(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(
        make_app(db_path=tmp_path / "a.db"), terminal_size=size, run_before=_settled()
    )


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_table_article(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    # Seed 002: a derived title and a pipe table drawn as a real table.
    app = make_app(db_path=tmp_path / "a.db")
    keys = ["down", "enter", "j", "j", "j", "j"]
    assert snap_compare(app, terminal_size=size, run_before=_settled(*keys))


def test_outline_at_120x40(snap_compare, tmp_path: Path) -> None:
    app = make_app(db_path=tmp_path / "a.db")
    keys = ["enter", "o", "down", "down"]
    assert snap_compare(app, terminal_size=(120, 40), run_before=_settled(*keys))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_highlights_in_the_reader(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(db_path=_annotated_db(tmp_path))
    assert snap_compare(app, terminal_size=size, run_before=_settled("enter", "j", "j"))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_annotations_screen(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(db_path=_annotated_db(tmp_path))
    assert snap_compare(app, terminal_size=size, run_before=_settled("n"))


def test_help_at_80x24(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(
        make_app(db_path=tmp_path / "a.db"),
        terminal_size=(80, 24),
        run_before=_settled("question_mark"),
    )


DOCUMENTS = Path(__file__).parents[1] / "documents"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_readme_like_markdown(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    # Front matter hidden (its title in the title bar), HTML tags hidden, badges on one line.
    app = make_app([DOCUMENTS / "README-like.md"], db_path=tmp_path / "a.db")
    assert snap_compare(app, terminal_size=size, run_before=_settled())


def test_readme_like_markdown_further_down(snap_compare, tmp_path: Path) -> None:
    # A code block inside a list item, a quote in an item, a table, task items, a footnote.
    app = make_app([DOCUMENTS / "README-like.md"], db_path=tmp_path / "a.db")
    keys = ["ctrl+d"] * 1
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settled(*keys))


def test_hard_wrapped_licence(snap_compare, tmp_path: Path) -> None:
    # Wrapped paragraphs joined, numbered sections and ALL-CAPS titles as headings, the
    # address at the end kept as written.
    app = make_app([DOCUMENTS / "orchard-licence.txt"], db_path=tmp_path / "a.db")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settled())
