"""The aiwatch App: owns the store and the catalog; screens and widgets render what it gives them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from aiwatch_tui.core.annotations import Annotations
from aiwatch_tui.core.catalog import Catalog
from aiwatch_tui.core.library import Source, bundled_sources, discover
from aiwatch_tui.core.model import Document, DocumentInfo
from aiwatch_tui.core.store import Store, StoreError
from aiwatch_tui.paths import Paths
from aiwatch_tui.ui.screens.help import EXTRA_KEYS, HelpScreen, binding_rows
from aiwatch_tui.ui.screens.main import MainScreen
from aiwatch_tui.ui.widgets.document_list import ListEntry
from aiwatch_tui.ui.widgets.outline import Outline
from aiwatch_tui.ui.widgets.reader import Reader

# Libraries smaller than this are parsed before the first paint (it takes milliseconds);
# larger ones fill the list from a worker so the app is usable at once.
_PARSE_INLINE_BYTES = 2 * 1024 * 1024
THEME_SETTING = "theme"


class AiwatchApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "aiwatch"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(
        self,
        *,
        store: Store,
        catalog: Catalog,
        open_key: str | None = None,
        problems: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.store = store
        self.annotations = Annotations(store)
        self.catalog = catalog
        self.open_key = open_key
        self.startup_problems = list(problems)
        self._main = MainScreen()

    # -- start-up ---------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        return self._main

    def on_mount(self) -> None:
        saved_theme = self.store.setting(THEME_SETTING)
        if saved_theme and saved_theme in self.available_themes:
            self.theme = saved_theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)

    def start(self) -> None:
        """Fill the main screen once it is composed (called from its on_mount)."""
        for problem in self.startup_problems:
            self.notify(problem, severity="warning", markup=False, timeout=8)
        if self.open_key is not None:
            self._main.open_document(self.open_key, focus=True)
        missing = self.catalog.missing_infos()
        if sum(_size(s) for s in missing) <= _PARSE_INLINE_BYTES:
            self.catalog.scan(missing, on_problem=self._report_problem)
            self._show_library()
        else:
            self._show_library()
            self.run_worker(self._scan_library, thread=True, exclusive=True, group="scan")

    def _show_library(self) -> None:
        infos = self.catalog.infos()
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

    def _scan_library(self) -> None:
        self.catalog.scan(
            on_problem=lambda p: self.call_from_thread(self._report_problem, p),
            cancelled=lambda: self._exit_renderables is not None or self._closing,
        )
        self.call_from_thread(self._show_library)

    def _report_problem(self, problem: object) -> None:
        self.notify(
            str(getattr(problem, "message", problem)), severity="warning", markup=False, timeout=8
        )

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

    def document_opened(self, document: Document) -> None:
        self.sub_title = document.title

    def save_position(self, key: str, offset: int, progress: float) -> None:
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

    # -- actions ----------------------------------------------------------------------------

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        sections = [
            ("Reader", binding_rows(Reader.BINDINGS)),
            ("Outline", binding_rows(Outline.BINDINGS) + [("enter", "jump to the heading")]),
            ("Document list", EXTRA_KEYS["Document list"]),
            ("Screen", binding_rows(MainScreen.BINDINGS) + [("esc", "back to the list (narrow)")]),
            ("Everywhere", binding_rows(self.BINDINGS) + EXTRA_KEYS["Everywhere"]),
        ]
        self.push_screen(HelpScreen(sections))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Show every key", self.action_help)
        yield SystemCommand(
            "Outline", "Jump to a heading of this document", self._main.action_toggle_outline
        )

    async def action_quit(self) -> None:
        self._main.leave_document()
        self.exit()

    def on_unmount(self) -> None:
        self.store.close()


def _size(source: Source) -> int:
    try:
        return os.stat(source.path).st_size
    except OSError:
        return 0


def make_app(
    targets: Sequence[Path] = (),
    *,
    paths: Paths | None = None,
    db_path: Path | None = None,
) -> AiwatchApp:
    """Build the app for the CLI and the tests alike. Raises StoreError for an unusable database."""
    resolved = paths or Paths.resolve(db=db_path)
    if db_path is not None and paths is not None:
        resolved = Paths(db=db_path, cache_dir=paths.cache_dir, config_dir=paths.config_dir)
    problems: list[str] = []
    if targets:
        sources, problems = discover(targets)
    else:
        sources = bundled_sources()
    open_key = None
    if len(targets) == 1 and len(sources) == 1 and not Path(targets[0]).is_dir():
        open_key = sources[0].key
    store = Store(resolved.db)
    return AiwatchApp(store=store, catalog=Catalog(sources), open_key=open_key, problems=problems)
