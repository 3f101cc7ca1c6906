"""A one-line prompt for a web address (palette: "Add feed…", "Save page…")."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from aiwatch_tui.core.uris import is_fetchable
from aiwatch_tui.ui.keys import keyed


class UrlPrompt(ModalScreen[str | None]):
    """Asks for an http(s) URL; dismissed with it, or None (Esc). Anything else is refused
    in place, with why, and the box stays open."""

    DEFAULT_CSS = """
    UrlPrompt { align: center middle; }
    UrlPrompt > Vertical {
        width: 80%; max-width: 90; height: auto; border: round $primary;
        background: $surface; padding: 0 1;
    }
    UrlPrompt #url-problem { color: $error; height: auto; }
    """
    BINDINGS = keyed("url_prompt", [Binding("escape", "cancel", "Cancel")])

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, markup=False)
            yield Input(placeholder="https://…", id="url")
            yield Label("", id="url-problem", markup=False)
            yield Label("Enter: go · Esc: cancel", classes="dim", markup=False)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        url = event.value.strip()
        if not url:
            self.dismiss(None)
        elif is_fetchable(url):
            self.dismiss(url)
        else:
            self.query_one("#url-problem", Label).update(
                "Not an http(s) address: aiwatch fetches only http:// and https:// pages."
            )

    def action_cancel(self) -> None:
        self.dismiss(None)
