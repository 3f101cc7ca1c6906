"""The Footer of a screen, not rebuilt while another screen covers it."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """Textual's Footer rebuilds all its keys (a widget each: styles, layout, render) whenever
    its screen's bindings change, and a screen's bindings "change" when a screen is pushed
    over it. Opening the palette over the main screen cost 40-60 ms of that for keys nobody
    sees, while the keys typed after ctrl+p wait (see typeahead). Covered, it skips the
    rebuild: the screen coming back to the top tells it again, and it rebuilds then."""

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and self.app.screen is not self.screen:
            return
        super().bindings_changed(screen)
