"""Search figures: the palette's fuzzy ranking and the full-text index, at library scale.

    python -m bench.bench_search [--quick] [--articles N]

The corpus (bench.corpus, deterministic) is written once into bench/.corpus/ (git-ignored)
and reused. AIWATCH_BENCH_ARTICLES sets the number of articles as --articles does
(default 10,000, about 80 MB; --quick 1,000). The full-text index is built from scratch in a
temporary folder each run.
"""

from __future__ import annotations

import argparse
import os
import resource
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
from bench.corpus import generate, palette_candidates

CORPUS_DIR = Path(__file__).resolve().parent / ".corpus" / "articles"
FULL_ARTICLES = 10_000
QUICK_ARTICLES = 1_000

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


def p95(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def row(metric: str, value: float | int, unit: str, target: str = "") -> dict[str, object]:
    return {"metric": metric, "value": value, "unit": unit, "target": target}


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


def bench_fulltext(articles: int, repeat: int) -> list[dict[str, object]]:
    paths = generate(CORPUS_DIR, articles)
    sources = [Source(str(path), path) for path in paths]
    megabytes = sum(path.stat().st_size for path in paths) / 1e6
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        index = FullTextIndex(Path(tmp) / "search.db")
        first = index.update(sources)
        rows += [
            row(f"full text: first build, {articles:,} articles ({megabytes:.0f} MB)",
                first.seconds, "s"),
            row("full text: first build throughput", megabytes / first.seconds, "MB/s", ">= 10"),
            *bench_build_parts(paths, Path(tmp)),
            row("full text: index file size", _file_size(index.path) / 1e6, "MB"),
        ]  # fmt: skip
        again = index.update(sources)
        rows += [
            row("full text: update, nothing changed", again.seconds, "s"),
            row("full text: update, nothing changed, bytes read", again.bytes_read, "B", "== 0"),
        ]
        started = time.perf_counter()
        infos = index.infos()
        rows.append(
            row(
                f"full text: infos() for {len(infos):,} documents",
                (time.perf_counter() - started) * 1000,
                "ms",
            )
        )
        samples = [s for q in FULLTEXT_QUERIES for s in timed(partial(index.search, q), repeat)]
        rows += [
            row(
                f"full text: query p95, {len(FULLTEXT_QUERIES)} queries",
                p95(samples) * 1000,
                "ms",
                "<= 30",
            ),
            row("full text: query max", max(samples) * 1000, "ms"),
        ]
        index.close()
    return rows


def _file_size(path: Path) -> int:
    return sum(
        os.path.getsize(f"{path}{suffix}")
        for suffix in ("", "-wal")
        if os.path.exists(f"{path}{suffix}")
    )


def run(quick: bool = False, articles: int | None = None) -> list[dict[str, object]]:
    if articles is None:
        default = QUICK_ARTICLES if quick else FULL_ARTICLES
        articles = int(os.environ.get("AIWATCH_BENCH_ARTICLES", default))
    rows = bench_palette(20_000 if quick else 100_000, repeat=3 if quick else 5)
    rows += bench_fulltext(articles, repeat=3 if quick else 5)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows.append(row("search benchmark: peak RSS", peak_kb / 1024, "MB", "<= 250"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_search")
    parser.add_argument("--quick", action="store_true", help="1,000 articles, fewer runs")
    parser.add_argument("--articles", type=int, help="articles in the full-text corpus")
    args = parser.parse_args()
    rows = run(quick=args.quick, articles=args.articles)
    width = max(len(str(r["metric"])) for r in rows)
    print(f"{'metric':<{width}}  {'value':>10}  {'unit':<4}  target")
    for r in rows:
        value = r["value"]
        shown = f"{value:10.3f}" if isinstance(value, float) else f"{value!s:>10}"
        print(f"{r['metric']!s:<{width}}  {shown}  {r['unit']!s:<4}  {r['target']}")


if __name__ == "__main__":
    main()
