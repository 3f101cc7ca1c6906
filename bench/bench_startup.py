"""Start-up and paging figures, measured in a real pseudo-terminal.

Time to first paint uses the workplace's ttfp.py (pyte in a pty) when it is beside the
repository, against the minimal Textual app, the floor for any Textual program. The floor
and each aiwatch launch take turns, round after round, and each figure is a median.
"""

from __future__ import annotations

import contextlib
import gc
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiwatch_tui.core.model import Document
    from aiwatch_tui.ui.widgets.reader import Reader

REPO = Path(__file__).resolve().parents[1]
# The workplace's tools beside the repository (or one folder further up, for a git worktree).
TOOLS = next(
    (
        up / "shared" / "tools"
        for up in (REPO.parent, REPO.parent.parent)
        if (up / "shared" / "tools" / "ttfp.py").is_file()
    ),
    REPO.parent / "shared" / "tools",
)
SEED = REPO / "seeds" / "000_c10daa536b93aa76.txt"

WORDS = (
    "model compute data center GPU training inference labour union leak policy chip "
    "startup valuation benchmark alignment safety regulation cloud revenue energy water "
    "the a of and to in that is for on with as by at from it this be are was"
).split()


def make_big_article(path: Path, megabytes: float = 5.0, seed: int = 7) -> Path:
    """A deterministic plain-text article of about `megabytes` MB with headings and paragraphs."""
    rng = random.Random(seed)
    target = int(megabytes * 1024 * 1024)
    parts = ["A Very Long Report on the AI Industry\n"]
    size = len(parts[0])
    section = 0
    while size < target:
        if rng.random() < 0.08:
            section += 1
            line = f"Section {section} on {rng.choice(WORDS).title()} and {rng.choice(WORDS)}\n"
        else:
            sentences = []
            for _ in range(rng.randint(3, 9)):
                words = [rng.choice(WORDS) for _ in range(rng.randint(6, 22))]
                sentences.append(" ".join(words).capitalize() + ".")
            line = " ".join(sentences) + "\n"
        parts.append(line)
        size += len(line)
    path.write_text("".join(parts), encoding="utf-8")
    return path


def _ttfp_once(
    cmd: list[str], expect: str, env: dict[str, str], *, rss: bool = False
) -> tuple[float, float | None]:
    """Seconds to first paint of one launch and, with `rss`, its peak resident MiB (ttfp.py)."""
    options = ["--cols", "100", "--rows", "30", "--runs", "1", "--expect", expect]
    if rss:
        options.append("--rss")
    out = subprocess.run(
        [sys.executable, str(TOOLS / "ttfp.py"), *options, "--", *cmd],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    match = re.search(r"ttfp_median_s=([0-9.]+|nan)", out.stdout)
    peaks = [float(x) for x in re.findall(r"_mib: median=[0-9.]+ max=([0-9.]+)", out.stdout)]
    return (float(match.group(1)) if match else float("nan")), (max(peaks) if peaks else None)


def _interleaved(
    cases: dict[str, tuple[list[str], str]], runs: int, env: dict[str, str], rss: set[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """Median first-paint seconds per case, launched round by round (floor, then each app,
    then the floor again...), so a change in the machine's load between measurements
    falls on every case alike instead of on one ratio. Also the peak RSS of `rss` cases."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    peaks: dict[str, float] = {}
    for _ in range(runs):
        for name, (cmd, expect) in cases.items():
            seconds, peak = _ttfp_once(cmd, expect, env, rss=name in rss)
            times[name].append(seconds)
            if peak is not None:
                peaks[name] = max(peak, peaks.get(name, 0.0))
    return {name: statistics.median(values) for name, values in times.items()}, peaks


def run(quick: bool = False) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    runs = 5 if quick else 15
    aiwatch = str(Path(sys.executable).with_name("aiwatch"))
    # A pip-installed package is byte-compiled at install time; an editable checkout is
    # compiled on first run, unless PYTHONDONTWRITEBYTECODE is set (as on some machines).
    # Compile first so the figures describe aiwatch, not the compiler.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "aiwatch_tui")], check=True
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "AIWATCH_DB": f"{tmp}/bench.db", "AIWATCH_CACHE_DIR": f"{tmp}/cache"}
        big = make_big_article(Path(tmp) / "big.txt")
        if (TOOLS / "ttfp.py").exists():
            library, count = _indexed_library(env, quick)
            cases = {
                "floor": ([sys.executable, str(TOOLS / "textual_hello.py")], "READY"),
                "seeds": ([aiwatch], "no longer a distant"),
                "single": ([aiwatch, str(big)], "Section 1|[A-Z][a-z]+ [a-z]+ [a-z]+"),
                # The folder itself, as a user names a library (it also holds the generator's
                # manifest, which is not an article and is skipped by the walk).
                "relaunch": ([aiwatch, str(library)], r"\d+ min"),
            }
            median, peaks = _interleaved(cases, runs, env, rss={"relaunch"})
            floor = median["floor"]

            def ratio_row(metric: str, name: str, limit: float) -> dict[str, object]:
                seconds = median[name]
                return {
                    "metric": metric,
                    "value": seconds,
                    "unit": "s",
                    "target": f"<= {limit * floor:.3f} ({limit:g}x floor) "
                    f"ratio {seconds / floor:.2f}",
                }

            rows += [
                {
                    "metric": "first paint: minimal Textual app (floor)",
                    "value": floor,
                    "unit": "s",
                    "target": "",
                },
                ratio_row("first article text: bundled seeds", "seeds", 1.5),
                ratio_row("first article text: one 5 MB article", "single", 2.5),
                ratio_row(f"relaunch, {count:,} articles indexed: first paint", "relaunch", 2),
            ]
            if "relaunch" in peaks:
                rows.append(
                    {
                        "metric": f"relaunch, {count:,} articles: peak RSS",
                        "value": peaks["relaunch"],
                        "unit": "MB",
                        "target": "<= 250",
                    }
                )
        rows += _page_down(big, quick)
    rows.append(_pathological_parse())
    return rows


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


def _indexed_library(env: dict[str, str], quick: bool) -> tuple[Path, int]:
    """The synthetic corpus, indexed as an earlier launch would have left it (so its launch
    measures a relaunch), and how many articles it holds."""
    from aiwatch_tui.core.find.fulltext.index import FullTextIndex
    from aiwatch_tui.core.library.sources import discover
    from aiwatch_tui.paths import Paths
    from bench.corpus import generate

    folder = REPO / "bench" / ".corpus" / "articles"
    generate(folder, 1_000 if quick else 10_000, seed=1)
    sources, _ = discover([folder])
    paths = Paths.resolve(environ=env)
    paths.cache_dir.mkdir(parents=True, exist_ok=True)
    index = FullTextIndex(paths.search_index)
    index.update(sources)
    index.close()
    return folder, len(sources)  # the folder may hold more than this run generated


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
