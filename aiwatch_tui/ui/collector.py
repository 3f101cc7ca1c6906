"""When Python's cycle collector may pause the reader.

A full collection walks every tracked object: with a 5 MB article laid out that is hundreds
of thousands of them, and a pass takes about 50 ms. Left to its own schedule it runs when
the most is being allocated, which is while the user types (each find keystroke builds up to
5,000 match records), so a keystroke now and then took 50-80 ms. The reader therefore holds
full collections back and runs them itself once no key has come for a moment. The young
generations are still collected as usual (they are cheap), and reference counting frees
everything that holds no cycle at once, as always.
"""

from __future__ import annotations

import gc

# The full-collection threshold counts young-generation collections (one per 7,000 or so
# allocations); this many is never reached in a session.
_NEVER = 1_000_000_000


def hold_full_collections() -> None:
    """Freeze what exists now (it lives as long as the app) and leave full collections to
    `collect_when_idle`. Called once the first frame is on screen."""
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, _NEVER)
    gc.enable()


def full_collections_held() -> bool:
    return gc.get_threshold()[2] >= _NEVER


def collect_when_idle() -> None:
    """A full collection, for a moment when no key is waiting (if any is due)."""
    if full_collections_held() and gc.get_count()[2] > 0:
        gc.collect()
