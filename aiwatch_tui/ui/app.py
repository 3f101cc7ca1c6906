"""The aiwatch App: owns the store and the catalog; screens and widgets render what it gives."""

from __future__ import annotations

import asyncio
import dataclasses
import select
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rich.console import RenderableType
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import Provider
from textual.filter import LineFilter, Monochrome
from textual.screen import Screen

from aiwatch_tui.core.annotations import Annotations
from aiwatch_tui.core.library.catalog import Catalog
from aiwatch_tui.core.library.sources import Source, discover, library_sources
from aiwatch_tui.core.model import Document, DocumentInfo
from aiwatch_tui.core.store import Store, StoreError
from aiwatch_tui.paths import Paths
from aiwatch_tui.ui.collector import collect_when_idle
from aiwatch_tui.ui.no_colour import WITHOUT_COLOUR
from aiwatch_tui.ui.screens.main import MainScreen
from aiwatch_tui.ui.typeahead import TypeAhead
from aiwatch_tui.ui.widgets.document_list import ListEntry
from aiwatch_tui.ui.widgets.reader import Reader

if TYPE_CHECKING:
    from textual.worker import Worker

    from aiwatch_tui.core.find.fulltext.index import FullTextIndex
    from aiwatch_tui.core.operations.exporting import ExportFormat
    from aiwatch_tui.ui.screens.annotations import AnnotationsScreen

    AnnotationsScreenChanged = AnnotationsScreen.Changed

# Libraries smaller than this are parsed before the first paint (it takes milliseconds);
# larger ones fill the list from a worker so the app is usable at once.
_PARSE_INLINE_BYTES = 2 * 1024 * 1024
# How often to look for commits by another aiwatch on the same database (PRAGMA data_version).
_WATCH_SECONDS = 1.5
# A full cycle collection waits for this long without a key (see aiwatch_tui.ui.collector).
_IDLE_SECONDS = 2.0
# How often to make sure the terminal is still there (see AiwatchApp._check_terminal).
_HANG_UP_CHECK_SECONDS = 1.0
THEME_SETTING = "theme"


def _aiwatch_provider() -> type[Provider]:
    # Imported when the palette first opens: keeps rapidfuzz out of start-up.
    from aiwatch_tui.ui.commands import AiwatchProvider

    return AiwatchProvider


