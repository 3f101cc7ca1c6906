"""Fetching at scale: 100 feeds x 50 entries with pages (5,000 articles) on loopback.

The corpus server (bench/web_corpus.py) runs in its own process. `aiwatch feed import`
subscribes to its feeds, then the real `aiwatch fetch` runs as a child process:
- the first fetch: every feed, page fetched, extracted, stored and indexed (target < 90 s);
- its peak memory: the sum of the resident sizes of `aiwatch fetch` and every process it
  started (the extraction workers), sampled every 20 ms from /proc (target < 300 MB);
- the second fetch, where every feed answers 304 (target < 3 s);
- the app's first paint with those 5,000 articles, as a ratio to the minimal Textual app
  (the floor bench_startup measures the same way; target <= 2x).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.bench_startup import _interleaved
from bench.terminal import TOOLS

REPO = Path(__file__).resolve().parents[1]


def _tree_rss_kib(root: int) -> int:
    """The summed VmRSS of `root` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def _run_measured(
    cmd: list[str], env: dict[str, str], sample_rss: bool = True
) -> tuple[float, float, str]:
    """(wall seconds, peak MB of the process tree, stdout+stderr) of one command. The tree's
    memory is sampled ten times a second (a scan of /proc costs CPU the measured command
    would otherwise have on a 2-core machine); `sample_rss=False` leaves it out."""
    start = time.perf_counter()
    process = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while sample_rss and not done.is_set():
            peak = max(peak, _tree_rss_kib(process.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{cmd[1:]} exited {process.returncode}:\n{output[-2000:]}")
    return seconds, peak / 1024, output


def run(quick: bool = False) -> list[dict[str, object]]:
    feeds, entries = (20, 25) if quick else (100, 50)
    total = feeds * entries
    aiwatch = str(Path(sys.executable).with_name("aiwatch"))
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "feeds.opml"
        env = {
            **os.environ,
            "AIWATCH_DB": f"{tmp}/data/aiwatch.db",
            "AIWATCH_CACHE_DIR": f"{tmp}/cache",
            "AIWATCH_CONFIG_DIR": f"{tmp}/config",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.web_corpus",
                "--feeds",
                str(feeds),
                "--entries",
                str(entries),
                "--ready",
                str(ready),
            ],
            cwd=REPO,
        )
        try:
            deadline = time.monotonic() + 30
            while not ready.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            subprocess.run(
                [aiwatch, "feed", "import", str(ready)], env=env, check=True, capture_output=True
            )
            seconds, peak, _ = _run_measured([aiwatch, "fetch"], env)
            again, _, second_output = _run_measured([aiwatch, "fetch"], env, sample_rss=False)
        finally:
            server.terminate()
            server.wait()
        rows += [
            {
                "metric": f"fetch {feeds} feeds x {entries}: fetch+extract+index",
                "value": seconds,
                "unit": "s",
                "target": "< 90" if not quick else "",
            },
            {
                "metric": f"fetch {total:,} articles: peak RSS incl. children",
                "value": peak,
                "unit": "MB",
                "target": "< 300",
            },
            {
                "metric": f"fetch again, {feeds} feeds answering 304",
                "value": again,
                "unit": "s",
                "target": "< 3",
            },
        ]
        if "304" not in second_output and "no new articles" not in second_output:
            raise RuntimeError(f"the second fetch was not all 304s: {second_output[-500:]}")
        if (TOOLS / "ttfp.py").exists():
            cases = {
                "floor": ([sys.executable, str(TOOLS / "textual_hello.py")], "READY"),
                "articles": ([aiwatch], r"\(\d+-\d+\)"),
            }
            median, _ = _interleaved(cases, 3 if quick else 9, env, rss=set())
            floor = median["floor"]
            rows.append(
                {
                    "metric": f"first paint with {total:,} web articles",
                    "value": median["articles"],
                    "unit": "s",
                    "target": f"<= {2 * floor:.3f} (2x floor) ratio "
                    f"{median['articles'] / floor:.2f}",
                }
            )
    return rows
