"""The full-text search screen (ctrl+f): ranked passages of every document, by FTS5/BM25.

Words must all occur; "quoted words" are a phrase; word* is a prefix (core.find.fulltext.query
turns what is typed into an FTS5 query that cannot be a syntax error). Each keystroke restarts a
short debounce, then the query runs in an exclusive thread worker, so a stale search never
overwrites a newer one. While the library is still being indexed the screen says so, and
searches again when indexing ends.

The screen dismisses with the chosen TextHit (or None); the App, which pushed it, opens the
document with the caret on the match. What it shows of the index (the index once open, the
indexing progress, why there is none) it reads through the callables it was given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content, Span
from textual.message import Message
from textual.screen import Screen
from textual.style import Style
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from aiwatch_tui.core.find.fulltext.index import TextHit
from aiwatch_tui.core.find.fulltext.query import match_marks, query_parts
from aiwatch_tui.core.text.sanitize import visible
from aiwatch_tui.ui.keys import keyed
from aiwatch_tui.ui.widgets.key_footer import KeyFooter

MAX_RESULTS = 50
# Long enough to skip the searches a fast typist would throw away, short enough not to feel.
DEBOUNCE_SECONDS = 0.12
# How often the indexing progress is looked at (the App keeps it in a plain attribute).
PROGRESS_SECONDS = 0.25

EMPTY_MESSAGE = (
    "Search the full text of every document. All words must occur; "
    '"words in quotes" are a phrase; comput* matches words starting with comput. '
    "Enter opens the document at the match; Esc clears, then closes."
)
INDEX_MISSING_MESSAGE = "The search index is not open yet."

# For the help screen.
HELP_ROWS: list[tuple[str, str]] = [
    ("ctrl+f", "search the full text of every document"),
    ("words", "passages with all the words (ranked by BM25)"),
    ('"a phrase"', "the words together, in order"),
    ("comput*", "words starting with comput"),
    ("↑ ↓ PgUp PgDn", "move through the results while typing"),
    ("enter", "open the document with the caret on the match"),
    ("esc", "clear the query, then close"),
]


class TextSearcher(Protocol):
    """What the screen needs of the index (core.find.fulltext.index.FullTextIndex fits)."""

    def search(self, query: str, limit: int = ...) -> list[TextHit]: ...


def indexing_message(progress: tuple[int, int]) -> str:
    done, total = progress
    return f"indexing {done:,} of {total:,} files — results may be incomplete"


def _marked(text: str, marks: Sequence[tuple[int, int]], style: Style | str) -> Content:
    shown = visible(text)  # one character for one: the marks still hold
    spans = [Span(start, end, style) for start, end in marks if 0 <= start < end <= len(shown)]
    return Content(shown, spans)


def result_prompt(
    hit: TextHit, match_style: Style | str, query: str = "", width: int = 0
) -> Content:
    """The document title and section on one line (cut to `width`, if given); the snippet
    below, wrapped. Matched words are styled in both: a passage can match by its heading."""
    title = Content.styled(visible(hit.title) or hit.doc_key, "bold")
    section = Content()
    if hit.section:
        section_marks = match_marks(hit.section, query_parts(query)) if query else []
        section = Content(" · ") + _marked(hit.section, section_marks, match_style)
        section = section.stylize_before("italic")
    if width > 0:
        # A long title leaves the section at least half the line.
        title = title.truncate(max(width // 2, width - section.cell_length), ellipsis=True)
        heading = (title + section).truncate(width, ellipsis=True)
    else:
        heading = title + section
    return Content("\n").join([heading, _marked(hit.snippet, hit.marks, match_style)])


class _QueryInput(Input):
    """The query box: the arrows move through the results below while typing."""

    BINDINGS = keyed(
        "search",
        [
            Binding("down", "results('cursor_down')", "Next result", show=False, id="next"),
            Binding("up", "results('cursor_up')", "Previous result", show=False, id="previous"),
            Binding("pagedown", "results('page_down')", "Next page", show=False, id="next_page"),
            Binding(
                "pageup", "results('page_up')", "Previous page", show=False, id="previous_page"
            ),
            # Shown in the footer: the box has the focus, so its bindings are the ones listed.
            Binding("enter", "submit", "Open"),
            Binding("escape", "screen.back", "Clear / close"),
        ],
    )

    def action_results(self, action: str) -> None:
        getattr(self.screen.query_one(ResultList), f"action_{action}")()


class ResultList(OptionList, can_focus=False):
    """The results; the query box keeps the focus, so typing never stops."""


class SearchScreen(Screen[TextHit | None]):
    """Dismisses with the chosen TextHit, or None."""

    @dataclass
    class Found(Message):
        """What the search worker found for `query` (or why it failed)."""

        query: str
        hits: list[TextHit]
        problem: str = ""

    COMPONENT_CLASSES = {"search-screen--match"}
    DEFAULT_CSS = """
    SearchScreen { layout: vertical; }
    SearchScreen > .search-screen--match { text-style: bold; color: $text-accent; }
    SearchScreen #search-query { border: none; height: 1; padding: 0 1; background: $boost; }
    SearchScreen #search-query:focus { border: none; background: $boost; }
    SearchScreen #search-status { height: 1; padding: 0 1; background: $panel; color: $text; }
    SearchScreen #search-results { height: 1fr; border: none; padding: 0; }
    SearchScreen #search-results > .option-list--option { padding: 0 1; }
    SearchScreen #search-message { height: 1fr; padding: 1 2; color: $text-muted; }
    SearchScreen.-results #search-message { display: none; }
    SearchScreen #search-results { display: none; }
    SearchScreen.-results #search-results { display: block; }
    """
    BINDINGS = keyed(
        "search",
        [
            Binding("enter", "open", "Open", id="submit"),
            Binding("escape", "back", "Clear / close"),
        ],
    )

    def __init__(
        self,
        index: Callable[[], TextSearcher | None],
        progress: Callable[[], tuple[int, int] | None] = lambda: None,
        query: str = "",
        unavailable: Callable[[], str] = lambda: "",
    ) -> None:
        """`index` returns the index once it is open (None before); `progress` returns
        (done, total) while the library is being indexed, None otherwise; `unavailable` says
        why the index cannot be opened ("" while it can)."""
        super().__init__()
        self._index = index
        self._progress = progress
        self._unavailable = unavailable
        self._initial_query = query
        self._hits: list[TextHit] = []
        self._shown_query: str | None = None  # the query whose results are on screen
        self._last_progress: tuple[int, int] | None = None
        self._had_index = False
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield _QueryInput(
            self._initial_query,
            placeholder='words · "a phrase" · prefix*   (Enter: open · Esc: clear, close)',
            id="search-query",
            select_on_focus=False,
        )
        yield Static(id="search-status")
        yield ResultList(id="search-results")
        yield Static(id="search-message")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_box.focus()
        self._last_progress = self._progress()
        self._had_index = self._index() is not None
        self.set_interval(PROGRESS_SECONDS, self._check_progress)
        self._run_search()

    # -- state -------------------------------------------------------------------------------

    @property
    def query_box(self) -> Input:
        return self.query_one("#search-query", Input)

    @property
    def results(self) -> list[TextHit]:
        """The results on screen, best first."""
        return list(self._hits)

    @property
    def highlighted(self) -> TextHit | None:
        index = self.query_one(ResultList).highlighted
        return self._hits[index] if index is not None and 0 <= index < len(self._hits) else None

    @property
    def status(self) -> str:
        return str(self.query_one("#search-status", Static).render())

    @property
    def message(self) -> str:
        """What the screen says instead of results ("" while results are shown)."""
        if self.has_class("-results"):
            return ""
        return str(self.query_one("#search-message", Static).render())

    # -- searching ---------------------------------------------------------------------------

    @on(Input.Changed, "#search-query")
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._run_search)

    def _run_search(self) -> None:
        self._debounce = None
        query = self.query_box.value
        index = self._index()
        if not query.strip():
            self.workers.cancel_group(self, "fulltext-search")
            self._show([], query)
            return
        if index is None:
            self._show([], query)
            return
        self._search(index, query)

    @work(thread=True, exclusive=True, group="fulltext-search", description="Full-text search")
    def _search(self, index: TextSearcher, query: str) -> None:
        """(A thread) search; the results come back as a Found message."""
        try:
            hits = index.search(query, MAX_RESULTS)
        except Exception as error:  # noqa: BLE001 - a failed search must not end the app
            self.post_message(self.Found(query, [], f"search failed: {error}"))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.Found(query, hits))

    def on_search_screen_found(self, found: Found) -> None:
        if found.problem:
            self.notify(found.problem, severity="error", markup=False)
        elif found.query == self.query_box.value:  # else a newer search is on its way
            self._show(found.hits, found.query)

    def _show(self, hits: Sequence[TextHit], query: str) -> None:
        keep = self.highlighted if query == self._shown_query else None
        self._hits = list(hits)
        self._shown_query = query
        style = self.get_visual_style("search-screen--match", partial=True)
        results = self.query_one(ResultList)
        width = max(20, self.size.width - 2)  # less the options' padding
        shown: list[Option | None] = []
        for hit in self._hits:
            shown += [Option(result_prompt(hit, style, query, width)), None]  # None: a rule
        results.clear_options()
        results.add_options(shown[:-1])
        if self._hits:
            results.highlighted = self._hits.index(keep) if keep in self._hits else 0
        self.set_class(bool(self._hits), "-results")
        self.query_one("#search-message", Static).update(Content(self._message(query)))
        self._update_status()

    def on_resize(self) -> None:
        if self._shown_query is not None:
            self._show(self._hits, self._shown_query)  # the title lines are cut to the width

    def _message(self, query: str) -> str:
        index = self._index()
        if index is None and self._unavailable():
            return self._unavailable()  # at once: typing a query would not help
        if not query.strip():
            return EMPTY_MESSAGE
        if index is None:
            return INDEX_MISSING_MESSAGE
        if self._progress() is not None:
            return f"No matches for {query.strip()} yet: the library is still being indexed."
        return f"No matches for {query.strip()}."

    def _update_status(self) -> None:
        progress = self._progress()
        parts = []
        if progress is not None:
            parts.append(indexing_message(progress))
        if self._hits:
            many = len(self._hits) >= MAX_RESULTS
            parts.append(f"the best {len(self._hits)} results" if many else _count(self._hits))
        self.query_one("#search-status", Static).update(Content(" · ".join(parts)))

    def _check_progress(self) -> None:
        progress = self._progress()
        has_index = self._index() is not None
        if progress == self._last_progress and has_index == self._had_index:
            return
        finished = self._last_progress is not None and progress is None
        opened = has_index and not self._had_index
        self._last_progress = progress
        self._had_index = has_index
        if finished or opened:
            self._run_search()  # the index is complete (or there) now: search it again
        else:
            self._update_status()

    # -- choosing ----------------------------------------------------------------------------

    @on(Input.Submitted, "#search-query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_open()

    @on(OptionList.OptionSelected, "#search-results")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        hit = self.highlighted
        if hit is not None:
            self.dismiss(hit)

    def action_back(self) -> None:
        """Esc clears a query first, as on the annotations screen; then it closes."""
        if self.query_box.value:
            self.query_box.value = ""
            return
        self.dismiss(None)


def _count(hits: Sequence[TextHit]) -> str:
    return "1 result" if len(hits) == 1 else f"{len(hits)} results"
