"""Article extraction: quality on the article-extraction benchmark, and what it costs.

    python -m bench.bench_extraction [--quick]

Runs `extract_article` (core/web/extract.py) on the benchmark's 181 real pages and scores
what a reader sees of the Markdown (its visible text, parsed as CommonMark + GFM) with the
benchmark's own scorer, evaluate.py, imported from the benchmark folder as it is. The pages
are extracted in a child process, so that its peak RSS is extraction's alone. --quick takes
a fixed quarter of the pages.

The benchmark lives in the conformance folder beside the repository
(../shared/conformance/article-extraction/), or where AIWATCH_CONFORMANCE_DIR points.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.table import p95, print_table, row

REPO = Path(__file__).resolve().parents[1]
F1_TARGET = 0.96  # the floor; published: trafilatura 0.958, Readability.js 0.947


def benchmark_folder() -> Path | None:
    """The article-extraction benchmark folder, or None when it is not there: in
    AIWATCH_CONFORMANCE_DIR, else in shared/conformance beside the repository (or one
    folder further up, for a git worktree)."""
    root = os.environ.get("AIWATCH_CONFORMANCE_DIR")
    places = (
        [Path(root)]
        if root
        else [up / "shared" / "conformance" for up in (REPO.parent, REPO.parent.parent)]
    )
    for conformance in places:
        folder = conformance / "article-extraction"
        if (folder / "evaluate.py").is_file():
            return folder
    return None


def load_scorer(folder: Path) -> ModuleType:
    """The benchmark's evaluate.py as a module (its command line is not run)."""
    spec = importlib.util.spec_from_file_location(
        "article_extraction_evaluate", folder / "evaluate.py"
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {folder / 'evaluate.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ground_truth(folder: Path) -> dict[str, dict[str, str]]:
    truth: dict[str, dict[str, str]] = json.loads(
        (folder / "ground-truth.json").read_text(encoding="utf-8")
    )
    return truth


def quick_ids(ids: Sequence[str]) -> list[str]:
    """A fixed quarter of the pages (every fourth id in sorted order)."""
    return sorted(ids)[::4]


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    url: str
    html: bytes


def pages(folder: Path, ids: Sequence[str]) -> Iterator[Page]:
    """The pages, read one at a time (memory figures are extraction's, not the corpus's)."""
    truth = ground_truth(folder)
    for i in ids:
        html = gzip.decompress((folder / "html" / f"{i}.html.gz").read_bytes())
        yield Page(i, truth[i].get("url", ""), html)


@cache
def _markdown_parser() -> object:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def visible_text(markdown: str) -> str:
    """What a CommonMark + GFM reader shows of `markdown` (raw HTML off: it would show as
    text), one line per block, table cells apart; link targets are not shown."""
    from markdown_it import MarkdownIt

    parser = _markdown_parser()
    assert isinstance(parser, MarkdownIt)
    out: list[str] = []
    for token in parser.parse(markdown):
        if token.type == "list_item_open" and token.info:  # an ordered item shows its number
            out.append(token.info + token.markup + " ")
        if token.type == "inline":
            for child in token.children or []:
                if child.type in ("text", "code_inline", "html_inline"):
                    out.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    out.append("\n")
        elif token.type in ("fence", "code_block", "html_block"):
            out.append(token.content)
        if token.nesting == -1 and token.block:
            out.append("\n")
        if token.type in ("th_close", "td_close"):
            out.append(" ")
    return re.sub(r"\n{2,}", "\n", "".join(out)).strip()


def score(folder: Path, predictions: dict[str, str]) -> dict[str, float]:
    """F1, precision and recall of `predictions` (id -> text) by the benchmark's scorer."""
    scorer = load_scorer(folder)
    truth = ground_truth(folder)
    metrics = scorer.evaluate(
        {i: truth[i] for i in predictions},
        {i: {"articleBody": text} for i, text in predictions.items()},
        0,
    )
    return {key: float(metrics[key]) for key in ("f1", "precision", "recall")}


def extract_pages(folder: Path, ids: Sequence[str]) -> dict[str, object]:
    """Extract every page once (after one warm-up page, which also pays the imports):
    visible text per page, CPU ms per page, import-and-first-page ms, peak RSS."""
    from aiwatch_tui.core.web.extract import extract_article

    first = next(pages(folder, ids[:1]))
    started = time.process_time()
    extract_article(first.html, first.url)
    first_ms = (time.process_time() - started) * 1000
    texts: dict[str, str] = {}
    cpu_ms: list[float] = []
    for page in pages(folder, ids):
        started = time.process_time()
        article = extract_article(page.html, page.url)
        cpu_ms.append((time.process_time() - started) * 1000)
        texts[page.id] = visible_text(article.markdown) if article else ""
    return {
        "texts": texts,
        "cpu_ms": cpu_ms,
        "first_ms": first_ms,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run(quick: bool = False) -> list[dict[str, object]]:
    folder = benchmark_folder()
    if folder is None:
        return [row("extraction: benchmark folder ../shared/conformance absent", "skipped", "")]
    ids = sorted(ground_truth(folder))
    if quick:
        ids = quick_ids(ids)
    child = subprocess.run(
        [sys.executable, "-m", "bench.bench_extraction", "--child", *ids],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "AIWATCH_CONFORMANCE_DIR": str(folder.parent)},
    )
    result = json.loads(child.stdout)
    texts: dict[str, str] = result["texts"]
    quality = score(folder, texts)
    cpu_ms: list[float] = result["cpu_ms"]
    n = f"{len(ids)} pages"
    rss = result["peak_rss_mb"]
    return [
        row(f"extraction: token F1, {n} (benchmark scorer)", quality["f1"], "", f">= {F1_TARGET}"),
        row("extraction: precision", quality["precision"], ""),
        row("extraction: recall", quality["recall"], ""),
        row("extraction: pages with no article", sum(1 for t in texts.values() if not t), ""),
        row("extraction: CPU per page, median", statistics.median(cpu_ms), "ms"),
        row("extraction: CPU per page, p95", p95(cpu_ms), "ms"),
        row("extraction: imports + first page", result["first_ms"], "ms"),
        row(f"extraction: peak RSS, one process, {n}", rss, "MB", "<= 150"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_extraction")
    parser.add_argument("--quick", action="store_true", help="a fixed quarter of the pages")
    parser.add_argument("--child", nargs="+", metavar="ID", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        folder = benchmark_folder()
        assert folder is not None
        print(json.dumps(extract_pages(folder, args.child)))
        return
    print_table(run(quick=args.quick))


if __name__ == "__main__":
    main()
