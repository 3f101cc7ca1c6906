"""The outline: a document's headings as a jump list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from aiwatch_tui.core.model import Document
from aiwatch_tui.core.text.structure import headings
from aiwatch_tui.ui.keys import keyed


class Outline(OptionList):
    """Lists the headings; Enter posts `Outline.Jump` with the heading's text offset."""

    DEFAULT_CSS = """
    Outline { width: 32; height: 1fr; border-left: solid $primary-muted; padding: 0; }
    Outline:focus { border-left: solid $primary; }
    """

    BINDINGS = keyed("outline", [Binding("escape,q", "close", "Close outline")])

    @dataclass
    class Jump(Message):
        offset: int

    @dataclass
    class Closed(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._offsets: list[int] = []

    def show_document(self, document: Document | None) -> None:
        self.clear_options()
        self._offsets = []
        if document is None:
            return
        options: list[Option] = []
        for heading in headings(document):
            indent = "  " * heading.depth
            options.append(Option(Text(indent + heading.label, no_wrap=True, overflow="ellipsis")))
            self._offsets.append(heading.offset)
        if not options:
            options.append(Option(Text("(no headings)", style="dim"), disabled=True))
        self.add_options(options)

    def mark_section(self, offset: int) -> None:
        """Move the list cursor to the heading of the section that holds `offset`."""
        current = None
        for index, start in enumerate(self._offsets):
            if start <= offset:
                current = index
            else:
                break
        if not self.has_focus and self._offsets:
            self.highlighted = current if current is not None else 0

    def headings(self) -> Sequence[int]:
        return tuple(self._offsets)

    @on(OptionList.OptionSelected)
    def _jump(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._offsets):
            self.post_message(self.Jump(self._offsets[event.option_index]))

    def action_close(self) -> None:
        self.post_message(self.Closed())
