"""Documents read and parsed for the index ahead of the writer: in a thread for a small update
or a caller's own loader, in a pool of processes (on the other cores) for a large one.

The pool is the standard library's ProcessPoolExecutor over fresh interpreters ("spawn": the
app forks nothing while its threads may hold locks), each started by `_start_worker` (the
pool's initializer). Batches go out a few ahead and come back in order; a worker that dies
breaks the pool, and what was not delivered is parsed in this thread instead.
"""

from __future__ import annotations

import marshal
import os
import queue
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from aiwatch_tui.core.find.fulltext.passages import Entry, Loader, load_entry
from aiwatch_tui.core.library.loading import SourceReader, Version
from aiwatch_tui.core.library.sources import Source

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

LOAD_AHEAD = 16  # parsed documents waiting to be written, at most
POLL_SECONDS = 0.1  # how often a wait for the loader checks for cancellation
# Parsing in other processes (see PoolLoader): only for an update reading at least this
# many documents, in batches of about this many bytes or documents.
PROCESS_LOAD_MIN_DOCUMENTS = 200
MAX_PARSE_PROCESSES = 2
PARSE_BATCH_BYTES = 256 * 1024
PARSE_BATCH_DOCUMENTS = 32
PARSE_BATCHES_AHEAD = 4  # parsed batches waiting to be written, at most
BATCHES_IN_FLIGHT_PER_PROCESS = 2  # sent to the pool and not back yet: one parsing, one queued


class Loaded(NamedTuple):
    source: Source
    version: Version
    entry: Entry | None  # None when it could not be loaded
    problem: str


Job = tuple[Source, Version]


class Prefetch:
    """Documents loaded ahead of the writer by a thread of its own, handed over in order."""

    def __init__(self, batches_ahead: int) -> None:
        self._queue: queue.Queue[list[Loaded] | None] = queue.Queue(maxsize=batches_ahead)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _start(self, name: str) -> None:
        self._thread = threading.Thread(target=self._fill, name=name, daemon=True)
        self._thread.start()

    def _fill(self) -> None:
        try:
            self._produce()
        finally:
            self._put(None)

    def _produce(self) -> None:
        raise NotImplementedError

    def _put(self, item: list[Loaded] | None) -> bool:
        """Queue `item`, waiting for room; False once stopped."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _load_here(self, load: Loader, jobs: Iterable[Job]) -> None:
        for source, version in jobs:
            if self._stop.is_set():
                return
            entry, problem = load_entry(load, source)
            self._put([Loaded(source, version, entry, problem)])

    def loaded(self, cancelled: Callable[[], bool]) -> Iterator[Loaded]:
        """The loaded documents in job order; ends early once `cancelled()` while waiting."""
        while True:
            try:
                batch = self._queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if cancelled():
                    return
                continue
            if batch is None:
                return
            yield from batch

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


class BackgroundLoader(Prefetch):
    """Reads and parses documents a few steps ahead of the writer, in a thread.

    Parsing is Python and holds the GIL; FTS5 tokenises and writes in C with the GIL released,
    so the two overlap a little. Used for small updates and for a caller's own loader.
    """

    def __init__(self, load: Loader, jobs: Sequence[Job]) -> None:
        super().__init__(LOAD_AHEAD)
        self._load, self._jobs = load, jobs
        self._start("fulltext-loader")

    def _produce(self) -> None:
        self._load_here(self._load, self._jobs)


def parse_processes(to_read: int, loader: Loader | None) -> int:
    """How many parsing processes an update with `to_read` documents should use (0: none).

    Parsing in a thread competes with the writer for the GIL; in other processes it runs
    beside it on the other cores. Only the default loader can run there (it is importable
    by name), and only a large update pays for starting an interpreter (~0.1 s).
    """
    if loader is not None or to_read < PROCESS_LOAD_MIN_DOCUMENTS or getattr(sys, "frozen", False):
        return 0
    if not sys.executable:
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    # The writer keeps one core busy; more parsers than the rest would only take turns.
    return max(0, min(cores - 1, MAX_PARSE_PROCESSES))


# -- the parsing processes ------------------------------------------------------------------

_worker_reader: SourceReader | None = None  # in a parsing process: how it reads documents


def _start_worker(reader: SourceReader) -> None:
    """The pool's initializer, run once in each parsing process."""
    global _worker_reader
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the parent, which stops us
    # Nothing may reach the terminal (the app is drawing on it). The pool talks over pipes of
    # its own, not over these.
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)
    _worker_reader = reader


def _parse_batch(sources: list[Source]) -> bytes:
    """Load and parse a batch in a parsing process: each (entry as a tuple, or None, and why
    not), marshalled (plain strings and numbers: cheaper to send than pickled tuples)."""
    reader = _worker_reader
    assert reader is not None, "_start_worker sets it"
    results = [load_entry(reader.load, source) for source in sources]
    return marshal.dumps([(None if entry is None else tuple(entry), why) for entry, why in results])


