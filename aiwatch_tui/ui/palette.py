"""The command palette's provider: one box finds documents, sections, highlights, notes and
commands, ranked by core.find.fuzzy (fzf's query syntax, rapidfuzz scoring).

Each palette opening gathers every candidate into one FuzzyIndex, built in a thread so the
palette opens at once (the commands and recent documents show while it builds). Each query
runs in a thread too, with a cancellation flag that a newer keystroke sets, and returns only
the best MAX_HITS. Titles, headings, quotes and notes are untrusted: they become Content
built from plain text (never markup), made visible character for character first.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual.app import App
from textual.binding import ActiveBinding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content, Span
from textual.message import Message
from textual.screen import Screen
from textual.style import Style

from aiwatch_tui.core.find.fuzzy import FuzzyIndex, TermKind, parse_query
from aiwatch_tui.core.find.fuzzy import Hit as FuzzyHit
from aiwatch_tui.core.library.catalog import Catalog
from aiwatch_tui.core.model import Document, DocumentInfo, DocumentNote, Highlight
from aiwatch_tui.core.store import Store
from aiwatch_tui.core.text.sanitize import visible
from aiwatch_tui.core.text.structure import headings
from aiwatch_tui.ui.state import LibraryState

if TYPE_CHECKING:
    from aiwatch_tui.core.find.fulltext.index import FullTextIndex, TextHit

# Seconds without a new key before a query is searched (see AiwatchProvider.search), in an
# app that does not say whether keys typed ahead are still to come; in one that does, how
# often it is asked, and for how long at most.
QUIET_BEFORE_SEARCH = 0.015
HELD_POLL = 0.002
HELD_WAIT_LIMIT = 0.1
# Hits per query: a page or two of the palette, cheap to draw.
MAX_HITS = 24
# Only the start of a long quote or note is searched and shown: scanning 50,000-character
# notes on every keystroke would cost more than the rest of the library.
MAX_SEARCHED_CHARS = 400
# When the full-text index is not open yet, a library this small is parsed for its headings.
SMALL_LIBRARY = 50
DISCOVERY_DOCUMENTS = 20
# Where a long text is elided to show every match, this much is kept beside each match.
KEPT_BESIDE = 8
ELISION = "…"
LABEL_WIDTH = 10
CONTEXT_CHARS = 80

# See AiwatchProvider._prepare.
FREEZE_GC_WHILE_OPEN = True
# A trailing term that is only the operators that go before a word ("openai !", "x !^") is
# a term still being typed.
_PENDING_OPERATOR = re.compile(r"(?:^|(?<=\s))(?:!['^]?|['^])$")

# For the help screen: the palette's query syntax (core.find.fuzzy implements it).
HELP_ROWS: list[tuple[str, str]] = [
    ("ctrl+p", "palette: documents, sections, highlights, notes, commands, themes"),
    ("word", "fuzzy: the word, a typo of it, or its letters in order"),
    ("'word", "exactly this text"),
    ("^word  word$", "starts with / ends with"),
    ("!word", "must not contain (also !^word, !word$)"),
    ("a b", "every term must match; Case matters only if typed"),
    ("enter", "open at the heading or highlight; run the command"),
]

# A nudge within a score band (exact, typo, scattered are 30+ points apart): for an equally
# good match, a document beats its sections, which beat quotes and notes.
KIND_BONUS = {
    "command": 4.0,
    "doc": 3.0,
    "section": 2.0,
    "highlight": 1.0,
    "text": 0.0,
    "note": 0.0,
    "theme": 0.0,
}


@runtime_checkable
class PaletteHost(Protocol):
    """What the palette reads from the app it is opened in (AiwatchApp is one): the library,
    the store, the search index once open (for the headings and the documents' text), and
    where the library's candidates are kept between openings."""

    catalog: Catalog
    store: Store
    search_index: FullTextIndex | None
    indexing: tuple[int, int] | None  # while the search index is being updated
    library: LibraryState  # a new generation each time what is known of the library changed
    palette_candidates: LibraryCandidates | None  # kept between openings (None: not yet)


@dataclass(frozen=True, slots=True)
class Entry:
    """One candidate of the palette; `text` is what is searched and shown (one line)."""

    kind: str  # "doc" | "section" | "highlight" | "note" | "command" | "theme"
    text: str
    context: str = ""  # the dim second line: the document's title, a note, a key
    doc_key: str = ""
    offset: int | None = None  # where the caret goes; None: the document's saved position
    highlight_id: str | None = None
    run: Callable[[], object] | None = None  # a command's callback


def one_line(text: str, limit: int = MAX_SEARCHED_CHARS) -> str:
    """The start of `text` on one line, with nothing a terminal would act on; each character
    maps to one, so matched positions hold."""
    return visible(text[:limit])


def _file_name(info: DocumentInfo) -> str:
    return info.path.name if info.path is not None else info.key.rsplit("/", 1)[-1]


def document_entry(info: DocumentInfo) -> Entry:
    name = _file_name(info)
    title = info.title or name
    text = title if name == title else f"{title} · {name}"
    return Entry("doc", one_line(text), f"{info.word_count:,} words", info.key)


def section_entries(
    headings: Iterable[tuple[str, str, int]], titles: dict[str, str]
) -> list[Entry]:
    return [
        Entry("section", one_line(heading), one_line(titles[key], CONTEXT_CHARS), key, offset)
        for key, heading, offset in headings
        if key in titles and heading.strip()
    ]


def annotation_entries(
    highlights: Iterable[Highlight],
    document_notes: Iterable[DocumentNote],
    titles: dict[str, str],
) -> list[Entry]:
    """A highlight by its quote, its note (if any) by the note; a document note by its text."""
    entries: list[Entry] = []
    for h in highlights:
        title = titles.get(h.doc_key)
        if title is None:
            continue  # its document is not in this library: nowhere to go
        quote = one_line(h.exact)
        context = title
        if h.note.strip():
            context += " · ✎ " + h.note.strip()
        entries.append(
            Entry("highlight", quote, one_line(context, CONTEXT_CHARS), h.doc_key, h.start, h.id)
        )
        if h.note.strip():
            on_quote = one_line(f"{title} · on “{h.exact.strip()}”", CONTEXT_CHARS)
            entries.append(
                Entry("note", one_line(h.note.strip()), on_quote, h.doc_key, h.start, h.id)
            )
    for note in document_notes:
        key = note.doc_key
        if key in titles and note.text.strip():
            context = one_line(f"{titles[key]} · document note", CONTEXT_CHARS)
            entries.append(Entry("note", one_line(note.text.strip()), context, key))
    return entries


def library_entries(app: PaletteHost) -> list[Entry]:
    """Documents, sections, highlights and notes of the app's library (slow: call in a thread)."""
    return document_entries(app) + note_entries(app)


def document_entries(app: PaletteHost) -> list[Entry]:
    """Documents and their sections (slow: call in a thread)."""
    infos = app.catalog.infos()
    titles = {info.key: info.title or _file_name(info) for info in infos}
    entries = [document_entry(info) for info in infos]
    return entries + section_entries(_headings(app, infos), titles)


def note_entries(app: PaletteHost) -> list[Entry]:
    """Highlights and notes of the documents in the library (slow: call in a thread)."""
    titles = {info.key: info.title or _file_name(info) for info in app.catalog.infos()}
    return annotation_entries(app.store.highlights(), app.store.document_notes(), titles)


def _headings(app: PaletteHost, infos: Sequence[DocumentInfo]) -> list[tuple[str, str, int]]:
    index = app.search_index
    if index is not None:
        return index.headings()
    if len(infos) > SMALL_LIBRARY:
        return []  # they arrive with the index; parsing thousands of files here would not do
    found: list[tuple[str, str, int]] = []
    for info in infos:
        document = app.catalog.load(info.key)
        if isinstance(document, Document):
            found += [(info.key, h.label, h.offset) for h in headings(document)]
    return found


def candidates_of(host: PaletteHost) -> LibraryCandidates:
    """The host's library candidates, made on first use (call on the UI thread)."""
    if host.palette_candidates is None:
        host.palette_candidates = LibraryCandidates(host)
    return host.palette_candidates


def _text_search(host: PaletteHost) -> TextSearch:
    """The host's full-text search, whichever index it has open when asked (none: no hits)."""

    def search(words: str, limit: int) -> Sequence[TextHit]:
        index = host.search_index
        return index.search(words, limit) if index is not None else []

    return search


def command_entries(app: App[Any], screen: Screen[Any]) -> list[Entry]:
    """The app's commands (Textual's "Theme" among them), the keys of the screen the palette
    was opened on, and each theme by name. Reads the DOM: call on the event loop."""
    entries: list[Entry] = []
    seen: set[str] = set()
    for command in app.get_system_commands(screen):
        entries.append(
            Entry("command", one_line(command.title), command.help, run=command.callback)
        )
        seen.add(command.title.casefold())
    entries += _key_entries(app, screen, seen)
    for name in sorted(app.available_themes):
        if name != app.theme:
            entries.append(
                Entry("theme", name, "switch to this theme", run=_theme_setter(app, name))
            )
    return entries


def discovery_commands(app: App[Any], screen: Screen[Any]) -> list[Entry]:
    """The app's commands that ask to be shown before anything is typed."""
    return [
        Entry("command", one_line(command.title), command.help, run=command.callback)
        for command in app.get_system_commands(screen)
        if command.discover
    ]


def _key_entries(app: App[Any], screen: Screen[Any], seen: set[str]) -> list[Entry]:
    keys_by_action: dict[tuple[int, str], list[str]] = {}
    bindings: dict[tuple[int, str], ActiveBinding] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or not active.enabled or binding.action == "command_palette":
            continue
        target = (id(active.node), binding.action)
        bindings.setdefault(target, active)
        keys = keys_by_action.setdefault(target, [])
        display = app.get_key_display(binding)
        if display not in keys:
            keys.append(display)
    entries: list[Entry] = []
    for target, active in bindings.items():
        description = active.binding.description
        if description.casefold() in seen:
            continue
        seen.add(description.casefold())
        pressed = " ".join(keys_by_action[target])
        entries.append(
            Entry("command", one_line(description), f"key {pressed}", run=_runner(app, active))
        )
    return entries


def _runner(app: App[Any], active: ActiveBinding) -> Callable[[], object]:
    def run() -> object:
        return app.run_action(active.binding.action, active.node)

    return run


def _theme_setter(app: App[Any], name: str) -> Callable[[], None]:
    def set_theme() -> None:
        app.theme = name

    return set_theme


def without_pending_operator(query: str) -> str:
    """`query` less a trailing term of fzf operators only: "openai !" searches "openai" until
    the word to exclude is typed, rather than for a literal "!" (which "'!" finds)."""
    return _PENDING_OPERATOR.sub("", query).rstrip()


# The documents whose text holds the query's words, asked of the full-text index when the
# palette's own candidates give fewer good hits than this.
TEXT_HITS_BELOW = 5
# Queries of this many words ask the full-text index while the candidates are ranked (see
# PaletteIndex.search); shorter ones ask it only when they find too few.
TEXT_ASKED_EARLY_FROM = 2
# The full-text searches asked early, off the palette's search thread: two at a time, so that
# the newest query need not wait for a stale one to finish (which cannot be stopped).
_TEXT_SEARCHES = ThreadPoolExecutor(max_workers=2, thread_name_prefix="palette-text")
TEXT_HITS = 5

# Full-text search as the palette asks it: (query, limit) -> passages, best first.
TextSearch = Callable[[str, int], Sequence["TextHit"]]


class Candidates:
    """Palette entries and their fuzzy index (immutable once built: any thread may search)."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)
        self.fuzzy = FuzzyIndex([entry.text for entry in self.entries])

    def search(
        self, query: str, limit: int, cancelled: Callable[[], bool] | None
    ) -> list[tuple[Entry, FuzzyHit]]:
        return [
            (self.entries[hit.index], hit) for hit in self.fuzzy.search(query, limit, cancelled)
        ]


class PaletteIndex:
    """What one palette opening searches: candidates built for it (`entries`: its commands)
    and ones kept between openings (`parts`: the library's, see LibraryCandidates), and where
    it can look for documents by their text (the full-text index's search)."""

    def __init__(
        self,
        entries: Sequence[Entry] = (),
        text_search: TextSearch | None = None,
        parts: Sequence[Candidates] = (),
    ) -> None:
        self.parts = [*parts, Candidates(entries)]
        self._text_search = text_search

    def __len__(self) -> int:
        return sum(len(part.entries) for part in self.parts)

    def search(
        self, query: str, cancelled: Callable[[], bool] | None = None, limit: int = MAX_HITS
    ) -> list[tuple[Entry, tuple[int, ...]]]:
        """The best `limit` entries for an fzf-syntax query, best first, with the matched
        positions in each entry's text; [] once `cancelled()` is true.

        A title, heading, quote or note that holds the query (exactly or with a typo) comes
        first; then, when those are few, documents whose text holds the query's words; then
        scattered letters (the weakest match: "nvidia" strewn over a long quote)."""
        words = text_query(query)
        early: Future[Sequence[TextHit]] | None = None
        if self._text_search is not None and len(words.split()) >= TEXT_ASKED_EARLY_FROM:
            # Several words rarely make enough good hits among the candidates, and then the
            # documents' text is asked too: asked now, the full-text index answers while the
            # candidates are ranked (SQLite lets go of the GIL), not after.
            early = _TEXT_SEARCHES.submit(self._text_search, words, 4 * TEXT_HITS)
        hits = [found for part in self.parts for found in part.search(query, limit, cancelled)]
        if cancelled is not None and cancelled():
            if early is not None:
                early.cancel()
            return []

        def ranked(chosen: Iterable[tuple[Entry, FuzzyHit]]) -> list[tuple[Entry, tuple[int, ...]]]:
            # Scores of one query are comparable across parts: they depend on the text alone.
            ordered = sorted(
                chosen,
                key=lambda found: found[1].score + KIND_BONUS.get(found[0].kind, 0.0),
                reverse=True,
            )
            return [(entry, hit.positions) for entry, hit in ordered[:limit]]

        good = ranked(found for found in hits if not found[1].scattered)
        if len(good) < TEXT_HITS_BELOW and not (cancelled and cancelled()):
            if early is not None:
                passages = early.result()
            elif self._text_search is not None and words:
                passages = self._text_search(words, 4 * TEXT_HITS)
            else:
                passages = []
            good += self._in_text(passages, {entry.doc_key for entry, _ in good})
        elif early is not None:
            early.cancel()  # (when it has not started: a started one just finishes)
        return (good + ranked(found for found in hits if found[1].scattered))[:limit]

    @staticmethod
    def _in_text(
        passages: Sequence[TextHit], shown: set[str]
    ) -> list[tuple[Entry, tuple[int, ...]]]:
        """Documents (not in `shown`) among the full-text index's `passages` (best first),
        one passage each, its matched words marked."""
        # Documents in the order of their best passage; each shown at its first mention
        # among those found (a reader starts at the top).
        first: dict[str, TextHit] = {}
        for hit in passages:
            if hit.doc_key not in shown and (
                hit.doc_key not in first or hit.offset < first[hit.doc_key].offset
            ):
                first[hit.doc_key] = hit
        found: list[tuple[Entry, tuple[int, ...]]] = []
        for hit in list(first.values())[:TEXT_HITS]:
            snippet = one_line(hit.snippet)
            marked = [p for start, end in hit.marks for p in range(start, end) if p < len(snippet)]
            context = one_line(hit.title, CONTEXT_CHARS)
            found.append((Entry("text", snippet, context, hit.doc_key, hit.offset), tuple(marked)))
        return found


class LibraryCandidates:
    """The library's palette candidates, kept by the app between openings and brought up to
    date off the UI thread: documents and sections in one part, highlights and notes in
    another, each rebuilt only when what it shows changed. So opening the palette costs a
    look at two version stamps rather than gathering and indexing 100,000 candidates, and a
    new highlight re-indexes the annotations, not the library."""

    def __init__(self, host: PaletteHost) -> None:
        self._host = host
        self._lock = threading.Lock()  # one refresh at a time; searches use what they got
        self._documents: tuple[object, Candidates] | None = None
        self._notes: tuple[object, Candidates] | None = None

    def _documents_version(self) -> object:
        host = self._host
        # The list's generation, and the search index's headings (the sections come from
        # them): an update that changed nothing changes neither.
        index = host.search_index
        headings = index.headings_version() if index is not None else None
        return (host.library.generation, id(index), headings)

    def current(self) -> list[Candidates]:
        """Both parts, up to date (call in a thread: a part that changed is rebuilt)."""
        with self._lock:
            version = self._documents_version()
            if self._documents is None or self._documents[0] != version:
                self._documents = (version, Candidates(document_entries(self._host)))
            # Titles (the notes' context) change with the documents' version.
            version = (version, self._host.store.annotations_version())
            if self._notes is None or self._notes[0] != version:
                self._notes = (version, Candidates(note_entries(self._host)))
            return [self._documents[1], self._notes[1]]


def text_query(query: str) -> str:
    """The full-text query for what was typed in the palette: its fuzzy and exact words, the
    last one as a prefix while it may still be being typed; "" when a term is an operator
    the full-text index has no counterpart for (^word, word$, !word)."""
    terms = parse_query(query).terms
    if any(term.negated or term.kind not in _TEXT_KINDS for term in terms):
        return ""
    words = [term.text for term in terms if term.text.isalnum()]
    if len(words) != len(terms):
        return ""
    if words and len(words[-1]) >= MIN_PREFIX:
        words[-1] += "*"
    return " ".join(words)


_TEXT_KINDS = (TermKind.FUZZY, TermKind.EXACT)
# A last word shorter than this is looked up whole: a one- or two-letter prefix would match
# most of the library.
MIN_PREFIX = 3


# --- how a hit looks ------------------------------------------------------------------------


def _runs(positions: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive positions as (start, end) ranges."""
    runs: list[tuple[int, int]] = []
    for pos in positions:
        if runs and runs[-1][1] == pos:
            runs[-1] = (runs[-1][0], pos + 1)
        else:
            runs.append((pos, pos + 1))
    return runs


def _fitted(length: int, runs: Sequence[tuple[int, int]], width: int) -> list[tuple[int, int]]:
    """The stretches of a text of `length` characters to show so that every matched run fits
    in `width` columns, an elision ("…") standing between two stretches and at a cut end.

    The text after the last match goes first, then the text before the first, then the
    longest gaps between matches, each only as far as needed, keeping a few characters
    beside each match (fewer when space is short): a title's word at character 91 stays on
    screen at 100 columns instead of being cut off with everything after it.
    """
    if length <= width or not runs:
        return [(0, length)]
    for keep in (KEPT_BESIDE, 1):
        cuts, excess = _cuts(length, runs, length - width, keep)
        if excess <= 0:
            break
    # Kept stretches are those between the cuts, an empty one where a cut reaches an end.
    kept, position = [], 0
    for start, end in sorted(cuts):
        kept.append((position, start))
        position = end
    kept.append((position, length))
    return kept


def _cuts(
    length: int, runs: Sequence[tuple[int, int]], excess: int, keep: int
) -> tuple[list[tuple[int, int]], int]:
    """Ranges to elide (see `_fitted`) keeping `keep` characters beside each match, and how
    many columns too many remain."""
    first, last = runs[0][0], runs[-1][1]
    # (where the gap starts, where it ends, characters kept before and after a cut)
    gaps = [(last, length, keep, 0), (0, first, 0, keep)]
    inner = [(end, start, keep, keep) for (_, end), (start, _) in itertools.pairwise(runs)]
    gaps += sorted(inner, key=lambda gap: gap[0] - gap[1])
    cuts: list[tuple[int, int]] = []
    for start, end, before, after in gaps:
        # A cut removes its characters and adds one elision mark.
        saving = (end - start) - before - after - 1
        if excess <= 0 or saving <= 0:
            continue
        removed = min(saving, excess) + 1
        if end == length:  # the tail: cut from the end
            cuts.append((end - removed, end))
        elif start == 0:  # the lead: cut from the start
            cuts.append((0, removed))
        else:
            middle = start + before + (end - start - before - after - removed) // 2
            cuts.append((middle, middle + removed))
        excess -= removed - 1
    return cuts, excess


def matched_line(
    text: str, positions: Sequence[int], style: Style | str, width: int | None = None
) -> Content:
    """`text` (already one safe line) with the matched characters styled. When it is wider
    than `width`, unmatched stretches are elided ("…") so that every match is seen."""
    runs = _runs(positions)
    if width is None or len(text) <= width:
        return Content(text, [Span(s, e, style) for s, e in runs])
    pieces: list[str] = []
    spans: list[Span] = []
    shown = 0
    for n, (start, end) in enumerate(_fitted(len(text), runs, width)):
        if n:
            pieces.append(ELISION)
            shown += len(ELISION)
        pieces.append(text[start:end])
        spans += [
            Span(shown + max(s, start) - start, shown + min(e, end) - start, style)
            for s, e in runs
            if s < end and e > start
        ]
        shown += end - start
    return Content("".join(pieces), spans)


def hit_prompt(
    entry: Entry, positions: Sequence[int], match_style: Style | str, width: int
) -> Content:
    """Two lines: the kind (dim) and the matched text; then the context (dim)."""
    label = Content.styled(entry.kind.ljust(LABEL_WIDTH), "dim")
    line = matched_line(entry.text, positions, match_style, width - LABEL_WIDTH)
    first = (label + line).truncate(width, ellipsis=True)
    if not entry.context:
        return first
    second = Content(" " * LABEL_WIDTH + one_line(entry.context, 2 * width)).stylize("dim")
    return Content("\n").join([first, second.truncate(width, ellipsis=True)])


# --- the provider ---------------------------------------------------------------------------


class AiwatchProvider(Provider):
    """Documents, sections, highlights, notes and commands, ranked by core.find.fuzzy.

    In an app that is not a PaletteHost it offers the commands only."""

    @dataclass
    class GoTo(Message):
        """An entry chosen: open its document, at its heading or highlight (posted to the
        app, which shows the main screen and the place)."""

        doc_key: str
        offset: int | None
        highlight_id: str | None

    def __init__(self, screen: Screen[Any], match_style: Style | None = None) -> None:
        super().__init__(screen, match_style)
        self._discoverable: list[Entry] = []
        self._building: asyncio.Task[PaletteIndex] | None = None
        self._froze_gc = False

    @property
    def host(self) -> PaletteHost | None:
        return self.app if isinstance(self.app, PaletteHost) else None

    @property
    def _width(self) -> int:
        # The palette's list spans the screen, less its padding.
        return max(20, self.app.size.width - 6)

    async def startup(self) -> None:
        commands = command_entries(self.app, self.screen)
        self._discoverable = discovery_commands(self.app, self.screen)
        host = self.host

        library = None if host is None else candidates_of(host)

        def build() -> PaletteIndex:
            if library is None or host is None:
                return PaletteIndex(commands)
            return PaletteIndex(commands, _text_search(host), library.current())

        # Not awaited here: the palette shows its discovery list while the index builds.
        self._building = asyncio.create_task(self._prepare(build))

    async def _prepare(self, build: Callable[[], PaletteIndex]) -> PaletteIndex:
        index = await asyncio.to_thread(build)
        if FREEZE_GC_WHILE_OPEN and not self._froze_gc:
            # A full garbage collection walks every object of the index (and of the library)
            # and stalls a keystroke by 50-100 ms at 100,000 candidates: while the palette
            # is open, what exists now is left out of collections (unfrozen when it closes).
            gc.freeze()
            self._froze_gc = True
        return index

    async def shutdown(self) -> None:
        if self._building is not None and not self._building.done():
            self._building.cancel()
        if self._froze_gc:
            gc.unfreeze()
            self._froze_gc = False

    async def index(self) -> PaletteIndex | None:
        """This opening's index, once built (None if it could not be)."""
        if self._building is None:
            return None
        try:
            # Shielded: a stale query being cancelled must not cancel the build.
            return await asyncio.shield(self._building)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - the palette keeps working without it
            self.app.log.error(f"palette index: {error!r}")
            return None

    async def search(self, query: str) -> Hits:
        # A key typed right after this one (a fast typist, a paste, keys sent at once over
        # SSH) cancels this search while it waits here, before it has cost anything: only
        # the query as it stands once the keys stop is ranked. The aiwatch app holds keys
        # that came together and routes them one by one (see typeahead): it says whether
        # one is still to come, so the last key's query is ranked at once, not after a wait.
        held = getattr(self.app, "input_held", None)
        if callable(held):
            waited = 0.0
            while held() and waited < HELD_WAIT_LIMIT:
                await asyncio.sleep(HELD_POLL)
                waited += HELD_POLL
        else:
            await asyncio.sleep(QUIET_BEFORE_SEARCH)
        index = await self.index()
        if index is None:
            return
        query = without_pending_operator(query)
        style = self.match_style or "bold underline"
        width = self._width
        stop = threading.Event()

        def ranked() -> list[tuple[Entry, Content]]:
            # The hits' Content is built here too: it is plain data, and the loop has the
            # palette to redraw.
            found = index.search(query, stop.is_set)
            return [
                (entry, hit_prompt(entry, positions, style, width)) for entry, positions in found
            ]

        try:
            shown = await asyncio.to_thread(ranked)
        except asyncio.CancelledError:
            stop.set()  # the next keystroke arrived: let the thread give up at once
            raise
        for rank, (entry, prompt) in enumerate(shown):
            yield Hit(
                1.0 - rank / (2 * MAX_HITS),  # the palette orders by score: keep ours
                prompt,
                self._action(entry),
                text=entry.text,
            )

    async def discover(self) -> Hits:
        """Before typing: the last document read, the commands, then the first documents."""
        host = self.host
        infos = host.catalog.infos() if host else []
        last = host.store.last_read() if host else None
        first = [info for info in infos if info.key == last]
        rest = [info for info in infos[: DISCOVERY_DOCUMENTS + 1] if info.key != last]
        width = self._width
        shown = [document_entry(info) for info in first]
        shown += self._discoverable
        shown += [document_entry(info) for info in rest[:DISCOVERY_DOCUMENTS]]
        for entry in shown:
            yield DiscoveryHit(
                hit_prompt(entry, (), "", width), self._action(entry), text=entry.text
            )

    def _action(self, entry: Entry) -> Callable[[], object]:
        if entry.run is not None:
            return entry.run
        message = self.GoTo(entry.doc_key, entry.offset, entry.highlight_id)
        return lambda: self.app.post_message(message)
