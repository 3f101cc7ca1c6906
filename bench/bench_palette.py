"""Palette figures: aiwatch's provider at library scale, alone and inside Textual's palette.

    python -m bench.bench_palette [--quick]

Candidates come from bench.corpus.palette_candidates (titles and headings, then highlight-like
quotes): 100,000 (--quick: 20,000). Each query of bench.bench_search.PALETTE_QUERIES is typed
one character at a time, and every prefix is timed:
  - provider: PaletteIndex.search plus building the hits' Content, the work done per keystroke
    off the event loop and on it;
  - palette: from setting the palette's input to Textual's command list being refilled, in a
    headless app (the provider's thread, Textual's gathering and the list update; not the
    terminal paint), keys TYPING_GAP apart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.app import App
from textual.command import CommandInput, CommandPalette, Hits
from textual.screen import Screen

from aiwatch_tui.ui.palette import MAX_HITS, AiwatchProvider, Entry, PaletteIndex, hit_prompt
from bench import terminal
from bench.bench_search import PALETTE_QUERIES
from bench.corpus import palette_candidates
from bench.libraries import Libraries, aiwatch_command
from bench.table import p95, print_table, row

FULL_CANDIDATES = 100_000
QUICK_CANDIDATES = 20_000
# Between keystrokes, as a quick typist leaves (~10 keys a second would be 0.1 s): the list is
# drawn before the next key arrives, as it is in use.
TYPING_GAP = 0.05


def entries(total: int) -> list[Entry]:
    quotes = total // 5
    texts = palette_candidates(total=total, quotes=quotes)
    headings = len(texts) - quotes
    return [
        Entry(
            "section" if n < headings else "highlight",
            text,
            "A synthetic article title for the context line",
            f"doc-{n // 8}",
            n,
        )
        for n, text in enumerate(texts)
    ]


def typed_prefixes() -> list[str]:
    return [q[:n] for q in PALETTE_QUERIES for n in range(1, len(q) + 1)]


def bench_provider(index: PaletteIndex, prefixes: list[str]) -> list[float]:
    samples = []
    for query in prefixes:
        started = time.perf_counter()
        for entry, positions in index.search(query):
            hit_prompt(entry, positions, "bold underline", 100)
        samples.append(time.perf_counter() - started)
    return samples


class _PrebuiltProvider(AiwatchProvider):
    """The aiwatch provider over a prepared index, without an aiwatch app around it."""

    prepared: PaletteIndex | None = None

    async def startup(self) -> None:
        prepared = self.prepared
        assert prepared is not None
        self._building = asyncio.create_task(self._prepare(lambda: prepared))

    async def discover(self) -> Hits:
        for _ in ():
            yield _


class _BenchApp(App[None]):
    COMMANDS = {_PrebuiltProvider}

    def get_default_screen(self) -> Screen[Any]:
        return Screen()


async def _bench_palette(index: PaletteIndex, prefixes: list[str]) -> list[float]:
    _PrebuiltProvider.prepared = index
    refilled: list[float] = []
    done = asyncio.Event()  # waited on, not polled: polling would compete with the search
    original = CommandPalette._refresh_command_list

    def refresh(palette: CommandPalette, *args: Any) -> None:
        original(palette, *args)
        refilled.append(time.perf_counter())
        done.set()

    CommandPalette._refresh_command_list = refresh  # type: ignore[method-assign,assignment]
    samples: list[float] = []
    try:
        app = _BenchApp()
        async with app.run_test(size=(120, 40)) as pilot:
            app.action_command_palette()
            await pilot.pause()
            box = app.screen.query_one(CommandInput)
            for query in prefixes:
                refilled.clear()
                done.clear()
                started = time.perf_counter()
                box.value = query
                await done.wait()
                samples.append(refilled[-1] - started)
                await pilot.pause(TYPING_GAP)
    finally:
        CommandPalette._refresh_command_list = original  # type: ignore[method-assign]
    return samples


def run(quick: bool = False, libraries: Libraries | None = None) -> list[dict[str, object]]:
    total = QUICK_CANDIDATES if quick else FULL_CANDIDATES
    candidates = entries(total)
    started = time.perf_counter()
    index = PaletteIndex(candidates)
    build = time.perf_counter() - started
    prefixes = typed_prefixes()
    provider = bench_provider(index, prefixes)
    palette = asyncio.run(_bench_palette(index, prefixes))
    size = f"{len(index):,} candidates"
    rows = [
        row(f"palette: build the provider's index, {size}", build, "s", "in a thread"),
        row(
            f"palette: provider per keystroke p95, {len(prefixes)} prefixes, top {MAX_HITS}",
            p95(provider) * 1000,
            "ms",
            "<= 50",
        ),
        row("palette: provider per keystroke max", max(provider) * 1000, "ms"),
        row(
            "palette: keystroke to refilled list p95 (headless Textual)",
            p95(palette) * 1000,
            "ms",
            "<= 50",
        ),
        row("palette: keystroke to refilled list max", max(palette) * 1000, "ms"),
    ]
    if terminal.available():
        with contextlib.ExitStack() as stack:
            if libraries is None:
                root = Path(stack.enter_context(tempfile.TemporaryDirectory()))
                libraries = Libraries(root, quick)
            rows += bench_typed_at_once(libraries, 5 if quick else 20)
    return rows


# After the first complete frame, before ctrl+p and the query are typed (the user glances at
# the screen first).
SETTLE_SECONDS = 2.0
# Not on screen this long after the keys: counted as not found.
FOUND_WITHIN = 10.0


def title_query(title: str) -> tuple[str, str]:
    """Three words of a title, as someone remembering it types them, and a regex for the
    palette's line of that document with all three on screen."""
    words = [w.split("'")[0] for w in re.findall(r"[A-Za-z][A-Za-z']{3,}", title)]
    words = [w for w in words if len(w) >= 4] or title.split()[:3]
    chosen = [words[0], words[len(words) // 2], words[-1]] if len(words) >= 3 else words
    query = " ".join(word.lower() for word in chosen)
    target = r"(?i)\bdoc +" + "".join(f".*{re.escape(word)}" for word in chosen)
    return query, target


def bench_typed_at_once(libraries: Libraries, queries: int) -> list[dict[str, object]]:
    """In a real terminal, on the library with highlights: ctrl+p and a three-word query sent
    at once (a fast typist, or a paste), until the document's line shows the three words."""
    from bench.corpus import make_article

    library = libraries.with_highlights(libraries.small, libraries.highlight_count)
    command = [aiwatch_command()]
    expect = terminal.complete_frame(command, library.env)
    step = max(1, library.articles // queries)
    found: list[float] = []
    missed: list[str] = []
    for number in range(step // 2, library.articles, step)[:queries]:
        query, target = title_query(make_article(number).title)
        launch = terminal.launch(
            command,
            library.env,
            expect,
            keys="\\x10" + query,
            expect_after=target,
            key_delay=SETTLE_SECONDS,
            timeout=FOUND_WITHIN,
        )
        if launch.after is None:
            missed.append(query)
        else:
            found.append(launch.after)
    name = f"palette, {library.articles:,} articles + {library.highlights:,} highlights"
    rows = [
        row(f"{name}: 3-word query typed at once -> target on screen, median",
            statistics.median(found) if found else float("nan"), "s"),
        row("  p95", p95(found) if found else float("nan"), "s", "<= 0.1"),
        row(f"  not on screen within {FOUND_WITHIN:g} s, of {queries}", len(missed), "runs", "0"),
    ]  # fmt: skip
    if missed:
        rows.append(row(f"  missed: {'; '.join(missed)}", "", "", ""))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_palette")
    parser.add_argument("--quick", action="store_true", help="20,000 candidates")
    args = parser.parse_args()
    print_table(run(quick=args.quick))


if __name__ == "__main__":
    main()
