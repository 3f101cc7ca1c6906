"""Documents read and parsed for the index ahead of the writer: in a thread for a small update
or a caller's own loader, in a pool of processes (on the other cores) for a large one."""

from __future__ import annotations

import marshal
import os
import queue
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, NamedTuple

from aiwatch_tui.core.find.fulltext.passages import Entry, Loader, load_entry
from aiwatch_tui.core.library.loading import LIBRARY, SourceReader, Version
from aiwatch_tui.core.library.sources import Source, SourceKind

LOAD_AHEAD = 16  # parsed documents waiting to be written, at most
POLL_SECONDS = 0.1  # how often a wait for the loader checks for cancellation
# Parsing in child processes (see ProcessLoader): only for an update reading at least this
# many documents, in requests of about this many bytes or documents.
PROCESS_LOAD_MIN_DOCUMENTS = 200
MAX_PARSE_PROCESSES = 2
PARSE_BATCH_BYTES = 256 * 1024
PARSE_BATCH_DOCUMENTS = 32
PARSE_BATCHES_AHEAD = 4  # parsed batches waiting to be written, at most


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


# A parsing process: `python -I -c` (no site customisation, no current directory on the path)
# importing this package from where the parent found it, then serving requests on stdin.
_CHILD_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from aiwatch_tui.core.find.fulltext.parsing import _serve_parse_requests; "
    "_serve_parse_requests()"
)
_FRAME = struct.Struct("<Q")


def _write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_FRAME.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> bytes | None:
    """The next message, or None at the end of the stream (the other side went away)."""
    header = stream.read(_FRAME.size)
    if len(header) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(header)
    payload = stream.read(size)
    return payload if len(payload) == size else None


def _source(key: str, path: str | None, kind: str) -> Source:
    return Source(key, None if path is None else Path(path), SourceKind(kind))


def _serve_parse_requests() -> None:
    """The main loop of a parsing process: each request is a list of (path, key), each
    reply the list of load_entry results for them, both marshalled. Ends at end of input."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the parent, which stops us
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    # Nothing may reach the terminal, and stray output must not corrupt the replies.
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)
    try:
        while (request := _read_frame(requests)) is not None:
            results = [
                load_entry(LIBRARY.load, _source(*fields)) for fields in marshal.loads(request)
            ]
            plain = [(None if entry is None else tuple(entry), why) for entry, why in results]
            _write_frame(replies, marshal.dumps(plain))
    except OSError:  # the parent went away
        pass


def _start_parser() -> subprocess.Popen[bytes]:
    import aiwatch_tui

    root = str(Path(aiwatch_tui.__file__).resolve().parent.parent)
    return subprocess.Popen(
        [sys.executable, "-I", "-c", _CHILD_CODE, root],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        close_fds=True,
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


class ProcessLoader(Prefetch):
    """Parses documents in child processes, on other cores than the writer.

    A thread hands each child batches of paths in turn and collects the replies in the same
    turn, so documents arrive in job order. If a child cannot be started the caller falls
    back to BackgroundLoader; if one dies or stops answering midway, whatever was not yet
    delivered is parsed in this thread instead. stop() kills and reaps every child.
    """

    def __init__(self, jobs: Sequence[Job], processes: int) -> None:
        super().__init__(PARSE_BATCHES_AHEAD)
        self._batches = _batches(jobs)
        self._delivered = 0  # batches handed to the writer
        self._children: list[subprocess.Popen[bytes]] = []
        try:
            for _ in range(processes):
                self._children.append(_start_parser())
            self._start("fulltext-parsers")
        except BaseException:
            self._end_children()
            raise

    def _produce(self) -> None:
        try:
            self._from_children()
        except (OSError, EOFError, ValueError, TypeError):
            pass  # a child died or sent something unreadable: finish the work here
        if not self._stop.is_set():
            rest = [job for batch in self._batches[self._delivered :] for job in batch]
            self._load_here(LIBRARY.load, rest)

    def _from_children(self) -> None:
        """Deliver the batches the children parse, in order, counting them in _delivered.

        Batch k goes to child k % n, and each child has one request at a time: it reads a
        request whole before it answers, so neither side can be stuck writing to a full pipe
        while the other is stuck writing too.
        """
        batches, children = self._batches, self._children
        for sent in range(min(len(children), len(batches))):
            self._send(sent)
        while (delivered := self._delivered) < len(batches):
            stdout = children[delivered % len(children)].stdout
            assert stdout is not None
            reply = _read_frame(stdout)
            if reply is None:
                raise EOFError("a parsing process ended")
            if delivered + len(children) < len(batches):
                self._send(delivered + len(children))  # the child that answered is idle
            results = marshal.loads(reply)
            batch = batches[delivered]
            if len(results) != len(batch):
                raise ValueError("a parsing process answered the wrong request")
            loaded = [
                Loaded(source, version, None if entry is None else Entry(*entry), problem)
                for (source, version), (entry, problem) in zip(batch, results, strict=True)
            ]
            if not self._put(loaded):
                return
            self._delivered += 1

    def _send(self, number: int) -> None:
        """Ask child number % n to parse batch `number`."""
        stdin = self._children[number % len(self._children)].stdin
        assert stdin is not None
        request = [
            (source.key, None if source.path is None else str(source.path), str(source.kind))
            for source, _ in self._batches[number]
        ]
        _write_frame(stdin, marshal.dumps(request))

    def _end_children(self) -> None:
        for child in self._children:
            child.kill()  # idle or mid-document: nothing of theirs needs to be kept
        for child in self._children:
            child.wait()  # reaped: no zombie is left behind
            for stream in (child.stdin, child.stdout):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass

    def stop(self) -> None:
        self._stop.set()
        # Killing the children first unblocks a thread waiting to read from or write to one.
        for child in self._children:
            child.kill()
        super().stop()
        self._end_children()


def start_loader(jobs: Sequence[Job], loader: Loader | None, reader: SourceReader) -> Prefetch:
    """Start reading and parsing `jobs` ahead of the writer: in processes when the update is
    large and uses the reader's own loading, else in a thread (with `loader` if given)."""
    processes = parse_processes(len(jobs), loader)
    if processes:
        try:
            return ProcessLoader(jobs, processes)
        except (OSError, ValueError, subprocess.SubprocessError):
            pass  # no child processes here: parse in a thread instead
    return BackgroundLoader(loader or reader.load, jobs)
