"""Pilot tests of the command palette (ctrl+p): documents, sections, highlights, notes and
commands in one box, fzf's query syntax, Enter going to the exact place."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from textual.app import App
from textual.command import CommandInput, CommandList, CommandPalette
from textual.content import Content
from textual.pilot import Pilot

from aiwatch_tui.core.anchoring import make_quote
from aiwatch_tui.core.model import Document, Highlight, utc_now
from aiwatch_tui.ui.app import AiwatchApp
from aiwatch_tui.ui.palette import (
    LABEL_WIDTH,
    AiwatchProvider,
    Entry,
    PaletteIndex,
    without_pending_operator,
)
from aiwatch_tui.ui.widgets.find_bar import FindBar
from tests.growth import assert_linear
from tests.settle import indexed, until
from tests.ui.conftest import AppFactory
from tests.ui.shown import reader

KEY_000 = "seeds/000_c10daa536b93aa76.txt"
KEY_002 = "seeds/002_c41b6d65e56e1798.txt"
SIZE = (110, 36)


def palette_app(new_app: AppFactory, *targets: Path) -> AiwatchApp:
    app = new_app(*targets)
    # What app.py declares (COMMANDS = {AiwatchProvider}); set here too so these tests
    # exercise exactly this provider.
    app.COMMANDS = {AiwatchProvider}  # type: ignore[misc]  # on this instance only
    return app


def options(app: AiwatchApp) -> list[str]:
    """The palette's options as plain text, first line only."""
    commands = app.screen.query_one(CommandList)
    return [
        str(commands.get_option_at_index(i).prompt).split("\n")[0]
        for i in range(commands.option_count)
    ]


def palette_is_open(app: App[Any]) -> bool:
    return isinstance(app.screen, CommandPalette)


async def palette_search(pilot: Pilot[None], query: str, *, typed: bool = False) -> list[str]:
    """Open the palette (if needed), enter `query` and return the hits once gathered.

    Setting the box's value is one keystroke's work; `typed` presses every key instead (each
    Pilot key press costs ~0.1 s here)."""
    app = pilot.app
    assert isinstance(app, AiwatchApp)
    if not palette_is_open(app):
        await pilot.press("ctrl+p")
        await until(pilot, lambda: palette_is_open(app), "the palette")
    if typed:
        await pilot.press(*query)
    else:
        app.screen.query_one(CommandInput).value = query
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    return options(app)


def document(app: AiwatchApp, key: str) -> Document:
    loaded = app.catalog.load(key)
    assert isinstance(loaded, Document)
    return loaded


def add_highlight(app: AiwatchApp, key: str, quote: str, note: str = "") -> Highlight:
    doc = document(app, key)
    start = doc.text.index(quote)
    exact, prefix, suffix = make_quote(doc.text, start, start + len(quote))
    now = utc_now()
    highlight = Highlight(
        id=str(uuid.uuid4()),
        doc_key=key,
        doc_hash=doc.content_hash,
        start=start,
        end=start + len(quote),
        exact=exact,
        prefix=prefix,
        suffix=suffix,
        note=note,
        created=now,
        modified=now,
    )
    app.store.add_highlight(highlight)
    return highlight


async def test_a_typo_in_a_title_word_finds_the_document_and_enter_opens_it(
    new_app: AppFactory,
) -> None:
    app = palette_app(new_app)
    async with app.run_test(size=SIZE) as pilot:
        await indexed(pilot)
        assert reader(app).document.key == KEY_000  # the first document is showing
        found = await palette_search(pilot, "polishd exteriro")
        assert found[0].startswith("doc") and "polished exterior" in found[0]
        await pilot.press("enter")
        await pilot.pause()
        assert not palette_is_open(app)
        assert reader(app).document.key == KEY_002
        assert app.focused is reader(app)


async def test_a_section_heading_puts_the_caret_on_it(new_app: AppFactory) -> None:
    app = palette_app(new_app)
    async with app.run_test(size=SIZE) as pilot:
        await indexed(pilot)
        found = await palette_search(pilot, "workrs", typed=True)  # with a typo
        assert found[0].split() == ["section", "Data", "Center", "Workers", "Step", "Up"]
        await pilot.press("enter")
        await pilot.pause()
        text = reader(app).document.text
        assert reader(app).document.key == KEY_000
        assert reader(app).caret == text.index("Data Center Workers Step Up")


