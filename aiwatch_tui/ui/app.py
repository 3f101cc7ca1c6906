"""The aiwatch App: owns the store, the catalog, the annotations and the search index, and
hands what its screens show down to them (aiwatch_tui.ui.state); the screens post messages up.

Slow work runs in thread workers that only read: what they find comes back as a message
(Indexing, Indexed, LibraryRead) and is applied here, on the UI thread. The App alone opens
and closes the search index, and writes the catalog and the store.
"""

from __future__ import annotations

import asyncio
import dataclasses
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import RenderableType
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import Provider
from textual.filter import LineFilter, Monochrome
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import Screen

from aiwatch_tui.core.annotations import Annotations
from aiwatch_tui.core.config import LoadedConfig, Settings
from aiwatch_tui.core.library.catalog import Catalog, Scanned, read_infos
from aiwatch_tui.core.library.sources import (
    Source,
    SourceKind,
    piped_source,
)
from aiwatch_tui.core.model import Document, DocumentInfo, Highlight
from aiwatch_tui.core.operations.library import (
    document_to_open,
    library_reader,
    reanchored_in_library,
    shown_sources,
)
from aiwatch_tui.core.store import Store, StoreError
from aiwatch_tui.core.text.sanitize import one_line
from aiwatch_tui.paths import Paths
from aiwatch_tui.ui.collector import collect_when_idle
from aiwatch_tui.ui.key_sequences import KeySequences
from aiwatch_tui.ui.keys import keyed
from aiwatch_tui.ui.no_colour import WITHOUT_COLOUR
from aiwatch_tui.ui.screens.main import MainScreen
from aiwatch_tui.ui.state import (
    ALL,
    LOCAL,
    WEB,
    AnnotationsChanged,
    LibraryState,
    ListScope,
    ReadingTarget,
)
from aiwatch_tui.ui.typeahead import TypeAhead

if TYPE_CHECKING:
    from aiwatch_tui.core.find.fulltext.index import FullTextIndex
    from aiwatch_tui.core.operations.exporting import ExportFormat
    from aiwatch_tui.core.operations.feeds import FetchProgress
    from aiwatch_tui.ui.palette import AiwatchProvider, LibraryCandidates
    from aiwatch_tui.ui.screens.annotations import AnnotationsScreen

    AnnotationsScreenChanged = AnnotationsScreen.Changed
    PaletteGoTo = AiwatchProvider.GoTo

# Libraries smaller than this are parsed before the first paint (it takes milliseconds);
# larger ones fill the list from a worker so the app is usable at once.
_PARSE_INLINE_BYTES = 2 * 1024 * 1024
# Nor more documents than this (each costs a look at its size: thousands of fetched
# articles would cost more than the paint).
_PARSE_INLINE_DOCUMENTS = 200
# The first screen kept from the last launch (up to 200 documents) fills the list from the
# search index, unless it is no more than a few small documents (the bundled articles): those
# are read sooner than the index's modules are imported and its file opened.
_FEW_DOCUMENTS = 8
_FEW_BYTES = 256 * 1024
# How often to look for commits by another aiwatch on the same database (PRAGMA data_version).
_WATCH_SECONDS = 1.5
# A full cycle collection waits for this long without a key (see aiwatch_tui.ui.collector).
_IDLE_SECONDS = 2.0
# Keys sent together (a paste of keys, a fast typist over SSH) reach the App this close.
KEY_BURST_GAP_SECONDS = 0.005
# How often to make sure the terminal is still there (see AiwatchApp._check_terminal).
_HANG_UP_CHECK_SECONDS = 1.0
THEME_SETTING = "theme"
# How long quitting waits for the indexing worker to leave the index (see on_unmount).
_EXIT_PATIENCE = 0.1
# The notification levels of the settings file: the least severity each shows.
_SEVERITY_RANK: dict[str, int] = {"information": 0, "warning": 1, "error": 2}
_LEVEL_RANK: dict[str, int] = {"all": 0, "warnings": 1, "errors": 2}


def _aiwatch_provider() -> type[Provider]:
    # Imported when the palette first opens: keeps rapidfuzz out of start-up.
    from aiwatch_tui.ui.palette import AiwatchProvider

    return AiwatchProvider


class _InUse:
    """How many threads are using something, and a wait until none is (the App closes the
    search index only once its indexing workers have left it)."""

    def __init__(self) -> None:
        self._count = 0
        self._free = threading.Condition()

    def enter(self) -> None:
        with self._free:
            self._count += 1

    def leave(self) -> None:
        with self._free:
            self._count -= 1
            self._free.notify_all()

    def wait_until_free(self, timeout: float | None = None) -> bool:
        """Wait until no thread uses it (at most `timeout` seconds): whether none does."""
        with self._free:
            return self._free.wait_for(lambda: self._count == 0, timeout)


