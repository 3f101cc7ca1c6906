"""The libraries the benchmarks launch aiwatch on, each made once per run and reused.

Every library has a database, a cache folder and a config folder of its own (so one case's
indexing worker can never rewrite the index another case is measured with), and is set up
as a user's would be: the corpus folder added with `aiwatch add`, then indexed by a first
`aiwatch search` (so a launch measures a relaunch). Articles come from bench.corpus (article
`i` depends only on `i`, so a smaller corpus is a prefix of a larger one); the big articles
from make_big_article. Generated files are kept in bench/.corpus/ (git-ignored) between runs.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS_ROOT = REPO / "bench" / ".corpus"
BIG_ARTICLE_VERSION = 1

WORDS = (
    "model compute data center GPU training inference labour union leak policy chip "
    "startup valuation benchmark alignment safety regulation cloud revenue energy water "
    "the a of and to in that is for on with as by at from it this be are was"
).split()


def aiwatch_command() -> str:
    """The `aiwatch` script of the environment the benchmark runs in."""
    return str(Path(sys.executable).with_name("aiwatch"))


def make_big_article(path: Path, megabytes: float = 5.0, seed: int = 7) -> Path:
    """A deterministic plain-text article of about `megabytes` MB with headings and paragraphs
    (kept when already there, as its name says what it holds)."""
    if path.is_file() and path.stat().st_size >= int(megabytes * 1024 * 1024):
        return path
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
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text("".join(parts), encoding="utf-8")
    partial.replace(path)
    return path


def big_article(megabytes: int) -> Path:
    return make_big_article(
        CORPUS_ROOT / f"big-v{BIG_ARTICLE_VERSION}-{megabytes}mb.txt", float(megabytes)
    )


def corpus_folder(articles: int) -> Path:
    """A folder holding exactly articles 0..n-1 of bench.corpus (made once)."""
    from bench.corpus import generate

    folder = CORPUS_ROOT / f"articles-{articles}"
    generate(folder, articles)
    return folder


def corpus_bytes(folder: Path) -> int:
    return sum(entry.stat().st_size for entry in os.scandir(folder) if entry.name[0] != "c")


@dataclass
class Library:
    """One case's own aiwatch home: database, cache and config folders, and its articles."""

    name: str
    home: Path
    folder: Path | None = None  # the articles added to the library (None: only the seeds)
    articles: int = 0
    corpus_bytes: int = 0
    highlights: int = 0
    first_search: float = 0.0  # seconds of the first `aiwatch search` (it built the index)
    first_search_peak_mib: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "AIWATCH_DB": str(self.home / "data" / "aiwatch.db"),
            "AIWATCH_CACHE_DIR": str(self.home / "cache"),
            "AIWATCH_CONFIG_DIR": str(self.home / "config"),
            "XDG_CONFIG_HOME": str(self.home / "xdg-config"),
        }

    @property
    def index_path(self) -> Path:
        return self.home / "cache" / "search-index.db"

    def index_bytes(self) -> int:
        return sum(
            os.path.getsize(f"{self.index_path}{suffix}")
            for suffix in ("", "-wal")
            if os.path.exists(f"{self.index_path}{suffix}")
        )

    def run(self, *args: str, peak: bool = True) -> tuple[float, float, str]:
        """Run `aiwatch ARGS` in this home: (seconds, peak RSS MiB of it, stdout)."""
        return run_measured([aiwatch_command(), *args], self.env, peak)


