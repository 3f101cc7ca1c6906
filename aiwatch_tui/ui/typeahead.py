"""Keys typed ahead go where the key before them moved the focus.

Textual's App routes each key to the widget focused at the moment it takes the key off its
queue. What the key before did happens later: its bindings run when it has bubbled back up
to the App, the messages they post travel widget by widget, and `Widget.focus()` only moves
the focus when the App gets to the callback it queued. So when a slow SSH link delivers
"Enter G" in one packet, the G is routed to the list before the Enter has opened the article
and focused the reader; "tab s 1" types "s1" into the list.

`TypeAhead` routes one key (or paste) at a time: the next one only once everything the one
before set off has run, wherever it ran. "Everything" is checked, not guessed and not waited
for on a clock: every message pump of the App and of its screens (each widget and screen
has its own queue) has an empty queue and has finished mounting. Until then the pumps still
busy are asked to call back when they reach what they hold (`call_later` runs after all that
is queued before it, including what a slow handler is still doing), and the check runs again
on the App's own queue (so it never runs in the middle of an App handler, such as a binding's
action). Keys typed one at a time, the usual case, find nothing busy and are routed at once.

A pump whose handler is suspended (awaiting) with an empty queue looks idle; the App's own
handlers, where bindings' actions run, cannot be in that state when the check runs on its
queue. Anything else that moves the focus from a suspended handler is outside this guarantee.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from time import monotonic
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from textual.app import App

# A safety valve, not part of the ordering: should a pump never reach its call-back (a
# handler that never finishes), the next key typed after this long routes what is held
# rather than the keyboard dying.
_HOLD_LIMIT_SECONDS = 3.0


class TypeAhead:
    """Holds the App's input events and routes each once the one before has been handled."""

    def __init__(self, app: App[Any], route: Callable[[events.Event], Awaitable[None]]) -> None:
        """`route` does what Textual does with an event from the terminal (priority bindings,
        then forwarding to the focused widget)."""
        self._app = app
        self._route = route
        self._held: deque[events.Event] = deque()
        self._routing = False  # an event was routed and what it set off has not yet settled
        self._outstanding = 0  # call-backs asked of busy pumps that have not come yet
        self._round = 0  # which wait the call-backs belong to (a stale one is ignored)
        self._routed_at = 0.0

    @staticmethod
    def holds(event: events.Event) -> bool:
        """Whether `event` is one this router orders: a key or a paste from the terminal (a
        key bubbling back up to the App is the same event, already routed)."""
        return isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded

    async def receive(self, event: events.Event) -> None:
        """An event from the terminal: routed now if nothing is in flight, else queued."""
        self._held.append(event)
        if self._routing and monotonic() - self._routed_at > _HOLD_LIMIT_SECONDS:
            self._round += 1  # call-backs still to come belong to a wait given up
            self._routing = False
        if not self._routing:
            await self._route_next()

    async def _route_next(self) -> None:
        event = self._held.popleft()
        self._routing = True
        self._routed_at = monotonic()
        await self._route(event)
        # The check runs on the App's queue, after whatever the routing queued there.
        self._app.call_later(self._check)

    async def _check(self) -> None:
        """Route the next held event if everything is settled; otherwise wait for the busy."""
        app = self._app
        busy = list(self._busy_pumps())
        if not busy:
            if self._held:
                await self._route_next()
            else:
                self._routing = False
            return
        self._round += 1
        round_ = self._round
        self._outstanding = 0
        for pump in busy:
            if pump is app:
                continue
            if pump.call_later(self._answered, round_):
                self._outstanding += 1
        if self._outstanding == 0:
            # Only the App is busy: check again after what it holds.
            app.call_later(self._check)

    def _answered(self, round_: int) -> None:
        """A busy pump reached the call-back: it has done everything it held."""
        if round_ != self._round:
            return
        self._outstanding -= 1
        if self._outstanding == 0:
            self._app.call_later(self._check)

    def _busy_pumps(self) -> Iterator[MessagePump]:
        app = self._app
        if _busy(app):
            yield app
        for screen in app.screen_stack:
            yield from filter(_busy, screen.walk_children(with_self=True))


def _busy(pump: MessagePump) -> bool:
    """Whether the pump has not finished mounting or has messages waiting: in its queue, as
    the one it took off the queue to peek at while handling the last (`_pending_message`),
    or as next-callbacks. (Textual has no public way to ask: these are the attributes
    `MessagePump` itself looks at.) A pump that is closing never answers: it does not count."""
    if pump._closing or pump._closed:
        return False
    return (
        not pump._is_mounted
        or not pump._message_queue.empty()
        or pump._pending_message is not None
        or bool(pump._next_callbacks)
    )
