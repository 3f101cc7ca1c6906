"""Cost checks that hold on a loaded machine: how work grows, never how long it takes.

A test that asserts seconds fails when another process has the CPU. These helpers measure
what does not depend on the machine's load: how the cost of n grows to 4n (a ratio of CPU
time of this thread, best of a few runs), how many bytes a call reads, and whether a call
comes back at all. Absolute speed targets live in `bench/`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

# Linear work grows about 4 times from n to 4n; quadratic work 16 times. Anything under this
# is linear or n log n with room for noise; anything over it is worse than linear.
LINEAR_GROWTH_LIMIT = 8.0

T = TypeVar("T")


def _cpu_cost(action: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.thread_time()
        action()
        best = min(best, time.thread_time() - started)
    return best


def growth(work: Callable[[int], object], n: int, repeats: int = 3) -> float:
    """How many times more CPU time `work(4 * n)` costs than `work(n)` (best of `repeats`
    each, after one warm-up run): about 4 for linear work, 16 for quadratic."""
    work(n)  # warm-up: imports, compiled patterns, caches
    small = _cpu_cost(lambda: work(n), repeats)
    large = _cpu_cost(lambda: work(4 * n), repeats)
    return large / max(small, 1e-6)


def assert_linear(work: Callable[[int], object], n: int) -> None:
    ratio = growth(work, n)
    if ratio >= LINEAR_GROWTH_LIMIT:
        # A second look before failing: one run can be unlucky (a page fault storm).
        ratio = min(ratio, growth(work, n))
    assert ratio < LINEAR_GROWTH_LIMIT, f"4x the input cost {ratio:.1f}x the CPU time"


def bytes_read_by(action: Callable[[], object]) -> int:
    """Bytes this process read (read(2) and friends) while `action` ran: Linux /proc/self/io."""
    io = Path("/proc/self/io")
    if not io.exists():
        pytest.skip("needs /proc/self/io (Linux) to count the bytes read")

    def rchar() -> int:
        for line in io.read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
        raise AssertionError("no rchar in /proc/self/io")

    before = rchar()
    action()
    return rchar() - before


def without_blocking(action: Callable[[], T], patience: float = 60.0) -> T:
    """`action()`, run so that a call that blocks for ever (as opening a FIFO would) fails the
    test instead of hanging the suite. The patience is not a speed target: the action takes
    microseconds, and only a call that never returns can exhaust it."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(action())
        except BaseException as error:  # noqa: BLE001 - handed to the caller below
            failure.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(patience)
    assert not thread.is_alive(), "the call blocked (a FIFO or device opened?)"
    if failure:
        raise failure[0]
    return outcome[0]
