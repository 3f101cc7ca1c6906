"""Keys typed ahead go where the key before them moved the focus.

Textual's App routes each key to the widget focused at the moment it takes the key off its
queue. What the key before did happens later: its bindings run when it has bubbled back up
to the App, the messages they post travel widget by widget, and `Widget.focus()` only moves
the focus when the App gets to the callback it queued. So when a slow SSH link delivers
"Enter G" in one packet, the G is routed to the list before the Enter has opened the article
and focused the reader; "tab s 1" types "s1" into the list.

`TypeAhead` routes one key (or paste) at a time: the next only once everything the one before
set off has run, wherever it ran. That is checked, not guessed and not waited for on a clock:

- every message pump of the App's screens (each widget and screen has its own queue) has an
  empty queue and has finished mounting. The pumps still busy are asked to call back when
  they reach what they hold (`call_later` runs after everything queued before it, including
  whatever a slow handler is still doing), and the check runs again;
- the App has nothing queued either: the last word is always on the App's own queue, so it
  never comes in the middle of an App handler (a binding's action, which may push a screen
  or queue a focus change);
- the focused widget has a size: a pane shown for the first time (the reader at 80
  columns) is laid out before the next key moves in it.

Keys typed one at a time, the usual case, find nothing busy and are routed at once. Mouse
events are not held: they go to the widget under the pointer, not to the focus.

A burst is drawn once: while keys are held behind the one being routed, the screen's
updates are held (Textual's batch count), so a slow link receives the end state, not a frame
per key. They are let go when the burst is over, before a layout the next key needs, and
whenever Textual draws a frame itself (a new screen, a resize: see `release_frames`).

A pump whose handler is suspended (awaiting) with an empty queue looks idle; the App's own
handlers, where bindings' actions run, cannot be in that state when the last check runs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
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
        self._routed_at = 0.0
        self._routed = 0  # how many events were routed: a check for an earlier one is stale
        self._round = 0  # which wait the call-backs belong to (a stale one is ignored)
        self._outstanding = 0  # call-backs of this round still to come
        self._frames_held = False

    @staticmethod
    def holds(event: events.Event) -> bool:
        """Whether `event` is one this router orders: a key or a paste from the terminal (a
        key bubbling back up to the App is the same event, already routed)."""
        return isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded

    @property
    def holding(self) -> bool:
        """Whether events that came are held, waiting for their turn, or the last one routed
        has not yet been handled everywhere (its effects are still on their way)."""
        return self._routing or bool(self._held)

    async def receive(self, event: events.Event) -> None:
        """An event from the terminal: routed now if nothing is in flight, else held."""
        self._held.append(event)
        if self._routing and monotonic() - self._routed_at > _HOLD_LIMIT_SECONDS:
            self._round += 1  # call-backs still to come belong to a wait given up
            self._routing = False
            self.release_frames()
        if not self._routing:
            await self._route_next()

    def release_frames(self) -> None:
        """Let the screen's updates go (the App calls this before it draws a frame: a frame
        Textual draws itself while a burst is held, for a new screen or a resize, must
        reach the terminal, where a held batch would drop it)."""
        if self._frames_held:
            self._frames_held = False
            self._app._end_batch()
            if self._app.screen_stack:  # (none left while the App shuts down)
                self._app.screen.check_idle()  # the screen resumes its updates when idle

    async def _route_next(self) -> None:
        event = self._held.popleft()
        self._routing = True
        self._routed_at = monotonic()
        self._routed += 1
        if self._held and not self._frames_held:
            self._frames_held = True
            self._app._begin_batch()
        await self._route(event)
        # After whatever the routing queued on the App.
        self._app.call_later(self._settle, self._routed)

    async def _settle(self, routed: int) -> None:
        """On the App's queue: route the next held event if everything is settled."""
        if routed != self._routed:
            return  # a wait given up (see receive)
        app = self._app
        if self._wait_for_pumps():
            return
        if _busy(app):
            app.call_later(self._settle, routed)  # more came to the App meanwhile: after it
            return
        screen = app.screen
        focused = screen.focused
        if screen._layout_required and focused is not None and not focused.size.area:
            # The widget the next key goes to has never been laid out (the reader, shown
            # for the first time at 80 columns): it gets its size first.
            self.release_frames()
            if not app._batch_count:  # (a batch of Textual's own would hold it back)
                self._start_round()
                if screen.call_after_refresh(self._answered, self._round):
                    self._outstanding = 1
                    return
        if self._held:
            await self._route_next()
        else:
            self._routing = False
            self.release_frames()

    def _start_round(self) -> None:
        self._round += 1
        self._outstanding = 0

    def _wait_for_pumps(self) -> bool:
        """Ask every widget or screen with work queued (or still mounting) to call back once
        it has done it; False when none has."""
        self._start_round()
        round_ = self._round
        for screen in self._app.screen_stack:
            for pump in filter(_busy, screen.walk_children(with_self=True)):
                if pump.call_later(self._answered, round_):
                    self._outstanding += 1
        return self._outstanding > 0

    def _answered(self, round_: int) -> None:
        """A pump reached the call-back (or the screen refreshed): when the last has, look
        again, from here, and leave the last word to the App."""
        if round_ != self._round:
            return
        self._outstanding -= 1
        if self._outstanding == 0 and not self._wait_for_pumps():
            self._app.call_later(self._settle, self._routed)


def _busy(pump: MessagePump) -> bool:
    """Whether the pump has not finished mounting or has messages waiting: queued, taken off
    the queue to be peeked at (`_pending_message`), or as next-callbacks. Textual has no
    public way to ask; these are the attributes `MessagePump` itself looks at. A pump that is
    closing never answers: it does not count."""
    if pump._closing or pump._closed:
        return False
    return (
        not pump._is_mounted
        or pump.message_queue_size > 0
        or pump._pending_message is not None
        or bool(pump._next_callbacks)
    )
