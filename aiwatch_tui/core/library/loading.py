"""How a source's text becomes a Document, kind by kind.

A `SourceReader` knows one kind of source: what version of its text is there now (so that
what is known of a document is kept until it changes) and how to load it. Files and bundled
articles are read from disk here, with limits (a FIFO is never opened, a 5 GB log never read
into memory). A kind whose text lives elsewhere (a fetched web article, its versions in the
store) is one more reader in `LibraryReader`, built with the store by
core.operations.library.library_reader: the catalog, the search index and the operations all
read through it, so nothing above the library knows where a text comes from.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple, Protocol

from aiwatch_tui.core.files import MiB, describe_file_kind, describe_os_error, human_size
from aiwatch_tui.core.library.sources import Source, SourceKind, document_key
from aiwatch_tui.core.model import Document
from aiwatch_tui.core.text.document import DocumentError, document_from_bytes
from aiwatch_tui.core.text.sanitize import one_line

# Far above any article (a 5 MB one is already a short book) yet small enough that an
# accidental multi-gigabyte log never gets read into memory.
MAX_FILE_BYTES = 64 * MiB
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})


class Version(NamedTuple):
    """What says a source's text may have changed: its size and when it was last changed
    (for a file, its size and modification time in nanoseconds)."""

    size: int
    mtime_ns: int


class SourceReader(Protocol):
    """How the documents of one kind of source are read. Picklable: the parsing processes of
    the search index get a copy."""

    def version(self, source: Source) -> Version:
        """The version there now; OSError when the source cannot be looked at."""
        ...

    def load(self, source: Source) -> Document:
        """The document; DocumentError (one line: "<name>: why") when it cannot be."""
        ...


def _check_regular_and_small(status: os.stat_result, name: str) -> None:
    if not stat.S_ISREG(status.st_mode):
        kind = describe_file_kind(status.st_mode)
        raise DocumentError(f"{name}: not a regular file (it is {kind})")
    if status.st_size > MAX_FILE_BYTES:
        raise DocumentError(
            f"{name}: too large ({human_size(status.st_size)}; "
            f"aiwatch opens files up to {human_size(MAX_FILE_BYTES)})"
        )


def read_file_bytes(path: Path, name: str) -> bytes:
    """A regular file's bytes, within the size limit; DocumentError (one line) otherwise."""
    try:
        # stat first: opening a FIFO would block and opening a device may have effects.
        _check_regular_and_small(os.stat(path), name)
        # O_NONBLOCK and the fstat below cover the file being swapped after the stat.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        with open(os.open(path, flags), "rb") as stream:
            status = os.fstat(stream.fileno())
            _check_regular_and_small(status, name)
            # Ask for what fstat announced plus one byte: read(n) allocates n bytes up front,
            # and allocating the whole limit (64 MiB) for each small file costs more than
            # reading it. A file that grew meanwhile is read on, up to the limit.
            wanted = status.st_size + 1
            data = stream.read(wanted)
            if len(data) == wanted:
                data += stream.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as error:
        raise DocumentError(f"{name}: {describe_os_error(error)}") from None
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(f"{name}: too large (it grew past {human_size(MAX_FILE_BYTES)})")
    return data


def load_document(path: Path, key: str | None = None) -> Document:
    """Read, decode, sanitise and parse one file; DocumentError says why it cannot be."""
    # The path as the user gave it (or as a folder walk reached it), not only its base name:
    # "notes.txt" alone does not say which of a library's folders holds the file.
    name = one_line(str(path))
    data = read_file_bytes(path, name)
    markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
    key = document_key(path) if key is None else key
    return document_from_bytes(data, key, name=name, markdown=markdown, path=path)


def _file_of(source: Source) -> Path:
    if source.path is None:
        raise DocumentError(f"{one_line(source.key)}: no file to read")
    return source.path


class FileReader:
    """Files on disk: the user's and the bundled articles."""

    def version(self, source: Source) -> Version:
        status = os.stat(_file_of(source))
        return Version(status.st_size, status.st_mtime_ns)

    def load(self, source: Source) -> Document:
        return load_document(_file_of(source), key=source.key)


# What makes a text read from standard input Markdown (it has no file name to say so): an
# ATX heading, a code fence or a link, at the start of a line or inline.
_MARKDOWN_SIGNS = re.compile(rb"^(?:#{1,6} |```|~~~)|\]\((?:https?://|/|#)", re.MULTILINE)


def looks_like_markdown(data: bytes) -> bool:
    return _MARKDOWN_SIGNS.search(data[: 1024 * 1024]) is not None


class PipedReader:
    """Texts read from standard input (`aiwatch -`), held in memory for this run."""

    def __init__(self, texts: Mapping[str, bytes]) -> None:
        self._texts = dict(texts)

    def _data(self, source: Source) -> bytes:
        data = self._texts.get(source.key)
        if data is None:
            # Its highlights outlive it: the text itself was never kept.
            raise DocumentError(
                "text read from standard input in an earlier run: pipe it in again "
                "(aiwatch -) to open it"
            )
        return data

    def version(self, source: Source) -> Version:
        return Version(len(self._data(source)), 0)

    def load(self, source: Source) -> Document:
        data = self._data(source)
        markdown = looks_like_markdown(data)
        return document_from_bytes(data, source.key, name="standard input", markdown=markdown)


class LibraryReader:
    """Every kind of source the library holds, each read by its own reader."""

    def __init__(self, readers: Mapping[SourceKind, SourceReader]) -> None:
        self._readers = dict(readers)

    def _reader(self, source: Source) -> SourceReader:
        reader = self._readers.get(source.kind)
        if reader is None:
            raise DocumentError(f"{one_line(source.key)}: aiwatch cannot read {source.kind}")
        return reader

    def version(self, source: Source) -> Version:
        return self._reader(source).version(source)

    def load(self, source: Source) -> Document:
        return self._reader(source).load(source)


FILES = FileReader()
# What the library holds today: files and the bundled articles.
LIBRARY = LibraryReader({SourceKind.FILE: FILES, SourceKind.SEED: FILES})
