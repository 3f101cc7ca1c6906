"""The help screen: every key, read from the bindings themselves so it cannot drift."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from aiwatch_tui.ui.keys import keyed

# Keys that are not bindings of a widget class (handled in on_key or by Textual itself).
EXTRA_KEYS: dict[str, list[tuple[str, str]]] = {
    "Document list": [
        ("/", "filter the list (fuzzy); in the box every key is text, enter opens the best match"),
        ("↑ ↓ j k PgUp PgDn g G", "move through the list (the arrows also from the filter box)"),
        ("enter", "open the document"),
        ("esc", "clear the filter and return to the list"),
    ],
    "Everywhere": [
        ("ctrl+p", "command palette: documents, sections, commands, themes"),
    ],
    "Mouse": [
        ("click", "in the list: open the document; in the text: put the caret there"),
        ("drag", "in the text: select (then the highlight keys apply)"),
        ("double-click", "in the text: select the word"),
        ("wheel", "scroll (the caret stays on the screen)"),
    ],
}


# (keys, what they do, the action's name for the settings file)
HelpRow = tuple[str, str, str]


def help_table(sections: Sequence[tuple[str, list[HelpRow]]]) -> Group:
    """Each section's title, then its keys beside what they do and the action's name."""
    parts: list[RenderableType] = []
    for title, rows in sections:
        parts.append(Text(title, style="bold underline"))
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", max_width=20, overflow="fold")
        table.add_column()
        for keys, description, name in rows:
            does = Text(description)
            if name:
                does.append(f"  {name}", style="dim")
            table.add_row(Text(keys), does)
        parts += [table, Text("")]
    return Group(*parts)


def unopenable_text(problems: Sequence[str]) -> Text:
    """The files that could not be opened, each "path: why" on its own line (folded, never
    cut: the end of a path is what tells two files apart)."""
    heading = f"Files that could not be opened ({len(problems)}; f5 tries again)"
    text = Text(overflow="fold")
    text.append(heading, style="bold underline")
    for problem in problems:
        text.append("\n")
        text.append(problem)  # already one safe line; appended as text, never as markup
    text.append("\n")
    return text


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 90; height: 90%; border: round $primary; background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS = keyed(
        "help",
        [
            Binding("escape,q,question_mark", "dismiss", "Close help", id="close"),
            Binding("j,down", "scroll('down')", "Scroll down", show=False, id="scroll_down"),
            Binding("k,up", "scroll('up')", "Scroll up", show=False, id="scroll_up"),
        ],
    )

    def __init__(
        self,
        sections: Sequence[tuple[str, list[HelpRow]]],
        unopenable: Sequence[str] = (),
    ) -> None:
        """`unopenable`: one line per file of the library that could not be opened, shown
        first (the notification that says how many sends the reader here)."""
        super().__init__()
        self._sections = sections
        self._unopenable = unopenable

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "aiwatch keys"
            if self._unopenable:
                yield Static(unopenable_text(self._unopenable), id="unopenable")
            yield Static(
                Text(
                    "Dim: each action's name, for [keys] in the settings file (aiwatch config).",
                    style="italic",
                )
            )
            yield Static(help_table(self._sections))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

    def action_scroll(self, direction: str) -> None:
        scroll = self.query_one(VerticalScroll)
        if direction == "down":
            scroll.scroll_down()
        else:
            scroll.scroll_up()