class AiwatchApp(App[None]):
    CSS_PATH = "app.tcss"
    # Our provider lists the system commands itself (ranked by rapidfuzz with everything
    # else), so Textual's own provider would only show each command twice.
    COMMANDS = {_aiwatch_provider}
    TITLE = "aiwatch"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("n", "annotations", "Annotations"),
        Binding("ctrl+f", "search", "Search"),
        Binding("f5", "refresh_library", "Refresh library", show=False),
    ]

    def __init__(
        self,
        *,
        store: Store,
        catalog: Catalog,
        open_key: str | None = None,
        problems: Sequence[str] = (),
        paths: Paths,
        targets: Sequence[Path] = (),
    ) -> None:
        super().__init__()
        self.targets = list(targets)  # what the command line named (none: bundled + library)
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
        self.paths = paths  # every location, resolved once (by the command line)
        self.fulltext: FullTextIndex | None = None  # set once the indexing worker opened it
        self.indexing: tuple[int, int] | None = None  # (done, total) while the index updates
        self._main = MainScreen()
        self._last_input = time.monotonic()  # when a key (or the mouse) last came
        # Keys (and pastes) are routed one at a time, each after the one before has been
        # handled: see aiwatch_tui.ui.typeahead.
        self._typeahead = TypeAhead(self, super().on_event)
        # Run once the first frame is on screen (work that must not delay it).
        self.after_first_paint: list[Callable[[], object]] = []

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
        return self._main

    def on_mount(self) -> None:
        saved_theme = self.store.setting(THEME_SETTING)
        if saved_theme and saved_theme in self.available_themes:
            self.theme = saved_theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        if self.store.read_only:
            self.notify(self.store.read_only_reason, severity="warning", markup=False, timeout=12)
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

    def _check_terminal(self, fd: int) -> None:
        """A terminal can go away without a SIGHUP reaching us (its pseudo-terminal closed while
        aiwatch is not its session's leader, say under setsid). Textual's input loop would then
        spin on the dead terminal for ever: treat it as the hang-up it is."""
        if _hung_up(fd):
            self._hang_up()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self._last_input = time.monotonic()
        if TypeAhead.holds(event):
            await self._typeahead.receive(event)
            return
        await super().on_event(event)

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
        ends it with this message), keep the draft being typed and the reading position."""
        from aiwatch_tui.ui.screens.note_editor import NoteEditor

        for screen in self.screen_stack:
            if isinstance(screen, NoteEditor):
                screen.flush_draft()
        self._main.leave_document()

    def start(self) -> None:
        """Fill the main screen once it is composed (called from its on_mount)."""
        if self.open_key is not None:
            self._main.open_document(self.open_key, focus=True)
        missing = self.catalog.missing_infos()
        if not self.catalog.size_at_most(missing, _PARSE_INLINE_BYTES):
            # A big library: what the search index already knows fills the list at once
            # (no article is read); the indexing worker then brings it up to date.
            self.catalog.adopt_infos(self._cached_infos().values())
            missing = self.catalog.missing_infos()
        if self.catalog.size_at_most(missing, _PARSE_INLINE_BYTES):
            self.catalog.scan(missing)
            self.reanchor_library()
        self._show_library()
        if not self.catalog.missing_infos():  # else the worker says it once it has read all
            self._announce_unopenable(self.startup_problems)
        for callback in self.after_first_paint:
            self.call_after_refresh(callback)
        # After the first paint: the worker would otherwise compete with it for the GIL.
        self.call_after_refresh(
            self.run_worker,
            self._index_library,
            thread=True,
            exclusive=True,
            group="index",
            description="Indexing the library for search",
        )

    def _cached_infos(self) -> dict[str, DocumentInfo]:
        from aiwatch_tui.core.operations.search_index import cached_infos

        return cached_infos(self.paths, {s.key: s.path for s in self.catalog.sources})

    def _index_library(self) -> None:
        """Bring the full-text index (and the list's metadata) up to date, off the UI thread."""
        from textual.worker import get_current_worker

        from aiwatch_tui.core.operations.search_index import open_search_index

        worker = get_current_worker()  # cancelled when the app exits
        sources, _ = library_sources(self.store.library_paths())
        known = {s.key for s in sources}
        sources += [s for s in self.catalog.sources if s.key not in known]
        try:
            index = open_search_index(self.paths)
        except Exception as error:  # noqa: BLE001 - search is optional; reading goes on
            self.call_from_thread(self._search_unavailable, error)
            if self.catalog.missing_infos():
                self._scan_catalog(worker)  # the list still fills: only search is lost
            return
        self.search_problem = ""
        self.fulltext = index
        self.indexing = (0, len(sources))
        for attempt in range(2):
            try:
                index.update(
                    sources,
                    progress=lambda done, total: setattr(self, "indexing", (done, total)),
                    cancelled=lambda: worker.is_cancelled,
                )
                break
            except Exception as error:  # noqa: BLE001 - search is optional; reading goes on
                # Typically another aiwatch indexing the same cache at the same moment: its
                # work is kept, and a second pass picks up whatever is left.
                if attempt == 1:
                    self.call_from_thread(self._report_problem, f"search index: {error}")
        self.indexing = None
        if worker.is_cancelled:
            index.close()
            return
        catalog_paths = {s.key: s.path for s in self.catalog.sources}
        fresh = [info for key, info in index.infos(catalog_paths).items() if key in catalog_paths]
        if self.catalog.missing_infos():
            self.catalog.adopt_infos(fresh)
            self._scan_catalog(worker)

    def _scan_catalog(self, worker: Worker[None]) -> None:
        """Read what the list still lacks (a large library is read after the first paint),
        then show it, and say once how many files could not be opened."""
        self.catalog.scan(cancelled=lambda: worker.is_cancelled)
        if worker.is_cancelled:
            return
        self.reanchor_library()
        self.call_from_thread(self._show_library, first=self._main.document is None)
        self.call_from_thread(self._announce_unopenable, self.startup_problems)

    def open_at(self, doc_key: str, offset: int | None, highlight_id: str | None = None) -> None:
        """Open a document in the reader with the caret at `offset` (or on a highlight)."""
        from aiwatch_tui.ui.commands import reveal_main_screen

        if not reveal_main_screen(self):
            return
        if highlight_id is not None:
            self._main.go_to_highlight(doc_key, highlight_id, offset or 0)
        else:
            self._main.open_document(doc_key, focus=True, caret=offset)

    def _show_library(self, *, first: bool = True) -> None:
        """Fill the list; the first time also choose, preview and focus a document."""
        infos = self.catalog.infos()
        if not first:
            self._main.set_entries(self.list_entries(infos))  # keeps the list cursor
            return
        keys = [info.key for info in infos]
        select = self.open_key
        if select is None:
            last = self.store.last_read()
            select = last if last in keys else (keys[0] if keys else None)
        self._main.set_entries(self.list_entries(infos), select=select)
        if self.open_key is None:
            self._main.show_list()
            if select is not None and not self._main.has_class("-narrow"):
                self._main.open_document(select, focus=False)

    def reanchor_library(self) -> None:
        """Find every highlight again in documents whose text changed since it was made, so the
        annotations screen and the counts tell the truth before each document is opened."""
        if self.store.read_only:
            return
        try:
            stale = {
                h.doc_key
                for h in self.store.highlights()
                if (info := self.catalog.info(h.doc_key)) is not None
                and h.doc_hash != info.content_hash
            }
            for key in sorted(stale):
                document = self.catalog.load(key)
                if isinstance(document, Document):
                    self.annotations.for_document(document)
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

    # -- state the screens ask for ----------------------------------------------------------

    def list_entries(self, infos: Iterable[DocumentInfo]) -> list[ListEntry]:
        progress = self.store.progress_by_document()
        counts = self.store.annotation_counts()
        return [
            ListEntry(info, progress.get(info.key, 0.0), *counts.get(info.key, (0, 0)))
            for info in infos
        ]

    def refresh_entry(self, key: str) -> None:
        info = self.catalog.info(key)
        if info is not None:
            self._main.update_entry(self.list_entries([info])[0])

    def save_position(self, key: str, offset: int, progress: float) -> None:
        if self.store.read_only:
            return  # said once at start-up, not again at every move of the caret
        try:
            self.store.save_position(key, offset, progress)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.refresh_entry(key)

    def _remember_theme(self, theme: object) -> None:
        name = getattr(theme, "name", None)
        if isinstance(name, str) and not self.store.read_only:
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
        if not changed:
            return
        self._main.set_entries(self.list_entries(self.catalog.infos()))
        self._main.refresh_highlights()
        from aiwatch_tui.ui.screens.annotations import AnnotationsScreen

        for screen in self.screen_stack:
            if isinstance(screen, AnnotationsScreen):
                screen.reload()

    def title_of(self, key: str) -> str:
        info = self.catalog.info(key)
        return info.title if info is not None else key.rsplit("/", 1)[-1]

    # -- actions ----------------------------------------------------------------------------

    def discover_sources(self) -> tuple[list[Source], list[str]]:
        """The documents to show: what the command line named, else the bundled + library."""
        if self.targets:
            return discover(self.targets)
        return library_sources(self.store.library_paths())

    def action_refresh_library(self) -> None:
        """Notice new, changed and vanished files (as at launch)."""
        self.notify("Refreshing the library…", timeout=2)
        self.run_worker(self._refresh_library, thread=True, exclusive=True, group="scan")

    def _refresh_library(self) -> None:
        sources, problems = self.discover_sources()
        stale = self.catalog.refresh(sources)
        self.catalog.scan()
        self.reanchor_library()
        self.call_from_thread(self._library_refreshed, stale, problems)

    def _library_refreshed(self, stale: set[str], problems: list[str]) -> None:
        unopenable = self._gather_unopenable(problems)
        self._announced_unopenable = len(self.unopenable)
        self._show_library(first=False)
        self._main.reload_if_changed(stale)
        self.run_worker(
            self._index_library,
            thread=True,
            exclusive=True,
            group="index",
            description="Indexing the library for search",
        )
        count = len(self.catalog.infos())  # the documents that open, as the list shows
        documents = "1 document" if count == 1 else f"{count} documents"
        self.notify(
            f"Library refreshed: {documents}, {len(stale)} changed or gone."
            + (f" {unopenable}." if unopenable else ""),
            severity="warning" if unopenable else "information",
            markup=False,
            timeout=8 if unopenable else 4,
        )

    def action_search(self) -> None:
        from aiwatch_tui.ui.screens.search import SearchScreen, show_search

        if not isinstance(self.screen, SearchScreen):
            show_search(self)

    def action_annotations(self) -> None:
        # Screens not needed for the first paint are imported when first used (start-up time).
        from aiwatch_tui.ui.screens.annotations import AnnotationsScreen, JumpTarget

        if isinstance(self.screen, AnnotationsScreen):
            return
        self._main.leave_document()

        def chosen(target: JumpTarget | None) -> None:
            if target is not None:
                self._main.go_to_highlight(target.doc_key, target.highlight_id, target.offset)

        self.push_screen(AnnotationsScreen(self.annotations, self.title_of), chosen)

    def on_annotations_screen_changed(self, event: AnnotationsScreenChanged) -> None:
        """A change made on the annotations screen (already in the undo history): the list's
        counts and the reader show it."""
        key = event.change.doc
        self.refresh_entry(key)
        if self._main.document is not None and self._main.document.key == key:
            self._main.refresh_highlights()

    def action_help(self) -> None:
        from aiwatch_tui.ui import commands
        from aiwatch_tui.ui.screens import search
        from aiwatch_tui.ui.screens.annotations import HELP_ROWS, AnnotationsScreen
        from aiwatch_tui.ui.screens.help import EXTRA_KEYS, HelpScreen, binding_rows
        from aiwatch_tui.ui.widgets.outline import Outline

        if isinstance(self.screen, HelpScreen):
            return
        sections = [
            ("Reader", binding_rows(Reader.BINDINGS)),
            ("Outline", binding_rows(Outline.BINDINGS) + [("enter", "jump to the heading")]),
            ("Document list", EXTRA_KEYS["Document list"]),
            ("Reader: panes and annotating", binding_rows(MainScreen.BINDINGS)),
            ("Annotations screen (n)", binding_rows(AnnotationsScreen.BINDINGS) + HELP_ROWS),
            ("Palette (ctrl+p)", commands.HELP_ROWS),
            ("Full-text search (ctrl+f)", search.HELP_ROWS),
            ("Everywhere", binding_rows(self.BINDINGS) + EXTRA_KEYS["Everywhere"]),
        ]
        self.push_screen(HelpScreen(sections, self.unopenable))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
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
        yield SystemCommand(
            "Outline", "Jump to a heading of this document", self._main.action_toggle_outline
        )

    def export_highlights(self, fmt: ExportFormat) -> Path | None:
        """Write every highlight and note to a new file in the exports folder; say where."""
        from aiwatch_tui.core.operations.exporting import export_to_folder

        try:
            written = export_to_folder(self.store, self.catalog, fmt, self.paths)
        except (OSError, StoreError) as error:
            self.notify(f"Export failed: {error}", severity="error", markup=False, timeout=10)
            return None
        self.notify(f"Exported to {written}", markup=False, timeout=15)
        return written

    async def action_quit(self) -> None:
        self.exit()

    def on_unmount(self) -> None:
        self.store.close()
        # While the indexing worker is inside the index, it closes it itself when it stops
        # (closing a connection another thread is using can crash SQLite).
        if self.fulltext is not None and self.indexing is None:
            self.fulltext.close()


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
) -> AiwatchApp:
    """Build the app for the CLI and the tests alike. Raises StoreError for an unusable database."""
    resolved = paths or Paths.resolve(db=db_path)
    if db_path is not None and paths is not None:
        resolved = dataclasses.replace(paths, db=db_path)
    store = Store(resolved.db)
    problems: list[str] = []
    if targets:
        sources, problems = discover(targets)
    else:
        sources, problems = library_sources(store.library_paths())
    open_key = None
    if len(targets) == 1 and len(sources) == 1 and not Path(targets[0]).is_dir():
        open_key = sources[0].key
    return AiwatchApp(
        store=store,
        catalog=Catalog(sources),
        open_key=open_key,
        problems=problems,
        paths=resolved,
        targets=targets,
    )
