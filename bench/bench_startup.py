"""Start-up and paging figures, measured in a real pseudo-terminal.

Time to first paint uses the workplace's ttfp.py (pyte in a pty) when it is beside the
repository, against the minimal Textual app, the floor for any Textual program. The floor
and each aiwatch launch take turns, round after round, and each figure is a median.
"""

from __future__ import annotations

import contextlib
import gc
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bench import terminal
from bench.libraries import Libraries, aiwatch_command
from bench.table import row
from bench.terminal import TOOLS, Launch

if TYPE_CHECKING:
    from aiwatch_tui.core.model import Document
    from aiwatch_tui.ui.widgets.reader import Reader

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Case:
    name: str  # as the table names it
    cmd: list[str]
    env: dict[str, str]
    ratio_target: float | None = None  # x floor
    rss_target: int | None = None  # MiB
    quits: bool = False  # report runs that did not exit on ctrl+q within a second
    expect: str = ""  # the complete first frame (learnt from the settled screen)
    launches: list[Launch] = field(default_factory=list)


def _cases(libraries: Libraries) -> list[Case]:
    aiwatch = aiwatch_command()
    seeds = libraries.seeds()
    five, five_path = libraries.single(5)
    big, big_path = libraries.single(libraries.big_megabytes)
    small = libraries.articles(libraries.small)
    marked = libraries.with_highlights(libraries.small, libraries.highlight_count)
    large = libraries.articles(libraries.large)
    return [
        Case("floor: minimal Textual app", [sys.executable, str(TOOLS / "textual_hello.py")],
             seeds.env, expect="READY"),
        Case("bundled seeds", [aiwatch], seeds.env, 1.3),
        Case("one 5 MB article", [aiwatch, str(five_path)], five.env, 2, 100, quits=True),
        Case(f"one {libraries.big_megabytes} MB article", [aiwatch, str(big_path)], big.env,
             3, 150, quits=True),
        Case(f"relaunch, {small.articles:,} articles indexed", [aiwatch], small.env, 1.5),
        Case(f"relaunch, {marked.articles:,} articles + {marked.highlights:,} highlights",
             [aiwatch], marked.env, 1.5),
        Case(f"relaunch, {large.articles:,} articles indexed", [aiwatch], large.env, 2, 150),
    ]  # fmt: skip


def run(quick: bool = False, libraries: Libraries | None = None) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    # A pip-installed package is byte-compiled at install time; an editable checkout is
    # compiled on first run, unless PYTHONDONTWRITEBYTECODE is set (as on some machines).
    # Compile first so the figures describe aiwatch, not the compiler.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "aiwatch_tui")], check=True
    )
    with contextlib.ExitStack() as stack:
        if libraries is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            libraries = Libraries(root, quick)
        if terminal.available():
            rows += _first_frames(_cases(libraries), 3 if quick else 11)
        rows += _page_down(libraries.single(5)[1], quick)
    rows.append(_pathological_parse())
    return rows


def _first_frames(cases: list[Case], runs: int) -> list[dict[str, object]]:
    """Each case launched `runs` times, round by round (the floor, then each aiwatch case,
    then the floor again...), so a change in the machine's load falls on every case alike
    instead of on one ratio; figures are medians."""
    for case in cases:
        if not case.expect:
            case.expect = terminal.complete_frame(case.cmd, case.env)
    for _ in range(runs):
        for case in cases:
            case.launches.append(terminal.launch(case.cmd, case.env, case.expect))
    floor_case, *measured = cases
    floor = _median([launch.seconds for launch in floor_case.launches])
    rows = [row(f"start-up: {floor_case.name}, first paint", floor, "s")]
    for case in measured:
        seconds = _median([launch.seconds for launch in case.launches])
        peaks = [launch.peak_mib for launch in case.launches if launch.peak_mib is not None]
        name = f"start-up: {case.name}, first complete frame"
        target = f"<= {case.ratio_target:g}x" if case.ratio_target else ""
        rows += [
            row(name, seconds / floor, "x", target + f" ({seconds:.3f} s)"),
            row("  peak RSS at first complete frame", max(peaks) if peaks else float("nan"),
                "MiB", f"<= {case.rss_target}" if case.rss_target else ""),
        ]  # fmt: skip
        failed = sum(math.isnan(launch.seconds) for launch in case.launches)
        if failed:
            rows.append(row("  launches that never showed it", failed, "runs", "0"))
        if case.quits:
            late = sum(launch.stop != "quit-keys" for launch in case.launches)
            rows.append(
                row(f"  ctrl+q not done within 1 s, of {len(case.launches)}", late, "runs", "0")
            )
    return rows


