"""The bottom line of keys: Textual's Footer, with its keys in the first frame and rebuilt only
when the keys it shows change."""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer waits for the screen to say its bindings changed and then rebuilds
    itself after the next refresh: at launch that is after the first frame, which showed an
    empty bottom line, and every later focus change or binding check rebuilt every key again,
    a new layout and frame each time (five times over before the first keys appeared). Here
    the first keys are composed as soon as they are known (before the first frame), and a
    change that leaves the keys as they are rebuilds nothing."""

    def __init__(self) -> None:
        super().__init__()
        self._wanted: Hashable = None  # the keys last composed, or asked to be

    def _keys(self) -> Hashable:
        """What compose would show now."""
        return (
            self.show_command_palette,
            tuple(
                (binding, enabled, tooltip, self.app.get_key_display(binding))
                for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
                if binding.show
            ),
        )

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._wanted = self._keys()
        return super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not (self.is_attached and screen is self.screen and screen.app.app_focus):
            super().bindings_changed(screen)
            return
        keys = self._keys()
        if self._bindings_ready and keys == self._wanted:
            return
        self._wanted = keys
        if self._bindings_ready:
            super().bindings_changed(screen)
            return
        # The first keys: composed now, not after the next refresh (the first frame).
        self._bindings_ready = True
        self.call_next(self.recompose)