class AiwatchApp(App[None]):
    CSS_PATH = "app.tcss"
    # Our provider lists the system commands itself (ranked by rapidfuzz with everything
    # else), so Textual's own provider would only show each command twice.
    COMMANDS = {_aiwatch_provider}
    TITLE = "aiwatch"
    BINDINGS = keyed(
        "app",
        [
            Binding("q", "quit", "Quit"),
            Binding("question_mark", "help", "Help", tooltip="Every key, and the action names"),
            Binding("n", "annotations", "Annotations", tooltip="Every highlight and note"),
            Binding("ctrl+f", "search", "Search", tooltip="Full-text search of every document"),
            Binding("f5", "refresh_library", "Refresh library", show=False),
            Binding("R", "fetch_feeds", "Fetch feeds", tooltip="Fetch new articles of every feed"),
            Binding("F", "cycle_scope", "Show all/web/local", show=False),
            # Textual's own, given here to have a name (Textual adds it when no binding has
            # this action).
            Binding(
                "ctrl+p",
                "command_palette",
                "palette",
                show=False,
                priority=True,
                tooltip="Command palette: documents, sections, highlights, commands, themes",
            ),
        ],
    )

    # What the screens show, bound to their reactives of the same names (aiwatch_tui.ui.state).
    library: var[LibraryState] = var(LibraryState())
    annotations_changed: var[AnnotationsChanged] = var(AnnotationsChanged())
    target: var[ReadingTarget | None] = var(None)
    scope: var[ListScope] = var(ALL)  # which documents the list shows
    activity: var[str] = var("")  # what runs in the background, for the title bar

    # -- what the workers find ---------------------------------------------------------------

    @dataclass
    class Indexing(Message):
        """The indexing worker's progress (documents done of total)."""

        done: int
        total: int

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, AiwatchApp.Indexing)  # only the latest counts

    @dataclass
    class Indexed(Message):
        """The indexing worker is done: the index is up to date (or `problem` says why not),
        and for the documents the list still lacked, their metadata."""

        known: list[DocumentInfo] = field(default_factory=list)  # from the index
        scanned: Scanned | None = None  # read because the index did not have them
        reanchored: list[Highlight] = field(default_factory=list)  # to save
        problem: str = ""
        cancelled: bool = False

    @dataclass
    class Listed(Message):
        """The whole library, listed by the indexing worker when the list started with only
        its first screen: its sources, one-line problems, and what the index knows of them."""

        sources: list[Source]
        problems: list[str]
        known: list[DocumentInfo]

    @dataclass
    class LibraryRead(Message):
        """The library read again (f5): its sources, what changed, what was read."""

        sources: list[Source]
        problems: list[str]
        stale: set[str]
        scanned: Scanned
        reanchored: list[Highlight]

    @dataclass
    class Fetched(Message):
        """Articles a fetch (or a saved page) stored: their metadata read off the UI thread,
        and how the run is going."""

        feeds_done: int
        feeds_total: int
        new: int
        keys: list[str]  # stored new or changed since the last message
        scanned: Scanned
        order: list[str]  # every stored article's key, newest first (as the list shows them)

    @dataclass
    class FetchDone(Message):
        """A fetch, a subscription or a save is over: what to say, and what to open."""

        message: str
        severity: SeverityLevel = "information"
        open_key: str | None = None
        fetch_feed: str | None = None  # a feed just added: fetched next

    def __init__(
        self,
        *,
        store: Store,
        catalog: Catalog,
        paths: Paths,
        open_key: str | None = None,
        problems: Sequence[str] = (),
        targets: Sequence[Path] = (),
        config: LoadedConfig | None = None,
        piped: Sequence[Source] = (),
        partial_library: bool = False,
    ) -> None:
        super().__init__()
        self.piped = list(piped)  # a text read from standard input (aiwatch -), if any
        # The settings file, read and checked (its problems are said once the app is up).
        self.config = config if config is not None else LoadedConfig(Path(), Settings())
        self.settings = self.config.settings
        # The catalog holds only the library's first screen, as the last launch listed it
        # (core.library.walk_stamp): the indexing worker lists the rest after the first paint.
        self.partial_library = partial_library
        self.targets = list(targets)  # what the command line named (none: bundled + library)
        self.paths = paths  # every location, resolved once (by the command line)
        self.store = store
        self.annotations = Annotations(store)
        self.catalog = catalog
        self.open_key = open_key
        self.startup_problems = list(problems)
        # Files of the library that could not be opened, one line each ("path: why"): one
        # summary notification, the list on the help screen (?) and in `aiwatch doctor`.
        self.unopenable: list[str] = []
        self._announced_unopenable = 0
        self.search_problem = ""  # why the search index cannot be opened ("" when it can)
        # Opened (on this thread) when indexing first starts; closed in on_unmount.
        self.search_index: FullTextIndex | None = None
        self.indexing: tuple[int, int] | None = None  # (done, total) while the index updates
        # The palette's candidates from the library, kept between openings (made once the
        # library has been read: see _warm_palette).
        self.palette_candidates: LibraryCandidates | None = None
        self._indexers = _InUse()  # indexing workers inside the index
        # The app closed while an indexing worker was still busy (the process need not wait).
        self.left_worker_busy = False
        self._serial = 0  # of the requests and changes told to the screens
        self._last_input = time.monotonic()  # when a key (or the mouse) last came
        # Keys (and pastes) are routed one at a time, each after the one before has been
        # handled: see aiwatch_tui.ui.typeahead.
        self._typeahead = TypeAhead(self, self._route_input)
        self._sequences = KeySequences()  # two keys in a row (zz, gx): see key_sequences
        # Run once the first frame is on screen (work that must not delay it).
        self.after_first_paint: list[Callable[[], object]] = []
        # Fetching from the web (R, Add feed…, Save page…): one run at a time, stopped (what
        # it stored is kept) when the app exits.
        self._web_cancel = threading.Event()
        self._web_workers = _InUse()
        self.web_busy = False

    # -- start-up ---------------------------------------------------------------------------

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        if not self.no_color:
            return filters
        # NO_COLOR (no-color.org) asks for no colour at all. Textual's answer, a greyscale
        # filter, still sends 256-colour and truecolour codes (greys): drop every colour
        # instead, keeping bold, underline and reverse (which mark highlights, the caret, the
        # selection and the list cursor without colour).
        return [f for f in filters if not isinstance(f, Monochrome)] + [WITHOUT_COLOUR]

    def get_default_screen(self) -> Screen[None]:
        main = MainScreen(
            store=self.store,
            catalog=self.catalog,
            annotations=self.annotations,
            open_key=self.open_key,
            settings=self.settings,
        )
        return main.data_bind(
            AiwatchApp.library,
            AiwatchApp.annotations_changed,
            AiwatchApp.target,
            AiwatchApp.scope,
            AiwatchApp.activity,
        )

    def on_mount(self) -> None:
        # The settings file's theme, when it sets one, else the one last chosen in the app.
        saved_theme = self.settings.theme or self.store.setting(THEME_SETTING)
        if saved_theme and saved_theme in self.available_themes:
            self.theme = saved_theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self._apply_keys()
        # Shown whatever the notification level: a file that says less than it seems to, or
        # a database where nothing will be saved, must not pass unnoticed.
        if self.config.problems:
            super().notify(
                "\n".join(self.config.problems) + "\nThe defaults are used for these.",
                title="Settings file",
                severity="warning",
                markup=False,
                timeout=20,
            )
        if self.store.read_only:
            super().notify(
                self.store.read_only_reason, severity="warning", markup=False, timeout=12
            )
        for notice in self.store.notices:
            self.notify(notice, markup=False, timeout=8)
        self.set_interval(_WATCH_SECONDS, self._watch_store)
        self.set_interval(_IDLE_SECONDS, self._collect_if_idle)
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hang_up)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # no SIGHUP here (or not the main thread, as in tests)
        terminal = _terminal_fd(sys.__stdin__)
        if terminal is not None and not self.is_headless:
            self.set_interval(_HANG_UP_CHECK_SECONDS, lambda: self._check_terminal(terminal))
        self._start()

    def _check_terminal(self, fd: int) -> None:
        """A terminal can go away without a SIGHUP reaching us (its pseudo-terminal closed while
        aiwatch is not its session's leader, say under setsid). Textual's input loop would then
        spin on the dead terminal for ever: treat it as the hang-up it is."""
        if _hung_up(fd):
            self._hang_up()

    def _apply_keys(self) -> None:
        """The settings file's [keys]: single keys through Textual's keymap, two keys in a row
        through our own sequences."""
        from aiwatch_tui.ui.settings import default_sequences

        if not self.settings.keys:
            self._sequences.set(default_sequences())
            return
        from aiwatch_tui.ui.actions import action_catalogue, keymap_for

        keymap, sequences = keymap_for(self.settings, action_catalogue(type(self)))
        self.set_keymap(keymap)
        self._sequences.set(sequences)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self._last_input = time.monotonic()
        if TypeAhead.holds(event):
            await self._typeahead.receive(event)
            return
        await super().on_event(event)

    def input_held(self) -> bool:
        """Whether keys (or pastes) are still to come: held behind the one being handled, or
        likely on their way (one came a moment ago: keys that arrive together reach the App
        a millisecond or two apart). The palette ranks a query only once none is."""
        recent = time.monotonic() - self._last_input < KEY_BURST_GAP_SECONDS
        return recent or self._typeahead.holding

    async def _route_input(self, event: events.Event) -> None:
        """A key or paste, its turn come (see TypeAhead): the second key of a sequence runs
        the sequence's action; anything else goes where Textual sends it."""
        if isinstance(event, events.Key) and await self._sequences.take(self, event):
            return
        await super().on_event(event)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Shown if the settings file's `notifications` level lets it through."""
        if _SEVERITY_RANK[severity] < _LEVEL_RANK[self.settings.notifications]:
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def tell(self, message: str, *, timeout: float = 10) -> None:
        """The answer to something the user asked for (an export's path, a link): shown
        whatever the notification level."""
        super().notify(message, markup=False, timeout=timeout)

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        # A frame Textual draws by itself (a new screen, a resize) while keys typed ahead are
        # being held must reach the terminal: see TypeAhead.release_frames.
        self._typeahead.release_frames()
        super()._display(screen, renderable)

    def _collect_if_idle(self) -> None:
        if time.monotonic() - self._last_input >= _IDLE_SECONDS:
            collect_when_idle()

    def _hang_up(self) -> None:
        """The SSH link dropped: go, keeping what on_exit_app keeps."""
        self.exit()

    def on_exit_app(self) -> None:
        """However the app ends (`q`, a hang-up, or its web page closed: Textual's web driver
        ends it with this message), keep the draft being typed. (The main screen saves the
        reading position as it closes.)"""
        from aiwatch_tui.ui.screens.note_editor import NoteEditor

        for screen in self.screen_stack:
            if isinstance(screen, NoteEditor):
                screen.flush_draft()

    def _next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def _start(self) -> None:
        """Read what the list needs (a small library now, a large one from what the search
        index knows), show it, and index the library after the first paint."""
        if self.open_key is not None:
            # The document the command line named is read first (the reader then has it from
            # the catalog's memory): its size must not make the rest wait for a worker.
            self.catalog.load(self.open_key)
        missing = self.catalog.missing_infos()
        few = len(missing) <= _FEW_DOCUMENTS and self.catalog.size_at_most(missing, _FEW_BYTES)
        if (
            (self.partial_library and not few)
            or len(missing) > _PARSE_INLINE_DOCUMENTS
            or not self.catalog.size_at_most(missing, _PARSE_INLINE_BYTES)
        ):
            # A big library: what the search index already knows fills the list at once
            # (no article is read); the indexing worker then brings it up to date.
            self.catalog.adopt_infos(self._cached_infos().values())
            missing = self.catalog.missing_infos()
        if missing and self.catalog.size_at_most(missing, _PARSE_INLINE_BYTES):
            self.catalog.scan(missing)
            if not self.partial_library:  # else the indexing worker re-anchors (below)
                self.reanchor_library()
        # Otherwise the indexing worker re-anchors after the first paint: reading every
        # highlight here would make the first frame wait on their number.
        self.library = LibraryState(self._next_serial(), "opened")
        if not self.catalog.missing_infos():  # else the worker says it once it has read all
            self._announce_unopenable(self.startup_problems)
        for callback in self.after_first_paint:
            self.call_after_refresh(callback)
        # After the first paint: the worker would otherwise compete with it for the GIL.
        self.call_after_refresh(self._start_indexing)

    def _cached_infos(self) -> dict[str, DocumentInfo]:
        from aiwatch_tui.core.operations.search_index import cached_infos

        return cached_infos(self.paths, {s.key: s.path for s in self.catalog.sources})

    # -- the indexing worker ------------------------------------------------------------------

    def _start_indexing(self) -> None:
        """Bring the search index (and the list's metadata) up to date, off the UI thread."""
        from aiwatch_tui.core.operations.search_index import open_search_index

        if self.search_index is None:
            try:
                self.search_index = open_search_index(self.paths, self.catalog.reader)
                self.search_problem = ""
            except Exception as error:  # noqa: BLE001 - search is optional; reading goes on
                self._search_unavailable(error)
        # A text read from standard input is not indexed: it is never written anywhere.
        shown = [s for s in self.catalog.sources if s.kind is not SourceKind.PIPED]
        missing = self.catalog.missing_infos()
        if self.search_index is not None:
            self.indexing = (0, len(shown))  # until the worker has counted the library
        self.run_worker(
            partial(self._index_library, self.search_index, shown, missing, self.partial_library),
            thread=True,
            exclusive=True,
            group="index",
            description="Indexing the library for search",
        )

    def _index_library(
        self,
        index: FullTextIndex | None,
        shown: list[Source],
        missing: list[Source],
        partial: bool = False,
    ) -> None:
        """The indexing worker (a thread): list the library when the list shows only its first
        screen (`partial`), update the index (None: it cannot be opened) and read what the
        list still lacks. Only reads what the App owns; its findings come back as messages."""
        from textual.worker import get_current_worker

        from aiwatch_tui.core.library.sources import Folders
        from aiwatch_tui.core.library.walk_stamp import make_stamp, save_first_screen
        from aiwatch_tui.core.operations.search_index import update_search_index

        worker = get_current_worker()  # cancelled when the app exits

        def cancelled() -> bool:
            return worker.is_cancelled

        # Counted in before anything else: on_unmount closes the index once none is in it. A
        # worker that starts after the app began to exit is cancelled already, and leaves.
        self._indexers.enter()
        try:
            if cancelled():
                return
            problem = ""
            known: list[DocumentInfo] = []
            folders: Folders = []
            started = time.time_ns()
            library_paths = self.store.library_paths()
            articles = self.store.articles_version()  # (before the listing: see make_stamp)
            walked: list[Source] = []
            listed_infos: list[DocumentInfo] = []
            if index is not None or partial:
                # The stored web articles, the bundled articles and the library's files.
                walked, walk_problems = shown_sources(self.store, folders=folders)
            if partial:
                # The list shows the first screen kept from the last launch: here is the rest,
                # with what the index knows of it (no article is read).
                listed = index.infos({s.key: s.path for s in walked}) if index is not None else {}
                listed_infos = list(listed.values())
                self.post_message(self.Listed(walked, walk_problems, listed_infos))
                shown = walked
                missing = [s for s in walked if s.key not in listed]
            if index is not None:
                library = {s.key for s in walked}
                sources = walked + [s for s in shown if s.key not in library]
                self.post_message(self.Indexing(0, len(sources)))

                def progress(done: int, total: int) -> None:
                    self.post_message(self.Indexing(done, total))

                problem = update_search_index(index, sources, progress, cancelled)
                if cancelled():
                    self.post_message(self.Indexed(problem=problem, cancelled=True))
                    return
                if not self.targets and not problem:
                    # The list is the library, as walked: the next launch may show its first
                    # screen before walking, and `aiwatch search` may trust the index.
                    stamp = make_stamp(library_paths, folders, started, articles)
                    index.set_library_stamp(stamp)
                    save_first_screen(self.paths.first_screen, stamp, walked)
                if missing:
                    on_list = {s.key: s.path for s in shown}
                    known = [i for k, i in index.infos(on_list).items() if k in on_list]
            scanned = None
            if missing:
                from_index = {info.key for info in known}
                unread = [s for s in missing if s.key not in from_index]
                scanned = read_infos(self.catalog.reader, unread, cancelled)
                if cancelled():
                    self.post_message(self.Indexed(problem=problem, cancelled=True))
                    return
            read = known + (scanned.infos if scanned is not None else []) + listed_infos
            reanchored = self._reanchored_after(read)
            self.post_message(self.Indexed(known, scanned, reanchored, problem))
        finally:
            self._indexers.leave()

    def _reanchored_after(self, infos: Iterable[DocumentInfo]) -> list[Highlight]:
        """(In a worker) the highlights to re-anchor once `infos` are known: only reads."""
        if self.store.read_only:
            return []
        hashes = {info.key: info.content_hash for info in self.catalog.infos()}
        hashes.update({info.key: info.content_hash for info in infos})
        by_key = {source.key: source for source in self.catalog.sources}

        def load(key: str) -> Document | None:
            source = by_key.get(key)
            try:
                return None if source is None else self.catalog.reader.load(source)
            except Exception:  # noqa: BLE001 - not readable now: its highlights wait
                return None

        try:
            return reanchored_in_library(self.store, hashes, load)
        except StoreError:
            return []  # said when the list is shown, if it still fails then

    def on_aiwatch_app_indexing(self, message: Indexing) -> None:
        self.indexing = (message.done, message.total)

    def on_aiwatch_app_listed(self, message: Listed) -> None:
        self.partial_library = False
        self.catalog.replace_sources(message.sources, ())
        self.catalog.adopt_infos(message.known)
        self.startup_problems += message.problems
        self.library = LibraryState(self._next_serial(), "read")
        self._announce_unopenable(self.startup_problems)
        self.call_later(self._warm_palette)  # the library is known: ready for ctrl+p

    def on_aiwatch_app_indexed(self, message: Indexed) -> None:
        self.indexing = None
        if message.problem:
            self._report_problem(message.problem)
        if message.cancelled:
            return
        self.call_later(self._warm_palette)
        if message.known or message.scanned is not None or message.reanchored:
            self.catalog.adopt_infos(message.known)
            if message.scanned is not None:
                self.catalog.record(message.scanned)
            self._save_reanchored(message.reanchored)
            self.library = LibraryState(self._next_serial(), "read")
            self._announce_unopenable(self.startup_problems)

    def _warm_palette(self) -> None:
        """Index the palette's candidates now, in a thread of its own, so that the first
        ctrl+p finds them ready. A daemon thread: quitting never waits for it."""
        from aiwatch_tui.ui.palette import candidates_of

        library = candidates_of(self)

        def warm() -> None:
            try:
                library.current()
            except Exception as error:  # noqa: BLE001 - the palette builds them when opened
                self.log.error(f"palette candidates: {error!r}")

        threading.Thread(target=warm, name="palette-candidates", daemon=True).start()

    def reanchor_library(self) -> None:
        """Find every highlight again in documents whose text changed since it was made, so the
        annotations screen and the counts tell the truth before each document is opened."""
        if self.store.read_only:
            return
        try:
            hashes = {info.key: info.content_hash for info in self.catalog.infos()}
            self._save_reanchored(reanchored_in_library(self.store, hashes, self._loaded))
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)

    def _loaded(self, key: str) -> Document | None:
        document = self.catalog.load(key)
        return document if isinstance(document, Document) else None

    def _save_reanchored(self, highlights: Sequence[Highlight]) -> None:
        """Save highlights re-anchored by reanchored_in_library (here, or in a worker)."""
        if self.store.read_only:
            return
        try:
            for highlight in highlights:
                self.store.update_highlight(highlight)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)

    def _report_problem(self, problem: str) -> None:
        self.notify(problem, severity="warning", markup=False, timeout=8)

    def _search_unavailable(self, error: Exception) -> None:
        from aiwatch_tui.core.find.fulltext.index import SearchIndexUnavailable

        problem = str(error)
        if not isinstance(error, SearchIndexUnavailable):
            problem = f"search index unavailable: {error}"
        if problem != self.search_problem:  # said once, not again at every refresh
            self.search_problem = problem
            self._report_problem(problem)

    def _gather_unopenable(self, listing_problems: Sequence[str]) -> str:
        """Take the library's problems (a folder that vanished, a file refused); return the
        summary line for them ("" when there are none)."""
        self.unopenable = [*listing_problems, *(p.message for p in self.catalog.problems())]
        count = len(self.unopenable)
        if not count:
            return ""
        files = "1 file" if count == 1 else f"{count} files"
        return f"{files} could not be opened — ? lists them (also: aiwatch doctor)"

    def _announce_unopenable(self, listing_problems: Sequence[str]) -> None:
        """One notification for all the files that could not be opened, not one each."""
        summary = self._gather_unopenable(listing_problems)
        if summary and len(self.unopenable) != self._announced_unopenable:
            self.notify(summary, severity="warning", markup=False, timeout=8)
        self._announced_unopenable = len(self.unopenable)

    # -- what the screens and the palette ask for -------------------------------------------

    def _remember_theme(self, theme: object) -> None:
        name = getattr(theme, "name", None)
        if not isinstance(name, str):
            return
        fixed = self.settings.theme
        if fixed is not None and name != fixed:
            self.tell(
                f"Theme {name} for now: the settings file starts aiwatch in {fixed} "
                f"({self.config.path})."
            )
        if not self.store.read_only:
            try:
                self.store.set_setting(THEME_SETTING, name)
            except StoreError as error:
                self.notify(str(error), severity="error", markup=False)

    def _watch_store(self) -> None:
        """Another aiwatch committed: refresh what this one shows."""
        try:
            changed = self.store.changed_elsewhere()
        except Exception:  # noqa: BLE001 - a closed store at shutdown is not worth a crash
            return
        if changed:
            self.annotations_changed = AnnotationsChanged(self._next_serial(), None)

    def title_of(self, key: str) -> str:
        info = self.catalog.info(key)
        return info.title if info is not None else key.rsplit("/", 1)[-1]

    def _reveal_main_screen(self) -> bool:
        """Close the screens above the main one so a jump is seen; False (and a notice) while a
        note is being edited, whose draft must not be dropped silently."""
        from aiwatch_tui.ui.screens.note_editor import ConfirmDiscard, NoteEditor

        above = self.screen_stack[1:]
        if any(isinstance(screen, NoteEditor | ConfirmDiscard) for screen in above):
            self.notify("Save or cancel the note first.", severity="warning", markup=False)
            return False
        for _ in above:
            self.pop_screen()
        return True

    def open_at(self, doc_key: str, offset: int | None, highlight_id: str | None = None) -> None:
        """Show a document in the reader with the caret at `offset` (or on a highlight)."""
        if self._reveal_main_screen():
            self.target = ReadingTarget(self._next_serial(), doc_key, offset, highlight_id)

    def on_aiwatch_provider_go_to(self, message: PaletteGoTo) -> None:
        """A palette entry chosen: its document, at its heading or highlight."""
        self.open_at(message.doc_key, message.offset, message.highlight_id)

    # -- refreshing the library (f5) ----------------------------------------------------------

    def action_refresh_library(self) -> None:
        """Notice new, changed and vanished files (as at launch)."""
        self.notify("Refreshing the library…", timeout=2)
        self.run_worker(self._read_library_again, thread=True, exclusive=True, group="scan")

    def _read_library_again(self) -> None:
        """(A worker) find the library's documents again and read those that are new or
        changed; the App takes the result (LibraryRead)."""
        from textual.worker import get_current_worker

        worker = get_current_worker()
        sources, problems = shown_sources(self.store, self.targets, piped=bool(self.piped))
        sources = [*self.piped, *sources]
        stale = self.catalog.stale_keys(sources)
        known = {info.key for info in self.catalog.infos()} - stale
        unread = [source for source in sources if source.key not in known]
        scanned = read_infos(self.catalog.reader, unread, lambda: worker.is_cancelled)
        if worker.is_cancelled:
            return
        kept = [info for info in self.catalog.infos() if info.key not in stale]
        reanchored = self._reanchored_after(kept + scanned.infos)
        self.post_message(self.LibraryRead(sources, problems, stale, scanned, reanchored))

    def on_aiwatch_app_library_read(self, message: LibraryRead) -> None:
        self.catalog.replace_sources(message.sources, message.stale)
        self.catalog.record(message.scanned)
        self._save_reanchored(message.reanchored)
        unopenable = self._gather_unopenable(message.problems)
        self._announced_unopenable = len(self.unopenable)
        self.library = LibraryState(self._next_serial(), "refreshed", frozenset(message.stale))
        self._start_indexing()
        count = len(self.catalog.infos())  # the documents that open, as the list shows
        documents = "1 document" if count == 1 else f"{count} documents"
        self.notify(
            f"Library refreshed: {documents}, {len(message.stale)} changed or gone."
            + (f" {unopenable}." if unopenable else ""),
            severity="warning" if unopenable else "information",
            markup=False,
            timeout=8 if unopenable else 4,
        )

    # -- actions ----------------------------------------------------------------------------

    def action_search(self) -> None:
        # Screens not needed for the first paint are imported when first used (start-up time).
        from aiwatch_tui.core.find.fulltext.index import TextHit
        from aiwatch_tui.ui.screens.search import SearchScreen

        if isinstance(self.screen, SearchScreen):
            return

        def chosen(hit: TextHit | None) -> None:
            if hit is not None:
                self.open_at(hit.doc_key, hit.offset)

        screen = SearchScreen(
            lambda: self.search_index,
            lambda: self.indexing,
            unavailable=lambda: self.search_problem,
        )
        self.push_screen(screen, chosen)

    def action_annotations(self) -> None:
        from aiwatch_tui.ui.screens.annotations import AnnotationsScreen, JumpTarget

        if isinstance(self.screen, AnnotationsScreen):
            return

        def chosen(target: JumpTarget | None) -> None:
            if target is not None:
                serial = self._next_serial()
                self.target = ReadingTarget(
                    serial, target.doc_key, target.offset, target.highlight_id
                )

        screen = AnnotationsScreen(self.annotations, self.title_of)
        self.push_screen(screen.data_bind(AiwatchApp.annotations_changed), chosen)

    def on_annotations_screen_changed(self, event: AnnotationsScreenChanged) -> None:
        """A change made on the annotations screen (already in the undo history): the list's
        counts and the reader show it."""
        self.annotations_changed = AnnotationsChanged(self._next_serial(), event.change.doc)

    def action_help(self) -> None:
        from aiwatch_tui.ui import palette
        from aiwatch_tui.ui.actions import help_sections
        from aiwatch_tui.ui.screens import search
        from aiwatch_tui.ui.screens.annotations import HELP_ROWS
        from aiwatch_tui.ui.screens.help import EXTRA_KEYS, HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        extra = {
            "documents": EXTRA_KEYS["Document list"],
            "annotations": HELP_ROWS,
            "search": search.HELP_ROWS,
            "app": EXTRA_KEYS["Everywhere"],
        }
        sections = help_sections(self.settings, type(self), extra)
        palette_rows = [(keys, does, "") for keys, does in palette.HELP_ROWS]
        sections.append(("Palette (ctrl+p)", palette_rows))
        sections.append(("Mouse", [(keys, does, "") for keys, does in EXTRA_KEYS["Mouse"]]))
        self.push_screen(HelpScreen(sections, self.unopenable))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            # Textual's saves where the terminal's downloads would go, and fails in one.
            if command.title != "Screenshot":
                yield command
        yield SystemCommand(
            "Screenshot",
            "Save an SVG picture of the screen into the exports folder; the path is shown",
            lambda: self.call_after_refresh(self.save_screen_picture),
        )
        yield SystemCommand("Help", "Show every key", self.action_help)
        yield SystemCommand(
            "Search full text", "Ranked passages of every document (ctrl+f)", self.action_search
        )
        yield SystemCommand(
            "Refresh library",
            "Notice new, changed and vanished files (f5)",
            self.action_refresh_library,
        )
        yield SystemCommand(
            "Annotations", "Every highlight and note, in all documents", self.action_annotations
        )
        for fmt, what in (
            ("markdown", "Markdown, for Obsidian and notes apps"),
            ("json", "W3C Web Annotation JSON-LD, for aiwatch import and other tools"),
            ("csv", "Readwise CSV"),
        ):
            yield SystemCommand(
                f"Export highlights ({fmt})",
                f"Write every highlight and note as {what}; the path is shown",
                lambda fmt=fmt: self.export_highlights(fmt),
            )
        yield from self._web_commands()
        if isinstance(screen, MainScreen):  # the main screen's own command, from there
            yield SystemCommand(
                "Outline", "Jump to a heading of this document", screen.action_toggle_outline
            )
            yield from _listing_commands(screen)

    def save_screen_picture(self) -> Path | None:
        """Save the screen as it is (the palette closed) as SVG into the exports folder."""
        from datetime import datetime

        from aiwatch_tui.core.files import make_private_dirs, write_private_file

        name = f"aiwatch-screen-{datetime.now():%Y%m%d-%H%M%S-%f}.svg"
        try:
            make_private_dirs(self.paths.exports_dir)
            written = write_private_file(self.paths.exports_dir / name, self.export_screenshot())
        except OSError as error:
            self.notify(f"Screenshot failed: {error}", severity="error", markup=False, timeout=10)
            return None
        self.tell(f"Screenshot saved to {written}", timeout=15)
        return written

    def export_highlights(self, fmt: ExportFormat) -> Path | None:
        """Write every highlight and note to a new file in the exports folder; say where."""
        from aiwatch_tui.core.operations.exporting import export_to_folder

        try:
            written = export_to_folder(self.store, self.catalog, fmt, self.paths)
        except (OSError, StoreError) as error:
            self.notify(f"Export failed: {error}", severity="error", markup=False, timeout=10)
            return None
        self.tell(f"Exported to {written}", timeout=15)
        return written

    # -- the web: fetching feeds (R), adding a feed, saving a page, which documents show -------

    def _web_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Fetch feeds", "Fetch every feed's new articles now (R)", self.action_fetch_feeds
        )
        yield SystemCommand(
            "Add feed…",
            "Follow a feed, or the feed a site names: asks for its address",
            self.action_add_feed,
        )
        yield SystemCommand(
            "Save page…",
            "Fetch a web page, keep its article text and open it",
            self.action_save_page,
        )
        for scope, what in (
            (ALL, "every document"),
            (WEB, "only the articles fetched from the web"),
            (LOCAL, "only the bundled articles and your files"),
        ):
            yield SystemCommand(
                f"Show {scope.label or 'all documents'}",
                f"The list shows {what} (F cycles)",
                lambda scope=scope: self.set_scope(scope),
            )
        try:
            feeds = self.store.feeds()
        except StoreError:
            feeds = []
        for feed in feeds:
            title = one_line(feed.title or feed.url)
            scope = ListScope("feed", feed.url, title)
            yield SystemCommand(
                f"Show feed: {title}",
                one_line(f"Only the articles of {feed.url}"),
                lambda scope=scope: self.set_scope(scope),
            )

    def set_scope(self, scope: ListScope) -> None:
        self.scope = scope

    def action_cycle_scope(self) -> None:
        """F: all documents, then the web articles, then the local files."""
        order = [ALL, WEB, LOCAL]
        current = order.index(self.scope) if self.scope in order else -1
        self.scope = order[(current + 1) % len(order)]

    def _web_start(self) -> bool:
        if self.web_busy:
            self.notify("Already fetching: wait for it to finish.", timeout=3)
            return False
        if self.store.read_only:
            self.notify(self.store.read_only_reason, severity="error", markup=False)
            return False
        self.web_busy = True
        return True

    def action_fetch_feeds(self) -> None:
        """R: fetch every feed now, in a worker; new articles join the list as they arrive."""
        self.start_fetch(None)

    def start_fetch(self, only: str | None) -> None:
        if not self._web_start():
            return
        self.activity = "fetching feeds…"
        self.run_worker(
            partial(self._web_worker, "fetch", only),
            thread=True,
            group="web",
            description="Fetching feeds",
        )

    def action_add_feed(self) -> None:
        from aiwatch_tui.ui.screens.url_prompt import UrlPrompt

        def chosen(url: str | None) -> None:
            if url and self._web_start():
                self.activity = "looking for the feed…"
                self.run_worker(partial(self._web_worker, "add", url), thread=True, group="web")

        self.push_screen(UrlPrompt("Feed or site address to follow:"), chosen)

    def action_save_page(self) -> None:
        from aiwatch_tui.ui.screens.url_prompt import UrlPrompt

        def chosen(url: str | None) -> None:
            if url and self._web_start():
                self.activity = "fetching the page…"
                self.run_worker(partial(self._web_worker, "save", url), thread=True, group="web")

        self.push_screen(UrlPrompt("Web page to save and open:"), chosen)

    def _web_worker(self, what: str, url: str | None) -> None:
        """(A thread) fetch feeds, subscribe or save a page; each article is stored as it
        arrives (by core.operations.feeds) and its metadata sent to the UI thread."""
        from aiwatch_tui.core.operations.feeds import fetch, save, subscribe
        from aiwatch_tui.core.web.feeds import FeedError
        from aiwatch_tui.core.web.fetcher import RunOptions

        self._web_workers.enter()
        stopped = threading.Event()
        try:
            options = RunOptions(cancel=self._web_cancel)
            latest: list[FetchProgress] = []
            sent = {"keys": 0}

            def arrived(progress: FetchProgress) -> None:
                if not latest:
                    latest.append(progress)

            def flush() -> None:
                """Send what was stored since the last flush (the list shows it)."""
                if not latest:
                    return
                progress = latest[0]
                keys = progress.keys[sent["keys"] :]
                sent["keys"] += len(keys)
                sources = [Source(key, None, SourceKind.ARTICLE) for key in keys]
                scanned = read_infos(self.catalog.reader, sources)
                order = self.store.article_keys() if keys else []
                self.post_message(
                    self.Fetched(
                        progress.feeds_done,
                        progress.feeds_total,
                        progress.new,
                        keys,
                        scanned,
                        order,
                    )
                )

            # Articles join the list a few times a second, not one message each: taking
            # 5,000 one by one would cost the UI thread a list rebuild per article.
            def flushing() -> None:
                while not stopped.wait(0.3):
                    flush()

            flusher = threading.Thread(target=flushing, name="aiwatch-fetch-list", daemon=True)
            flusher.start()
            if what == "add":
                assert url is not None
                try:
                    done = subscribe(self.store, url, options=options)
                except FeedError as error:
                    self.post_message(self.FetchDone(str(error), "error"))
                    return
                said = "Subscribed to" if done.new else "Already subscribed to"
                self.post_message(
                    self.FetchDone(
                        one_line(f"{said} {done.feed.title or done.feed.url}"),
                        fetch_feed=done.feed.url,
                    )
                )
                return
            if what == "save":
                assert url is not None
                progress = save(self.store, [url], arrived, options)
                stopped.set()
                flusher.join()
                flush()
                if progress.failures:
                    self.post_message(self.FetchDone(progress.failures[0], "error"))
                else:
                    _url, key, title = progress.stored[-1]
                    self.post_message(self.FetchDone(one_line(f"Saved: {title}"), open_key=key))
                return
            progress, summary = fetch(self.store, url, arrived, options)
            stopped.set()
            flusher.join()
            flush()
            self.post_message(self.FetchDone(*_fetch_message(progress, summary.cancelled)))
        except StoreError as error:
            self.post_message(self.FetchDone(str(error), "error"))
        finally:
            stopped.set()
            self._web_workers.leave()

    def on_aiwatch_app_fetched(self, message: Fetched) -> None:
        total = message.feeds_total
        if total:
            self.activity = f"fetching {message.feeds_done}/{total} feeds · {message.new} new"
        if not message.keys:
            return
        sources = self.catalog.sources
        known = {source.key for source in sources}
        stale = frozenset(key for key in message.keys if key in known)
        # The articles newest first (by date, not by arrival: a feed's entries come in any
        # order), as the list shows them when the app starts; the other documents after.
        shown = known | set(message.keys)
        articles = [Source(key, None, SourceKind.ARTICLE) for key in message.order if key in shown]
        listed = {source.key for source in articles}
        rest = [source for source in sources if source.key not in listed]
        self.catalog.replace_sources([*articles, *rest], stale)
        self.catalog.record(message.scanned)
        self.library = LibraryState(self._next_serial(), "refreshed", stale)

    def on_aiwatch_app_fetch_done(self, message: FetchDone) -> None:
        self.web_busy = False
        self.activity = ""
        self.notify(message.message, severity=message.severity, markup=False, timeout=8)
        if message.open_key is not None:
            self.open_at(message.open_key, None)
        if message.fetch_feed is not None:
            self.start_fetch(message.fetch_feed)
        else:
            self._start_indexing()

    def exit(self, *args: Any, **kwargs: Any) -> None:
        # A fetch stops at once (Textual waits for its worker before the app closes); what
        # it stored is kept.
        self._web_cancel.set()
        super().exit(*args, **kwargs)

    async def action_quit(self) -> None:
        self.exit()  # the main screen saves the reading position as it closes

    async def on_unmount(self) -> None:
        # The screens have closed (the main one saved the position). The indexing worker was
        # cancelled as the app began to exit and leaves the index at its next look; a fetch
        # stops at its next look too (every article it stored is kept): then the index is
        # closed, and the store. A worker deep in one huge article (or waiting on a slow
        # site) is not waited for: quitting is at once, and the command line ends the process
        # without it (every change to the store is committed already; the index is derived).
        self._web_cancel.set()
        web_free = await asyncio.to_thread(self._web_workers.wait_until_free, _EXIT_PATIENCE)
        index_free = await asyncio.to_thread(self._indexers.wait_until_free, _EXIT_PATIENCE)
        if index_free and self.search_index is not None:
            self.search_index.close()
        if web_free and index_free:
            self.store.close()
        else:
            self.left_worker_busy = True


