"""Moving the focus at once, before the next key is routed."""

from __future__ import annotations

from textual.widget import Widget


def focus_now(widget: Widget) -> None:
    """Give the (mounted) `widget` the focus now.

    Textual routes each key to the widget focused when the key arrives, and its
    `Widget.focus()` moves the focus only after the messages already queued, so keys that
    arrived with the one that moved it (typed ahead, or sent together by a slow SSH link)
    would reach the widget that had it. With this, and the keys that move the focus bound
    as priority bindings (run as they arrive), "tab s 1" highlights a sentence in the reader
    instead of typing "s1" into the list's filter."""
    widget.screen.set_focus(widget)