async def test_a_highlight_by_its_quote_and_by_its_note(new_app: AppFactory) -> None:
    app = palette_app(new_app)
    async with app.run_test(size=SIZE) as pilot:
        await indexed(pilot)
        highlight = add_highlight(
            app, KEY_002, "trading water for compute", note="ask the operator about cooling"
        )
        found = await palette_search(pilot, "trading water")
        assert found[0].startswith("highlight") and "trading water for compute" in found[0]
        await pilot.press("enter")
        await pilot.pause()
        assert reader(app).document.key == KEY_002
        assert reader(app).caret == highlight.start

        reader(app).move_caret(0)
        found = await palette_search(pilot, "operatr cooling")  # a typo in the note
        assert found[0].startswith("note") and "ask the operator about cooling" in found[0]
        await pilot.press("enter")
        await pilot.pause()
        assert reader(app).caret == highlight.start


async def test_markup_in_a_note_or_title_is_shown_literally_and_does_nothing(
    tmp_path: Path,
    new_app: AppFactory,
) -> None:
    article = tmp_path / "odd.txt"
    article.write_text(
        "[@click=app.quit]Boom [b]bold[/b]\nA short article about markup.\n", encoding="utf-8"
    )
    app = palette_app(new_app, article)
    async with app.run_test(size=SIZE) as pilot:
        key = reader(app).document.key
        app.store.set_document_note(key, "[@click=app.quit]x")
        found = await palette_search(pilot, "click")
        assert any(line.endswith("[@click=app.quit]x") for line in found)
        assert any("[@click=app.quit]Boom [b]bold[/b]" in line for line in found)
        commands = app.screen.query_one(CommandList)
        for index in range(commands.option_count):
            prompt = commands.get_option_at_index(index).prompt
            assert not any("@click" in str(span.style) for span in prompt.spans)
        await pilot.click(CommandList, offset=(4, 1))  # a click on a hit opens, never quits
        await pilot.pause()
        assert app.is_running and app.return_code is None


async def test_fzf_syntax_exact_prefix_and_exclusion(new_app: AppFactory) -> None:
    app = palette_app(new_app)
    async with app.run_test(size=SIZE) as pilot:
        await indexed(pilot)
        starting = await palette_search(pilot, "^when")
        texts = [line.split(None, 1)[1] for line in starting]
        assert sorted(texts) == [
            "When Hollywood Meets Artificial Intelligence",
            "When Tech Giants Drop the Ball on Privacy",
        ]
        excluding = await palette_search(pilot, "'when !tech")
        assert [line.split(None, 1)[1] for line in excluding] == [
            "When Hollywood Meets Artificial Intelligence"
        ]
        # A fuzzy term finds a typo; the same term quoted must occur exactly.
        assert "section   Data Center Workers Step Up" in await palette_search(pilot, "wrokers")
        assert await palette_search(pilot, "'wrokers") == []