def parse_pool(processes: int, reader: SourceReader) -> ProcessPoolExecutor:
    """A pool of `processes` fresh interpreters that read documents with `reader`. Starts
    nothing yet: each process is started when the first batches are sent."""
    # Imported here: only a large update needs them, and start-up does not.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if not os.access(sys.executable, os.X_OK):
        # The interpreter is gone (upgraded or removed while aiwatch runs): a process started
        # now would only fail to run it.
        raise FileNotFoundError(f"{sys.executable}: no interpreter to start")
    context = multiprocessing.get_context("spawn")
    # The interpreter running now (multiprocessing remembers the one it was imported under).
    context.set_executable(sys.executable)
    return ProcessPoolExecutor(
        processes, mp_context=context, initializer=_start_worker, initargs=(reader,)
    )


def _batches(jobs: Sequence[Job]) -> list[list[Job]]:
    """Consecutive jobs grouped into requests of about PARSE_BATCH_BYTES."""
    batches: list[list[Job]] = []
    batch: list[Job] = []
    size = 0
    for job in jobs:
        batch.append(job)
        size += job[1].size
        if size >= PARSE_BATCH_BYTES or len(batch) >= PARSE_BATCH_DOCUMENTS:
            batches.append(batch)
            batch, size = [], 0
    if batch:
        batches.append(batch)
    return batches


class PoolLoader(Prefetch):
    """Parses documents in a pool of processes, on other cores than the writer.

    A thread sends the batches a few ahead and hands the results to the writer in order. If
    the pool breaks (a process died, or none could be started), whatever was not yet
    delivered is parsed in this thread instead. stop() cancels the batches not begun and
    waits for the processes to end (a batch under way takes a few milliseconds).
    """

    def __init__(
        self, jobs: Sequence[Job], pool: ProcessPoolExecutor, processes: int, load: Loader
    ) -> None:
        super().__init__(PARSE_BATCHES_AHEAD)
        self._batches = _batches(jobs)
        self._delivered = 0  # batches handed to the writer
        self._pool, self._in_flight = pool, processes * BATCHES_IN_FLIGHT_PER_PROCESS
        self._load = load
        self._start("fulltext-parsers")

    def _produce(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        try:
            self._from_pool()
        except (BrokenProcessPool, OSError, EOFError, ValueError, TypeError, RuntimeError):
            # A process died or could not be started (RuntimeError: multiprocessing refuses
            # to start one from a script that is itself being imported by a process it
            # started): finish the work here.
            pass
        if not self._stop.is_set():
            rest = [job for batch in self._batches[self._delivered :] for job in batch]
            self._load_here(self._load, rest)

    def _from_pool(self) -> None:
        """Deliver the batches the pool parses, in order, counting them in _delivered."""
        batches = self._batches
        pending: deque[Future[bytes]] = deque()
        sent = 0
        while self._delivered < len(batches):
            while sent < len(batches) and len(pending) < self._in_flight:
                sources = [source for source, _ in batches[sent]]
                pending.append(self._pool.submit(_parse_batch, sources))
                sent += 1
            reply = self._wait(pending[0])
            if reply is None:
                return  # stopped
            pending.popleft()
            results = marshal.loads(reply)
            batch = batches[self._delivered]
            if len(results) != len(batch):
                raise ValueError("a parsing process answered the wrong request")
            loaded = [
                Loaded(source, version, None if entry is None else Entry(*entry), problem)
                for (source, version), (entry, problem) in zip(batch, results, strict=True)
            ]
            if not self._put(loaded):
                return
            self._delivered += 1

    def _wait(self, future: Future[bytes]) -> bytes | None:
        """The batch's result, or None once stopped."""
        while not self._stop.is_set():
            try:
                return future.result(timeout=POLL_SECONDS)
            except TimeoutError:
                continue
        return None

    def stop(self) -> None:
        super().stop()
        # Batches not begun are dropped; the processes end and are waited for (no zombie).
        self._pool.shutdown(wait=True, cancel_futures=True)


def start_loader(jobs: Sequence[Job], loader: Loader | None, reader: SourceReader) -> Prefetch:
    """Start reading and parsing `jobs` ahead of the writer: in processes when the update is
    large and uses the reader's own loading, else in a thread (with `loader` if given)."""
    processes = parse_processes(len(jobs), loader)
    if processes:
        try:
            pool = parse_pool(processes, reader)
        except (OSError, ValueError):
            pass  # no processes here (multiprocessing could not start): parse in a thread
        else:
            return PoolLoader(jobs, pool, processes, reader.load)
    return BackgroundLoader(loader or reader.load, jobs)