# Runs a command and prints its peak RSS in KiB (wait4's figure for it and the children it
# waited for). A process started straight from the benchmark would inherit the benchmark's
# own high-water mark (Linux carries it across fork and exec): this small interpreter, itself
# started fresh, forks the command instead, so the figure is the command's alone.
_PEAK_OF = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"peak_kib={usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(
    cmd: list[str], env: dict[str, str], peak: bool = True
) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MiB (nan without `peak`), stdout) of a command. The peak
    costs a few milliseconds of the helper's start-up, included in the seconds."""
    started = time.perf_counter()
    helper = [sys.executable, "-S", "-c", _PEAK_OF] if peak else []
    done = subprocess.run([*helper, *cmd], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peaks = re.findall(r"peak_kib=(\d+)", done.stderr)
    return seconds, (int(peaks[-1]) / 1024 if peaks else float("nan")), done.stdout


class Libraries:
    """The benchmark's libraries, made on first use in `root` (a temporary folder)."""

    def __init__(self, root: Path, quick: bool) -> None:
        self.root = root
        self.quick = quick
        self._made: dict[str, Library] = {}

    # sizes: the table, and --quick's smaller ones
    @property
    def small(self) -> int:
        return 1_000 if self.quick else 10_000

    @property
    def large(self) -> int:
        return 5_000 if self.quick else 50_000

    @property
    def highlight_count(self) -> int:
        return 2 * self.small

    @property
    def big_megabytes(self) -> int:
        return 10 if self.quick else 50

    def _home(self, name: str) -> Path:
        # Private, as aiwatch makes them (else its first launch says it made them private).
        home = self.root / name
        for folder in (self.root, home, home / "data", home / "cache", home / "config"):
            folder.mkdir(mode=0o700, exist_ok=True)
            folder.chmod(0o700)
        return home

    def seeds(self) -> Library:
        """The bundled articles only, as a new user first sees them."""
        if "seeds" not in self._made:
            library = Library("seeds", self._home("seeds"))
            library.run("search", "warm")  # the seeds indexed, as after a first launch
            self._made["seeds"] = library
        return self._made["seeds"]

    def single(self, megabytes: int) -> tuple[Library, Path]:
        """A home for opening one big article (its index made by the launches themselves)."""
        name = f"single-{megabytes}mb"
        if name not in self._made:
            self._made[name] = Library(name, self._home(name))
        return self._made[name], big_article(megabytes)

    def articles(self, count: int) -> Library:
        """`count` articles added to the library and indexed by a first `aiwatch search`."""
        name = f"articles-{count}"
        if name not in self._made:
            folder = corpus_folder(count)
            library = Library(name, self._home(name), folder, count, corpus_bytes(folder))
            library.run("add", str(folder))
            library.first_search, library.first_search_peak_mib, _ = library.run("search", "zzyzx")
            self._made[name] = library
        return self._made[name]

    def with_highlights(self, count: int, highlights: int) -> Library:
        """`count` articles and `highlights` highlights (whole sentences, spread over the
        articles), with the index copied from the plain library of that size."""
        name = f"articles-{count}-highlights-{highlights}"
        if name not in self._made:
            plain = self.articles(count)
            home = self._home(name)
            shutil.copytree(plain.home / "cache", home / "cache", dirs_exist_ok=True)
            library = Library(
                name, home, plain.folder, count, plain.corpus_bytes, highlights=highlights
            )
            library.run("add", str(plain.folder))
            assert plain.folder is not None
            _add_highlights(library, plain.folder, count, highlights)
            self._made[name] = library
        return self._made[name]


def _add_highlights(library: Library, folder: Path, articles: int, count: int) -> None:
    """`count` highlights of whole sentences, the i-th in article i mod `articles`."""
    from aiwatch_tui.core.anchoring import make_quote
    from aiwatch_tui.core.library.loading import load_document
    from aiwatch_tui.core.library.sources import document_key
    from aiwatch_tui.core.model import Highlight
    from aiwatch_tui.core.store import Store
    from bench.corpus import make_article, make_name

    rng = random.Random(11)
    made: list[Highlight] = []
    stamp = "2025-01-01T00:00:00Z"
    for number in range(min(articles, count)):
        path = folder / make_name(number)
        document = load_document(path, document_key(path))
        sentences = list(make_article(number).sentences())
        wanted = count // articles + (number < count % articles)
        for sentence in rng.sample(sentences, min(wanted, len(sentences))):
            start = document.text.find(sentence[:-1])
            if start < 0:
                continue
            exact, prefix, suffix = make_quote(document.text, start, start + len(sentence))
            made.append(
                Highlight(
                    id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    doc_key=document.key,
                    doc_hash=document.content_hash,
                    start=start,
                    end=start + len(sentence),
                    exact=exact,
                    prefix=prefix,
                    suffix=suffix,
                    note="worth a follow-up" if rng.random() < 0.1 else "",
                    created=stamp,
                    modified=stamp,
                )
            )
    with Store(Path(library.env["AIWATCH_DB"])) as store:
        store.merge_highlights(made)
    library.highlights = len(made)
