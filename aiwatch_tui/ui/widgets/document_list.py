"""The document list: titles with reading time, progress and annotation counts; type to filter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from aiwatch_tui.core.model import DocumentInfo

if TYPE_CHECKING:
    from aiwatch_tui.core.search import FuzzyIndex

# Filtering a very large library shows the best matches, not all of them.
_MAX_FILTERED = 500


@dataclass(frozen=True, slots=True)
class ListEntry:
    """What one row of the list shows; the screen builds these from the catalog and the store."""

    info: DocumentInfo
    progress: float = 0.0
    highlights: int = 0
    notes: int = 0


def entry_prompt(entry: ListEntry, matched: Sequence[int] = ()) -> Text:
    """Two lines: the title (matched characters emphasised) and a dim line of facts."""
    title = Text(entry.info.title or entry.info.key, no_wrap=True, overflow="ellipsis")
    for index in matched:
        title.stylize("bold underline", index, index + 1)
    minutes = max(1, round(entry.info.word_count / 230)) if entry.info.word_count else 0
    facts = [f"{minutes} min", f"{round(entry.progress * 100)}%"]
    if entry.highlights:
        facts.append(f"{entry.highlights} hl")
    if entry.notes:
        facts.append(f"{entry.notes} ✎")
    line = Text("\n" + " · ".join(facts), style="dim", no_wrap=True, overflow="ellipsis")
    return title + line


class _Options(OptionList):
    """The list itself: printable keys that no binding claims start the filter."""

    def on_key(self, event: events.Key) -> None:
        if not event.is_printable or event.character is None:
            return
        if event.key in self.app.active_bindings:
            return  # a key the app binds (q, ?, ...) keeps its meaning
        event.stop()
        event.prevent_default()
        self.post_message(DocumentList.StartFilter(event.character))


class _FilterInput(Input):
    """The filter box: arrows and Enter act on the list below, Esc clears and returns."""

    BINDINGS = [
        Binding("down", "list('cursor_down')", "Next", show=False),
        Binding("up", "list('cursor_up')", "Previous", show=False),
        Binding("pagedown", "list('page_down')", "Page down", show=False),
        Binding("pageup", "list('page_up')", "Page up", show=False),
        Binding("enter", "list('select')", "Open", show=False),
        Binding("escape", "leave", "Clear filter", show=False),
    ]

    def action_list(self, action: str) -> None:
        if self.parent is not None:
            getattr(self.parent.query_one(_Options), f"action_{action}")()

    def action_leave(self) -> None:
        self.value = ""
        if self.parent is not None:
            self.parent.query_one(_Options).focus()


class DocumentList(Vertical):
    """Shows list entries, filters them as the user types, and posts which one is chosen."""

    DEFAULT_CSS = """
    DocumentList { width: 1fr; height: 1fr; }
    DocumentList > Input { border: none; height: 1; padding: 0 1; background: $boost; }
    DocumentList > Input:focus { background: $boost; border: none; }
    DocumentList > OptionList { height: 1fr; border: none; padding: 0; }
    DocumentList > OptionList:focus { border: none; }
    """

    @dataclass
    class Opened(Message):
        """The user chose a document (Enter or click)."""

        key: str

    @dataclass
    class Highlighted(Message):
        """The list cursor moved onto a document."""

        key: str

    @dataclass
    class StartFilter(Message):
        character: str

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._entries: list[ListEntry] = []
        self._index: FuzzyIndex | None = None  # built on the first filter keystroke
        self._shown: list[str] = []

    def compose(self) -> ComposeResult:
        yield _FilterInput(placeholder="type to filter", id="filter", select_on_focus=False)
        yield _Options(id="documents")

    @property
    def options(self) -> OptionList:
        return self.query_one(_Options)

    @property
    def highlighted_key(self) -> str | None:
        option = self.options.highlighted_option
        return option.id if option is not None else None

    def set_entries(self, entries: Sequence[ListEntry], select: str | None = None) -> None:
        """Replace what the list shows, keeping (or moving to) the selected document."""
        keep = select if select is not None else self.highlighted_key
        self._entries = list(entries)
        self._index = None
        self._refresh_options(keep)

    def update_entry(self, entry: ListEntry) -> None:
        for position, existing in enumerate(self._entries):
            if existing.info.key == entry.info.key:
                self._entries[position] = entry
                break
        else:
            return
        if entry.info.key in self._shown:
            options = self.options
            options.replace_option_prompt(entry.info.key, entry_prompt(entry))

    def select(self, key: str) -> None:
        if key in self._shown:
            self.options.highlighted = self._shown.index(key)

    def _refresh_options(self, keep: str | None) -> None:
        query = self.query_one(_FilterInput).value.strip()
        rows: list[tuple[ListEntry, Sequence[int]]]
        if query:
            if self._index is None:
                from aiwatch_tui.core.search import FuzzyIndex  # rapidfuzz: not at start-up

                self._index = FuzzyIndex([e.info.title for e in self._entries])
            hits = self._index.search(query, limit=_MAX_FILTERED)
            rows = [(self._entries[hit.index], hit.positions) for hit in hits]
        else:
            rows = [(entry, ()) for entry in self._entries]
        options = self.options
        options.clear_options()
        options.add_options(Option(entry_prompt(e, m), id=e.info.key) for e, m in rows)
        self._shown = [e.info.key for e, _ in rows]
        if not rows:
            return
        options.highlighted = self._shown.index(keep) if keep in self._shown else 0

    @on(StartFilter)
    def _start_filter(self, event: StartFilter) -> None:
        event.stop()
        field = self.query_one(_FilterInput)
        field.focus()
        field.insert_text_at_cursor(event.character)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._refresh_options(self.highlighted_key)

    @on(OptionList.OptionSelected, "#documents")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Opened(event.option.id))

    @on(OptionList.OptionHighlighted, "#documents")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Highlighted(event.option.id))

    def focus_list(self) -> None:
        self.options.focus()
