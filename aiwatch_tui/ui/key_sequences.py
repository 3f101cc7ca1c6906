"""Two keys in a row (vim's `zz`, `gx`): Textual binds single keys only.

The App hands every key to `KeySequences.take` before routing it. A key that can start a
sequence is remembered and then routed as usual, so a first key that is also a key of its
own (`g`: to the top) acts at once, as the README says it does, with no waiting for what
might follow. When the next key completes a sequence whose action is live where the focus
is, the widget that had the focus is put back as it was before the first key (the caret
that `g` sent to the top returns: see `KeyState`) and the sequence's action runs instead of
the second key. Any other key just goes on: nothing is held back and nothing times out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual import events
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget


@runtime_checkable
class KeyState(Protocol):
    """A widget whose state a sequence's first key may change and the sequence puts back."""

    def key_state(self) -> object: ...

    def restore_key_state(self, state: object) -> None: ...


@dataclass
class _Pending:
    key: str
    widget: Widget | None
    state: object


class KeySequences:
    """The sequences in effect ((first key, second key) -> binding id) and the key that
    may be the start of one."""

    def __init__(self, table: Mapping[tuple[str, str], str] | None = None) -> None:
        self._table: dict[tuple[str, str], str] = dict(table or {})
        self._first = {first for first, _ in self._table}
        self._pending: _Pending | None = None

    def set(self, table: Mapping[tuple[str, str], str]) -> None:
        self._table = dict(table)
        self._first = {first for first, _ in self._table}
        self._pending = None

    def table(self) -> dict[tuple[str, str], str]:
        return dict(self._table)

    async def take(self, app: App[Any], event: events.Key) -> bool:
        """True when `event` completed a sequence (its action ran: the key goes no further)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            name = self._table.get((pending.key, event.key))
            found = _owner(app, name) if name is not None else None
            if found is not None:
                node, binding = found
                widget = pending.widget
                if widget is not None and widget is app.focused and isinstance(widget, KeyState):
                    widget.restore_key_state(pending.state)
                if await app.run_action(binding.action, node):
                    return True
        if event.key in self._first:
            starts = [name for (first, _), name in self._table.items() if first == event.key]
            if any(_owner(app, name) is not None for name in starts):
                focused = app.focused
                state = focused.key_state() if isinstance(focused, KeyState) else None
                self._pending = _Pending(event.key, focused, state)
        return False


def _chain(app: App[Any]) -> Iterable[DOMNode]:
    """Where keys go now: the focused widget and its ancestors up to the screen, then the
    App unless the screen is modal (as Textual's own binding chain)."""
    screen = app.screen
    focused = app.focused
    nodes: list[DOMNode] = list(focused.ancestors_with_self) if focused is not None else [screen]
    for node in nodes:
        if isinstance(node, Screen):
            yield node
            if not isinstance(node, ModalScreen):
                yield app
            return
        yield node


def _owner(app: App[Any], name: str) -> tuple[DOMNode, Binding] | None:
    """The node where the binding `name` is live now, and that binding."""
    for node in _chain(app):
        binding = binding_with_id(type(node), name)
        if binding is not None:
            return node, binding
    return None


def binding_with_id(cls: type[DOMNode], name: str) -> Binding | None:
    for klass in cls.__mro__:
        for binding in getattr(klass, "BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id == name:
                return binding
    return None