def _fetch_message(progress: FetchProgress, cancelled: bool) -> tuple[str, SeverityLevel]:
    """What the app says when a fetch is over: (message, severity)."""
    if progress.feeds_total == 0:
        return "No feeds yet: add one from the palette (Add feed…).", "information"
    new = "1 new article" if progress.new == 1 else f"{progress.new} new articles"
    parts = [f"Fetched {progress.feeds_done}/{progress.feeds_total} feeds: {new}"]
    if progress.updated:
        parts.append(f"{progress.updated} updated")
    if progress.summary_only:
        parts.append(f"{progress.summary_only} summary only")
    if progress.failed:
        parts.append(f"{progress.failed} failed ({progress.failures[0]})")
    if cancelled:
        parts.append("stopped")
    return one_line(", ".join(parts) + "."), "warning" if progress.failed else "information"


def _terminal_fd(stream: TextIO | None) -> int | None:
    """The file descriptor of `stream` if it is a terminal (asked while it is one: a terminal
    that has hung up no longer says it is)."""
    try:
        return stream.fileno() if stream is not None and stream.isatty() else None
    except (OSError, ValueError):
        return None


def _hung_up(fd: int) -> bool:
    """Whether the terminal on `fd` has hung up (polled, so no input is taken)."""
    try:
        poll = select.poll()
        poll.register(fd, select.POLLIN)
        return any(events & (select.POLLHUP | select.POLLERR) for _, events in poll.poll(0))
    except (OSError, ValueError):
        return False


