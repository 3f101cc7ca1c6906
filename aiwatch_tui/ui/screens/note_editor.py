"""The note editor: a modal with a multi-line Markdown text area and a crash-proof draft."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

from aiwatch_tui.core.text.sanitize import sanitize
from aiwatch_tui.ui.keys import keyed

# How often the draft is written while typing: a dropped SSH link loses at most this much.
DRAFT_INTERVAL = 3.0


class ConfirmDiscard(ModalScreen[bool]):
    """Asked when leaving the editor with unsaved text."""

    DEFAULT_CSS = """
    ConfirmDiscard { align: center middle; }
    ConfirmDiscard > Vertical {
        width: 52; height: auto; border: round $warning; background: $surface; padding: 0 1;
    }
    ConfirmDiscard Horizontal { height: auto; align-horizontal: right; }
    ConfirmDiscard Button { margin-left: 1; min-width: 10; }
    """
    BINDINGS = keyed(
        "confirm",
        [
            Binding("y,d", "answer(True)", "Discard", id="discard"),
            Binding("n,escape,q", "answer(False)", "Keep editing", id="keep"),
        ],
    )

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("The note has unsaved changes. Discard them?")
            with Horizontal():
                yield Button("Keep editing (n)", id="keep", variant="primary")
                yield Button("Discard (y)", id="discard", variant="error")

    def action_answer(self, discard: bool) -> None:
        self.dismiss(discard)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "discard")


class _NoteArea(TextArea):
    """A text area that leaves Esc to the editor (after the keys typed before it)."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            # Skip TextArea's own Esc (focus next); the key bubbles on to the editor's binding.
            event.prevent_default()
            return
        await super()._on_key(event)


class NoteEditor(ModalScreen[str | None]):
    """Edits one note. Dismisses with the saved text, or None when the user leaves without saving.

    `save_draft(text)` is called every few seconds while the text differs from what was
    last written, and `discard_draft()` when the user saves or throws the text away.
    """

    DEFAULT_CSS = """
    NoteEditor { align: center middle; }
    NoteEditor > Vertical {
        width: 90%; max-width: 90; height: 80%; max-height: 24;
        border: round $primary; background: $surface;
    }
    NoteEditor #quote { color: $text-muted; height: auto; max-height: 3; padding: 0 1; }
    NoteEditor #recovered { color: $warning; height: auto; padding: 0 1; }
    NoteEditor TextArea { height: 1fr; border: none; }
    NoteEditor #keys { color: $text-muted; height: 1; padding: 0 1; }
    """
    # Not priority bindings: keys reach the text area in order, so a burst of typing that
    # ends in ctrl+s (a paste, a slow SSH link) is saved whole.
    BINDINGS = keyed(
        "note_editor",
        [
            Binding("ctrl+s", "save", "Save note"),
            Binding("escape", "leave", "Leave"),
        ],
    )

    def __init__(
        self,
        *,
        title: str,
        text: str,
        quote: str = "",
        draft: str | None = None,
        save_draft: Callable[[str], object] | None = None,
        discard_draft: Callable[[], object] | None = None,
        on_save: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__()
        self._title = title
        self._saved_text = text
        self._quote = quote
        self._draft = draft if draft is not None and draft != text else None
        self._save_draft = save_draft
        self._discard_draft = discard_draft
        self._last_draft = draft if draft is not None else text
        self._on_save = on_save

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self._title)  # may hold a document title: never markup
            if self._quote:
                quote = " ".join(self._quote.split())
                yield Static(
                    Text("“" + quote[:400] + ("…" if len(quote) > 400 else "") + "”"), id="quote"
                )
            if self._draft is not None:
                yield Static(
                    Text(
                        "Recovered an unsaved draft of this note. ctrl+s keeps it, "
                        "esc throws it away."
                    ),
                    id="recovered",
                )
            # A note from an import may hold control characters: shown (and, if saved,
            # kept) as visible symbols, never sent to the terminal.
            initial = self._draft if self._draft is not None else self._saved_text
            yield _NoteArea(sanitize(initial), id="note", soft_wrap=True, tab_behavior="indent")
            yield Static(Text("ctrl+s save · esc leave · Markdown"), id="keys")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        self.set_interval(DRAFT_INTERVAL, self.flush_draft)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def flush_draft(self) -> None:
        """Write the text as a draft if it changed since the last draft."""
        text = self.text
        if self._save_draft is not None and text != self._last_draft:
            if self._save_draft(text) is not False:
                self._last_draft = text

    def action_save(self) -> None:
        """Close only once the note is safely written; on failure the text stays here."""
        text = self.text
        if self._on_save is not None and not self._on_save(text):
            self.flush_draft()
            self.query_one("#keys", Static).update(
                Text(
                    "Not saved (see the message). Your text is still here: ctrl+s tries again.",
                    style="bold",
                )
            )
            return
        self.dismiss(text)

    def action_leave(self) -> None:
        if self.text == self._saved_text and self._draft is None:
            self._throw_away()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self._throw_away()

        self.app.push_screen(ConfirmDiscard(), answered)

    def _throw_away(self) -> None:
        if self._discard_draft is not None:
            self._discard_draft()
        self.dismiss(None)
