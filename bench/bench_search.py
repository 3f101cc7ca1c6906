"""Search figures: the palette's fuzzy ranking and the full-text index, at library scale.

    python -m bench.bench_search [--quick] [--articles N]

The libraries (bench.libraries: 10,000 and 50,000 articles, --quick 1,000 and 5,000) are
indexed from scratch by a first `aiwatch search` in folders of their own each run, which
gives the first-build figures; the corpus itself (bench.corpus, deterministic) is written
once into bench/.corpus/ (git-ignored) and reused.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiwatch_tui.core.find.fulltext.index import FullTextIndex
from aiwatch_tui.core.find.fuzzy import FuzzyIndex
from aiwatch_tui.core.library.sources import Source
from bench.corpus import palette_candidates
from bench.libraries import Libraries, Library
from bench.table import p95, print_table, row

# What someone looking for a document, section or highlight might type: names, topics,
# typos, fzf operators, and a couple of one- and two-letter queries.
PALETTE_QUERIES = (
    "anthropic",
    "antropic",
    "nvidai",
    "jensen huang",
    "sam altmn",
    "data center",
    "exprot controls",
    "^Inside",
    "^The !Cost",
    "'copyright lawsuits",
    "campus$",
    "zurich",
    "mistral large",
    "h100",
    "blackwell",
    "open weights",
    "gpu shortages",
    "sovereign ai",
    "deepmind",
    "talent wars",
    "energy demand",
    "water use",
    "employes",
    "regulators !place",
    "openai !the",
    "cerebras",
    "stealth billion",
    "dcw",
    "ai",
    "lisa su amd",
)
FULLTEXT_QUERIES = (
    "anthropic",
    "nvidia",
    '"data center technicians"',
    '"trading compute for capital"',
    "antitr*",
    "regulat*",
    "jensen huang",
    "nvidia export controls",
    "zurich campus",
    "copyright lawsuits",
    '"export controls"',
    "sovereign ai",
    "blackwell",
    "h100 supply",
    "energy demand water",
    "unions talks",
    '"shift lengths"',
    "stealth",
    "annual revenue",
    "mistral",
    "ai",
    "data",
    "openai anthropic",
    "margrethe vestager",
    "permit",
    "megawatts",
    "benchmarks trailing",
    "deepfakes",
    "soft*",
    "clément delangue",
)


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def bench_palette(candidate_count: int, repeat: int) -> list[dict[str, object]]:
    texts = palette_candidates(total=candidate_count, quotes=candidate_count // 5)
    started = time.perf_counter()
    index = FuzzyIndex(texts)
    build = time.perf_counter() - started
    whole = [s for q in PALETTE_QUERIES for s in timed(partial(index.search, q), repeat)]
    # Typing each query one character at a time: the latency a user feels per keystroke.
    typed = [q[:n] for q in PALETTE_QUERIES for n in range(1, len(q) + 1)]
    keystrokes = [s for q in typed for s in timed(partial(index.search, q), 1)]
    size = f"{len(texts):,} candidates"
    return [
        row(f"palette: prepare index over {size}", build, "s", "in a worker"),
        row(
            f"palette: query p95, {len(PALETTE_QUERIES)} queries", p95(whole) * 1000, "ms", "<= 50"
        ),
        row("palette: query max", max(whole) * 1000, "ms"),
        row(
            f"palette: keystroke p95, {len(typed)} prefixes", p95(keystrokes) * 1000, "ms", "<= 50"
        ),
    ]


def bench_build_parts(paths: Sequence[Path], tmp: Path) -> list[dict[str, object]]:
    """Loading and indexing measured apart, single-threaded, on a sample of the corpus."""
    from aiwatch_tui.core.library.loading import load_document

    sample = list(paths[:1000])
    megabytes = sum(path.stat().st_size for path in sample) / 1e6
    started = time.perf_counter()
    documents = {str(path): load_document(path, str(path)) for path in sample}
    loading = time.perf_counter() - started
    index = FullTextIndex(tmp / "parts.db")
    stats = index.update(
        [Source(key, Path(key)) for key in documents], loader=lambda source: documents[source.key]
    )
    index.close()
    return [
        row(f"  loading+parsing alone (library.loading), {len(sample)} articles",
            megabytes / loading, "MB/s"),
        row(f"  indexing alone (find.fulltext), {len(sample)} articles",
            megabytes / stats.seconds, "MB/s"),
    ]  # fmt: skip


def bench_first_build(library: Library, target: str) -> list[dict[str, object]]:
    """The index as a first `aiwatch search` built it (bench.libraries): the whole command."""
    megabytes = library.corpus_bytes / 1e6
    name = f"{library.articles:,} articles ({megabytes:.0f} MB)"
    return [
        row(f"full text: first build, {name}, whole command", library.first_search, "s"),
        row("  first build throughput", megabytes / library.first_search, "MB/s", target),
        row("  first build peak RSS", library.first_search_peak_mib, "MiB"),
        row("  index size / corpus size", library.index_bytes() / library.corpus_bytes, "x",
            "<= 1.2"),
    ]  # fmt: skip


def bench_command(library: Library, target: str, repeat: int) -> list[dict[str, object]]:
    """`aiwatch search QUERY` from the shell, the whole command, index up to date."""
    samples = [library.run("search", query, peak=False)[0] for query in FULLTEXT_QUERIES[:repeat]]
    return [
        row(f"aiwatch search, {library.articles:,} articles, whole command, median",
            statistics.median(samples), "s", target),
        row("  whole command, max", max(samples), "s"),
    ]  # fmt: skip


def bench_queries(library: Library, repeat: int, tmp: Path) -> list[dict[str, object]]:
    """Queries and a no-change update through FullTextIndex itself, on a copy of the index."""
    from aiwatch_tui.core.library.sources import library_sources
    from aiwatch_tui.core.store import Store

    copy = tmp / "queries" / "search-index.db"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(library.index_path, copy)
    with Store(Path(library.env["AIWATCH_DB"])) as store:
        sources, _ = library_sources(store.library_paths())
    index = FullTextIndex(copy)
    again = index.update(sources)
    rows = [
        row("full text: update, nothing changed", again.seconds, "s"),
        row("full text: update, nothing changed, bytes read", again.bytes_read, "B", "== 0"),
    ]
    samples = [s for q in FULLTEXT_QUERIES for s in timed(partial(index.search, q), repeat)]
    rows += [
        row(f"full text: query p95, {len(FULLTEXT_QUERIES)} queries, {library.articles:,} "
            "articles", p95(samples) * 1000, "ms", "<= 30"),
        row("full text: query max", max(samples) * 1000, "ms"),
    ]  # fmt: skip
    index.close()
    return rows


def bench_big_document(libraries: Libraries, megabytes: int) -> list[dict[str, object]]:
    """The first `aiwatch search` of one big article: the whole command and its peak memory
    (the index reads the whole article)."""
    library, path = libraries.single(megabytes)
    home = Library(f"search-{megabytes}mb", library.home.parent / f"search-{megabytes}mb")
    seconds, peak, _ = home.run("search", "alignment safety", str(path))
    return [
        row(f"full text: first search of one {megabytes} MB article, whole command", seconds, "s"),
        row("  its peak RSS", peak, "MiB", "flat: the same for any article size"),
    ]


def run(
    quick: bool = False, articles: int | None = None, libraries: Libraries | None = None
) -> list[dict[str, object]]:
    repeat = 3 if quick else 5
    rows = bench_palette(20_000 if quick else 100_000, repeat=repeat)
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if libraries is None:
            libraries = Libraries(tmp, quick)
        small = libraries.articles(articles or libraries.small)
        large = libraries.articles(libraries.large)
        rows += bench_first_build(small, ">= 25")
        rows += bench_build_parts(sorted(small.folder.glob("0*")) if small.folder else [], tmp)
        rows += bench_first_build(large, ">= 25")
        rows += bench_queries(small, repeat, tmp)
        rows += bench_command(small, "", 5 if quick else 10)
        rows += bench_command(large, "<= 0.15", 5 if quick else 10)
        rows += bench_big_document(libraries, 5)
        rows += bench_big_document(libraries, libraries.big_megabytes)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows.append(row("search benchmark (this process): peak RSS", peak_kb / 1024, "MB", "<= 250"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_search")
    parser.add_argument("--quick", action="store_true", help="smaller libraries, fewer runs")
    parser.add_argument("--articles", type=int, help="articles in the smaller library")
    args = parser.parse_args()
    print_table(run(quick=args.quick, articles=args.articles))


if __name__ == "__main__":
    main()
