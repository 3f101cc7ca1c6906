"""The top line: app name, the open document's title and how far into it the reader is."""

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

    def render(self) -> Text:
        # Titles come from article text: build Text, never markup.
        right = "" if self.progress is None else f" {round(self.progress * 100)}% "
        left = Text(" aiwatch", style="bold")
        if self.document_title:
            left.append(" — ")
            left.append(self.document_title)
        room = max(0, self.size.width - len(right))
        left.truncate(room, overflow="ellipsis")
        left.pad_right(room - left.cell_len)
        return left + Text(right, style="bold")