async def test_commands_are_listed_and_run(new_app: AppFactory) -> None:
    app = palette_app(new_app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await until(pilot, lambda: bool(options(app)), "the discovery list")
        shown = options(app)
        assert "command   Theme" in shown
        assert any(line.startswith("doc") for line in shown)
        await pilot.press("escape")
        await pilot.pause()
        # The keys of the screen are commands too: "Find" is the reader's "/".
        reader(app).focus()
        await pilot.pause()
        found = await palette_search(pilot, "find")
        assert found[0] == "command   Find"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one(FindBar).is_open


def test_ranking_prefers_exact_matches_and_documents_and_stops_when_cancelled() -> None:
    entries = [
        Entry("section", "Compute budgets", "Doc A", "a", 10),
        Entry("doc", "Compute budgets", "1,000 words", "b"),
        Entry("highlight", "the compuet budget was cut", "Doc C", "c", 5, "h1"),
        Entry("note", "nothing relevant here", "Doc D", "d"),
    ]
    index = PaletteIndex(entries)
    found = [entry for entry, _positions in index.search("compute budgets")]
    # Equal text: the document first; a typo of both words after the exact matches.
    assert [e.kind for e in found] == ["doc", "section", "highlight"]
    typo = index.search("compuet")
    assert typo[0][0].kind == "highlight" and typo[0][1] == tuple(range(4, 11))
    assert index.search("compute", cancelled=lambda: True) == []


def test_an_operator_still_waiting_for_its_word_is_not_searched_for() -> None:
    assert without_pending_operator("openai !") == "openai"
    assert without_pending_operator("openai !^") == "openai"
    assert without_pending_operator("^") == ""
    assert without_pending_operator("openai !t") == "openai !t"
    assert without_pending_operator("'!") == "'!"  # the exact term "!"
    assert without_pending_operator("campus$") == "campus$"


# A 105-character title whose last query word starts at character 91: cut at the palette's
# width, the match was off screen and the document looked not found (issue 16).
LONG_TITLE = (
    "Models Sophisticated Enough to Decide for Themselves What Counts as Progress, "
    "and the Many Gains We Adapt"
)


async def test_every_matched_word_of_a_long_title_is_on_screen(
    tmp_path: Path, new_app: AppFactory
) -> None:
    assert len(LONG_TITLE) == 105 and LONG_TITLE.index("Gains") == 91
    article = tmp_path / "long-title.md"
    article.write_text(f"# {LONG_TITLE}\n\nA short body.\n", encoding="utf-8")
    app = palette_app(new_app, article)
    async with app.run_test(size=(100, 30)) as pilot:
        found = await palette_search(pilot, "sophisticated themselves gains")
        line = found[0]
        assert line.startswith("doc")
        for word in ("Sophisticated", "Themselves", "Gains"):
            assert word in line
        assert len(line) <= 100 - 6  # the palette's width at 100 columns
        prompt = app.screen.query_one(CommandList).get_option_at_index(0).prompt
        assert isinstance(prompt, Content)
        first_line = prompt.plain.split("\n")[0]
        highlighted = sorted(
            first_line[span.start : span.end]
            for span in prompt.spans
            if LABEL_WIDTH <= span.start < span.end <= len(first_line)
        )
        assert highlighted == ["Gains", "Sophisticated", "Themselves"]


async def test_a_word_only_in_an_articles_text_finds_that_article_not_strewn_letters(
    new_app: AppFactory,
) -> None:
    # Issue 17: "nvidia" showed only this highlight, its letters strewn across it, and not
    # the article about Nvidia (whose title does not name it).
    strewn = "Behind every seamless AI interaction, there is a massive physical infrastructure"
    app = palette_app(new_app)
    async with app.run_test(size=SIZE) as pilot:
        await indexed(pilot)
        add_highlight(app, KEY_000, strewn)
        found = await palette_search(pilot, "nvidia")
        assert found and found[0].startswith("text") and "nvidia" in found[0].lower()
        assert not any(strewn[:30] in line for line in found)
        await pilot.press("enter")
        await pilot.pause()
        assert reader(app).document.key == KEY_002
        text = reader(app).document.text
        assert text[reader(app).caret :].startswith("Nvidia")
        # Several words are asked of the full-text index while the candidates are ranked
        # (not after): the passage that holds them all, first.
        found = await palette_search(pilot, "nvidia captured")
        assert found and found[0].startswith("text"), found
        assert "nvidia was captured" in found[0].lower()


async def test_the_library_index_is_kept_between_openings_and_updated_in_parts(
    new_app: AppFactory,
) -> None:
    app = palette_app(new_app)
    async with app.run_test(size=SIZE) as pilot:
        await indexed(pilot)
        await palette_search(pilot, "compute")
        await pilot.press("escape")
        library = app.palette_candidates
        assert library is not None
        documents, notes = library.current()
        assert library.current() == [documents, notes]  # nothing changed: nothing rebuilt
        add_highlight(app, KEY_002, "trading water for compute")
        found = await palette_search(pilot, "trading water")
        assert found[0].startswith("highlight")
        again_documents, again_notes = library.current()
        assert again_documents is documents  # the library was not indexed again
        assert again_notes is not notes  # the highlights and notes were


def test_a_three_word_query_grows_no_faster_than_the_candidates() -> None:
    words = "model compute chip cloud energy water policy union budget review launch".split()

    def entries(count: int) -> list[Entry]:
        made = []
        for n in range(count):
            title = " ".join(words[(n * k + n // 7) % len(words)] for k in (1, 3, 5, 7))
            made.append(Entry("doc", f"{title} {n}", "", f"doc-{n}"))
            made.append(Entry("highlight", f"A quote about {title} and more {n}", "", f"doc-{n}"))
        return made

    indexes = {n: PaletteIndex(entries(n)) for n in (2500, 10_000)}
    assert indexes[10_000].search("compute water launch")  # a query that does match
    assert_linear(lambda n: indexes[n].search("compute water launch"), 2500)


async def test_the_footer_under_the_palette_is_not_rebuilt_and_shows_its_keys_after(
    new_app: AppFactory,
) -> None:
    # Rebuilding the covered screen's Footer (a widget per key) cost 40-60 ms of every
    # opening, before the keys typed after ctrl+p were taken.
    from textual.widgets import Footer

    app = palette_app(new_app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = app.screen
        footer = main.query_one(Footer)
        await until(pilot, lambda: bool(footer.children), "the Footer's keys")
        keys = list(footer.children)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: bool(options(app)), "the discovery list")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert list(footer.children) == keys
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main, "the main screen")
        await pilot.pause()
        assert footer.children, "the Footer lists keys again"
        shown = [str(key.render()) for key in footer.children]
        assert any("palette" in label for label in shown), shown
