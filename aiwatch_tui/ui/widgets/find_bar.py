"""The find bar: an incremental search box under the reading pane, with a match count."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from aiwatch_tui.ui.keys import keyed


class FindBar(Horizontal):
    """Posts what the user types; the screen finds, and tells the bar the count to show."""

    DEFAULT_CSS = """
    FindBar { height: 1; dock: bottom; background: $boost; display: none; }
    FindBar.-open { display: block; }
    FindBar > Static { width: auto; padding: 0 1; color: $text-muted; }
    FindBar > Input { border: none; height: 1; padding: 0; background: $boost; width: 1fr; }
    FindBar > Input:focus { border: none; }
    """

    @dataclass
    class Changed(Message):
        query: str

    @dataclass
    class Step(Message):
        forward: bool

    @dataclass
    class Closed(Message):
        keep: bool  # True: Enter (stay on the match); False: Esc (back where the caret was)

    def compose(self) -> ComposeResult:
        yield Static(Text("Find:"), id="find-label")
        yield _FindInput(placeholder="text to find (Enter: go, ↓/↑: next/previous)")
        yield Static(Text(""), id="find-count")

    def open(self) -> None:
        self.add_class("-open")
        field = self.query_one(_FindInput)
        field.focus()
        field.action_select_all()

    def close(self) -> None:
        self.remove_class("-open")

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def show_count(self, current: int | None, total: int, capped: bool = False) -> None:
        if not self.query_one(_FindInput).value.strip():
            label = ""
        elif total == 0:
            label = "no matches"
        else:
            label = f"{(current or 0) + 1} of {total}{'+' if capped else ''}"
        self.query_one("#find-count", Static).update(Text(label))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))


class _FindInput(Input):
    BINDINGS = keyed(
        "find",
        [
            Binding("enter", "finish(True)", "Go to match", show=False, id="go"),
            Binding("escape", "finish(False)", "Close find", show=False, id="close"),
            Binding("down,ctrl+n", "step(True)", "Next match", show=False, id="next"),
            Binding("up", "step(False)", "Previous match", show=False, id="previous"),
        ],
    )

    def action_finish(self, keep: bool) -> None:
        self.post_message(FindBar.Closed(keep))

    def action_step(self, forward: bool) -> None:
        self.post_message(FindBar.Step(forward))
