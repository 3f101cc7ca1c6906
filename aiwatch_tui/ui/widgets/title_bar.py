"""The top line: app name, which documents the list shows, the open document's title, what
runs in the background (fetching feeds) and how far into the document the reader is."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class TitleBar(Widget):
    DEFAULT_CSS = """
    TitleBar { height: 1; background: $panel; color: $foreground; }
    """

    document_title: reactive[str] = reactive("")
    progress: reactive[float | None] = reactive(None)
    scope: reactive[str] = reactive("")  # "" when the list shows everything
    activity: reactive[str] = reactive("")  # e.g. "fetching 12/100 feeds · 34 new"

    def render(self) -> Text:
        # Titles come from article text: build Text, never markup.
        right = "" if self.progress is None else f" {round(self.progress * 100)}% "
        if self.activity:
            right = f" {self.activity} ·{right}" if right else f" {self.activity} "
        left = Text(" aiwatch", style="bold")
        if self.scope:
            left.append(f" [{self.scope}]", style="bold")
        if self.document_title:
            left.append(" — ")
            left.append(self.document_title)
        room = max(0, self.size.width - len(right))
        left.truncate(room, overflow="ellipsis")
        left.pad_right(room - left.cell_len)
        return left + Text(right, style="bold")