def make_app(
    targets: Sequence[Path] = (),
    *,
    paths: Paths | None = None,
    db_path: Path | None = None,
    open_key: str | None = None,
    piped: bytes | None = None,
) -> AiwatchApp:
    """Build the app for the CLI and the tests alike. Raises StoreError for an unusable database.
    `open_key`: a document of the library to open at once, such as a page `aiwatch URL` just
    saved. `piped`: a text read from standard input (`aiwatch -`), shown first (and alone,
    when no PATH is named)."""
    resolved = paths or Paths.resolve(db=db_path)
    if db_path is not None and paths is not None:
        resolved = dataclasses.replace(paths, db=db_path)
    from aiwatch_tui.ui.settings import read_settings

    config = read_settings(resolved.config_dir, AiwatchApp)
    store = Store(resolved.db)
    first = (
        None if targets or open_key or piped is not None else first_screen_sources(store, resolved)
    )
    problems: list[str] = []
    if first is not None:
        sources = first
    else:
        sources, problems = shown_sources(store, targets, piped=piped is not None)
    open_key = open_key or document_to_open(targets, sources)
    texts: dict[str, bytes] = {}
    piped_sources: list[Source] = []
    if piped is not None:
        source = piped_source(piped)
        texts[source.key] = piped
        piped_sources = [source]
        open_key = source.key if not targets else None
    return AiwatchApp(
        store=store,
        catalog=Catalog([*piped_sources, *sources], library_reader(store, texts)),
        paths=resolved,
        piped=piped_sources,
        open_key=open_key,
        problems=problems,
        targets=targets,
        partial_library=first is not None,
        config=config,
    )


