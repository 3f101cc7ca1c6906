"""Pilot tests of the full-text search screen (ctrl+f): phrases, prefixes, the empty, no-match
and indexing states, moving through results while typing, and Enter opening at the match."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from aiwatch_tui.core.find.fulltext.index import TextHit
from aiwatch_tui.ui.app import AiwatchApp
from aiwatch_tui.ui.screens.main import MainScreen
from aiwatch_tui.ui.screens.search import (
    EMPTY_MESSAGE,
    ResultList,
    SearchScreen,
)
from tests.settle import indexed, until
from tests.ui.conftest import AppFactory
from tests.ui.shown import reader

KEY_002 = "seeds/002_c41b6d65e56e1798.txt"
SIZE = (110, 36)


async def open_search(pilot: Pilot[None]) -> SearchScreen:
    app = pilot.app
    assert isinstance(app, AiwatchApp)
    await indexed(pilot)
    app.action_search()
    await until(
        pilot,
        lambda: isinstance(app.screen, SearchScreen) and bool(app.screen.query("#search-query")),
        "the search screen",
    )
    await pilot.pause()
    assert isinstance(app.screen, SearchScreen)
    return app.screen


async def search_for(pilot: Pilot[None], screen: SearchScreen, query: str) -> list[TextHit]:
    screen.query_box.value = query
    await until(pilot, lambda: screen._shown_query == query, f"results for {query!r}")
    await pilot.pause()
    return screen.results


async def test_a_phrase_is_found_and_enter_puts_the_caret_on_the_match(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        assert screen.message == EMPTY_MESSAGE
        hits = await search_for(pilot, screen, '"trading water for compute"')
        assert [hit.doc_key for hit in hits] == [KEY_002]
        assert screen.status == "1 result"
        marked = " ".join(hits[0].snippet[s:e] for s, e in hits[0].marks)
        assert marked == "trading water for compute"
        shown = str(screen.query_one(ResultList).get_option_at_index(0).prompt)
        assert hits[0].title in shown and hits[0].snippet in shown
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        text = reader(app).document.text
        assert reader(app).document.key == KEY_002
        assert reader(app).caret == text.index("trading water for compute")
        assert app.focused is reader(app)


async def test_a_prefix_query_finds_whole_words(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        assert await search_for(pilot, screen, "comput") == []  # no such word
        hits = await search_for(pilot, screen, "comput*")
        assert len(hits) >= 3
        results = screen.query_one(ResultList)
        for n, hit in enumerate(hits):
            # Every result shows a word starting with "comput" highlighted, in its snippet
            # or (a passage matched by its heading) in its section.
            prompt = results.get_option_at_index(n).prompt
            # Title and section styles are named ("bold", "italic"); matches use the
            # screen's match style, an object.
            marked = [
                prompt.plain[span.start : span.end].lower()
                for span in prompt.spans
                if not isinstance(span.style, str)
            ]
            assert marked and all(word.startswith("comput") for word in marked), (hit, marked)
        assert any("computing" in hit.snippet for hit in hits)


async def test_no_matches_says_so_and_esc_clears_then_closes(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        assert await search_for(pilot, screen, "zzqqxx unicorns") == []
        assert screen.message == "No matches for zzqqxx unicorns."
        assert not screen.query_one(ResultList).display
        await pilot.press("escape")
        await until(pilot, lambda: screen.message == EMPTY_MESSAGE, "the empty state")
        assert screen.query_box.value == "" and app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_arrows_move_through_the_results_while_typing(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await pilot.press(*"dat")  # typed: debounced, the last search wins
        await until(pilot, lambda: screen._shown_query == "dat", "results")
        await pilot.press("asterisk")
        await until(pilot, lambda: screen._shown_query == "dat*", "results")
        hits = screen.results
        assert len(hits) >= 3
        await pilot.press("down", "down", "up")
        assert screen.highlighted == hits[1]
        assert app.focused is screen.query_box
        await pilot.press("enter")
        await pilot.pause()
        assert reader(app).document.key == hits[1].doc_key
        assert reader(app).caret == hits[1].offset


class ChangingIndex:
    """An index whose answers the test controls, as one being filled by a worker."""

    def __init__(self) -> None:
        self.hits: list[TextHit] = []
        self.queries: list[str] = []

    def search(self, query: str, limit: int = 20) -> list[TextHit]:
        self.queries.append(query)
        return self.hits[:limit]


async def test_while_indexing_it_says_so_and_searches_again_when_done(new_app: AppFactory) -> None:
    app = new_app()
    index = ChangingIndex()
    progress: list[tuple[int, int] | None] = [(1234, 10000)]
    async with app.run_test(size=SIZE) as pilot:
        screen = SearchScreen(lambda: index, lambda: progress[0])
        await app.push_screen(screen)
        await pilot.pause()
        await search_for(pilot, screen, "compute")
        assert screen.status == ("indexing 1,234 of 10,000 files — results may be incomplete")
        assert "still being indexed" in screen.message
        index.hits = [TextHit("k", "Late Arrival", "Intro", 7, "compute arrives", ((0, 7),))]
        progress[0] = None  # indexing finished
        await until(pilot, lambda: bool(screen.results), "the fresh search")
        assert screen.status == "1 result"
        assert index.queries == ["compute", "compute"]


async def test_markup_in_a_title_or_snippet_is_shown_literally(
    tmp_path: Path, new_app: AppFactory
) -> None:
    article = tmp_path / "odd.txt"
    article.write_text(
        "[@click=app.quit]Boom [b]bold[/b]\nThe [red]unicorn[/red] report.\n", encoding="utf-8"
    )
    app = new_app(article)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await search_for(pilot, screen, "unicorn")
        prompt = screen.query_one(ResultList).get_option_at_index(0).prompt
        assert "[@click=app.quit]Boom [b]bold[/b]" in str(prompt)
        assert "The [red]unicorn[/red] report." in str(prompt)
        assert not any("@click" in str(span.style) for span in prompt.spans)
        await pilot.click(ResultList, offset=(3, 0))  # clicking a result opens it
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, MainScreen)
