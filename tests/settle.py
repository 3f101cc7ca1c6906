"""Waiting in Pilot tests for what the app does in the background, without racing it.

`app.workers.wait_for_complete()` alone races start-up: the indexing worker is started after
the first refresh, so right after `run_test()` there may be no worker yet to wait for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from aiwatch_tui.ui.app import AiwatchApp

_STEP = 0.025


async def until(pilot: Pilot[Any], ready: Callable[[], bool], what: str) -> None:
    """Wait for `ready()`. A wait for something that happens, not a speed target: patient
    enough for a loaded machine (indexing competes with other tests for the CPU); it fails only
    if the thing never happens."""
    for _ in range(2400):  # a minute
        if ready():
            return
        await pilot.pause(_STEP)
    raise AssertionError(f"{what} never came")


async def indexed(pilot: Pilot[Any]) -> None:
    """The search index is open and the indexing worker has finished with it."""
    app = pilot.app
    assert isinstance(app, AiwatchApp)
    await until(pilot, lambda: app.search_index is not None and app.indexing is None, "the index")


async def settled(pilot: Pilot[Any]) -> None:
    """Start-up has finished: the indexing worker has opened the search index (or found it
    cannot) and read the library, and no worker is left running."""
    app = pilot.app
    assert isinstance(app, AiwatchApp)
    await until(
        pilot,
        lambda: (app.search_index is not None or bool(app.search_problem)) and app.indexing is None,
        "the end of start-up (the indexing worker)",
    )
    await app.workers.wait_for_complete()
    await pilot.pause()
