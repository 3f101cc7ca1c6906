"""The help screen: every key, read from the bindings themselves so it cannot drift."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

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
}


def _key_label(binding: Binding) -> str:
    names = {
        "question_mark": "?",
        "left_parenthesis": "(",
        "right_parenthesis": ")",
        "left_curly_bracket": "{",
        "right_curly_bracket": "}",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "slash": "/",
        "space": "space",
        "shift+space": "shift+space",
    }
    keys = [names.get(k.strip(), k.strip()) for k in binding.key.split(",")]
    return " ".join(keys)


def binding_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """(keys, description) for every described binding, merging keys that share an action."""
    rows: dict[str, tuple[list[str], str]] = {}
    for item in bindings:
        if not isinstance(item, Binding) or not item.description:
            continue
        label = _key_label(item)
        keys, _ = rows.setdefault(item.action, ([], item.description))
        if label not in keys:
            keys.append(label)
    return [(" ".join(keys), description) for keys, description in rows.values()]


def help_table(sections: Sequence[tuple[str, list[tuple[str, str]]]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for title, rows in sections:
        table.add_row(Text(title, style="bold underline"), "")
        for keys, description in rows:
            table.add_row(Text(keys), Text(description))
        table.add_row("", "")
    return table


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
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close help"),
        Binding("j,down", "scroll('down')", "Scroll", show=False),
        Binding("k,up", "scroll('up')", "Scroll", show=False),
    ]

    def __init__(
        self,
        sections: Sequence[tuple[str, list[tuple[str, str]]]],
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
            yield Static(help_table(self._sections))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

    def action_scroll(self, direction: str) -> None:
        scroll = self.query_one(VerticalScroll)
        if direction == "down":
            scroll.scroll_down()
        else:
            scroll.scroll_up()