def first_screen_sources(store: Store, paths: Paths) -> list[Source] | None:
    """The library's first screen as the last launch listed it, when no folder of the library
    changed since (None: walk it now), with the document last read (from the search index)
    if it is further down: a relaunch then costs the same for 100 articles or 50,000."""
    from aiwatch_tui.core.library.walk_stamp import first_screen

    library_paths = store.library_paths()
    first = first_screen(paths.first_screen, library_paths, store.articles_version())
    if first is None:
        return None
    last = store.last_read()
    if last is not None and all(source.key != last for source in first):
        if store.article(last) is not None:
            first.append(Source(last, None, SourceKind.ARTICLE))
        else:
            from aiwatch_tui.core.operations.search_index import indexed_source

            found = indexed_source(paths, last, library_paths)
            if found is not None:
                first.append(found)
    return first


def _listing_commands(screen: MainScreen) -> Iterable[SystemCommand]:
    """List: which documents; Sort: in what order (default_view and default_sort in the
    settings file say which at launch)."""
    from aiwatch_tui.core.library.listing import SORT_DESCRIPTIONS, VIEW_DESCRIPTIONS

    for view, shows in VIEW_DESCRIPTIONS.items():
        yield SystemCommand(
            f"List: {view}",
            f'Show {shows} (default_view = "{view}")',
            lambda view=view: screen.show_listing(view=view),
        )
    for sort, order in SORT_DESCRIPTIONS.items():
        yield SystemCommand(
            f"Sort: {sort}",
            f'The list, {order} (default_sort = "{sort}")',
            lambda sort=sort: screen.show_listing(sort=sort),
        )