def _interleaved(
    cases: dict[str, tuple[list[str], str]], runs: int, env: dict[str, str], rss: set[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """Median seconds to the first frame matching each case's pattern, launched round by
    round as `_first_frames` does, and the peak RSS of the `rss` cases (for bench.feeds)."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    peaks: dict[str, float] = {}
    for _ in range(runs):
        for name, (cmd, expect) in cases.items():
            launch = terminal.launch(cmd, env, expect)
            times[name].append(launch.seconds)
            if name in rss and launch.peak_mib is not None:
                peaks[name] = max(launch.peak_mib, peaks.get(name, 0.0))
    return {name: _median(values) for name, values in times.items()}, peaks


def _median(values: Sequence[float]) -> float:
    finite = [value for value in values if not math.isnan(value)]
    return statistics.median(finite) if finite else float("nan")


# Lines that a careless parser or pattern takes quadratic time over (the tests check that the
# cost grows linearly; this is the absolute figure at 50,000 repeats).
PATHOLOGICAL_LINES = (
    "*a " * 50_000,
    "**a " * 50_000,
    "`a " * 50_000,
    "[a](" * 50_000,
    "http://x" + ")" * 100_000,
    "# " + " " * 100_000 + "x #",
    "| a " * 50_000 + "\n" + "|-" * 50_000,
    "> " * 50_000,
    "- " * 50_000,
)


def _pathological_parse() -> dict[str, object]:
    from aiwatch_tui.core.text.parse import parse

    slowest = 0.0
    for line in PATHOLOGICAL_LINES:
        for markdown in (False, True):
            started = time.perf_counter()
            parse(line, markdown=markdown)
            slowest = max(slowest, time.perf_counter() - started)
    return {
        "metric": "slowest pathological line (50,000 repeats), parse",
        "value": slowest,
        "unit": "s",
        "target": "< 1",
    }


def _page_down(big: Path, quick: bool) -> list[dict[str, object]]:
    """Render cost of page-down and of find keystrokes in the 5 MB article, through the real
    widget, headless."""
    from aiwatch_tui.core.library.loading import load_document

    started = time.perf_counter()
    document = load_document(big)
    load_s = time.perf_counter() - started
    pages = _timed_in_reader(document, [_page_down_once] * (40 if quick else 200))
    find = _timed_in_reader(document, _find_keystrokes())
    return [
        {"metric": "load + parse 5 MB article", "value": load_s, "unit": "s", "target": "< 2"},
        {
            "metric": "page-down in 5 MB article, p95",
            "value": _p95(pages) * 1000,
            "unit": "ms",
            "target": "< 30",
        },
        {
            "metric": "find in 5 MB article, per keystroke p95",
            "value": _p95(find) * 1000,
            "unit": "ms",
            "target": "<= 50",
        },
        {
            "metric": "find in 5 MB article, slowest keystroke",
            "value": max(find) * 1000,
            "unit": "ms",
            "target": "<= 50 (each keystroke)",
        },
    ]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _page_down_once(reader: Reader) -> None:
    reader.action_page_down()


def _find_keystrokes() -> list[Callable[[Reader], None]]:
    """Each keystroke typed into the find bar: find every match, give them to the reader and
    move the caret to the nearest, as the app does."""
    from aiwatch_tui.core.find.in_document import find_near, nearest_at_or_after

    def typed(query: str) -> Callable[[Reader], None]:
        def keystroke(reader: Reader) -> None:
            assert reader.document is not None
            matches, _ = find_near(reader.document.text, query, 0)
            current = nearest_at_or_after(matches, 0)
            reader.set_matches(matches, current)
            if current is not None:
                reader.move_caret(matches[current].start, align="center")

        return keystroke

    queries = ("data center", "alignment safety", "the model", "GPU training")
    return [typed(query[:end]) for query in queries for end in range(1, len(query) + 1)]


def _timed_in_reader(
    document: Document, actions: Sequence[Callable[[Reader], None]]
) -> list[float]:
    """Seconds each action takes on a focused Reader showing `document` (headless, 100x30),
    drawing every row on screen after it as the app would, under the app's collector."""
    import asyncio

    from textual.app import App, ComposeResult

    from aiwatch_tui.ui.widgets.reader import Reader

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield Reader()

    timings: list[float] = []

    async def drive() -> None:
        app = Bench()
        async with app.run_test(size=(100, 30)) as pilot:
            reader = app.query_one(Reader)
            reader.load(document)
            reader.focus()
            await pilot.pause()
            for action in actions:
                started = time.perf_counter()
                action(reader)
                for y in range(reader.size.height):
                    reader.render_line(y)
                timings.append(time.perf_counter() - started)
                await pilot.pause(0)

    with _app_collector():
        asyncio.run(drive())
    return timings


@contextlib.contextmanager
def _app_collector() -> Iterator[None]:
    """The cycle collector as the app runs it once its first frame is painted (full passes
    only when no key has come for a while: see aiwatch_tui.ui.collector), then restored."""
    from aiwatch_tui.ui.collector import hold_full_collections

    thresholds = gc.get_threshold()
    hold_full_collections()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
