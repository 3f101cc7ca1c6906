"""Which documents exist: the bundled seed articles and the files and folders a user names.

A `Source` names one document (its key, stable across runs) and says where its text comes
from (its kind, and its file if it has one); core.library.loading reads it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from aiwatch_tui.core.files import describe_file_kind, describe_os_error
from aiwatch_tui.core.text.sanitize import one_line
from aiwatch_tui.core.uris import SEED_PREFIX

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
# A saved web page is opened when named (`aiwatch page.html`), never picked up from a folder.
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})


class SourceKind(StrEnum):
    """Where a document's text comes from, and so which reader loads it."""

    FILE = "file"  # a file the user named, or one in a folder they added
    SEED = "seed"  # a bundled article (a file in the package's seeds folder)
    ARTICLE = "article"  # a web article fetched and kept in the database (key: its URL)
    HTML = "html"  # a saved web page named on the command line, read through extraction
    PIPED = "piped"  # read from standard input (`aiwatch -`), kept in memory only


class Source(NamedTuple):
    """A document to load: its stable key, its file (None for a kind whose text is not in a
    file of its own) and its kind.

    A NamedTuple rather than a frozen dataclass: a library walk makes one per article,
    10,000 before a relaunch's first paint, four times faster as tuples."""

    key: str
    path: Path | None
    kind: SourceKind = SourceKind.FILE


# A text read from standard input is known by what it says: the same text piped again is
# the same document (with its highlights), another text another one.
PIPED_PREFIX = "urn:aiwatch:stdin:sha256:"


def piped_source(data: bytes) -> Source:
    """The source of a text read from standard input, keyed by its SHA-256."""
    return Source(PIPED_PREFIX + hashlib.sha256(data).hexdigest(), None, SourceKind.PIPED)


def seeds_dir() -> Path:
    """The bundled articles: aiwatch_tui/seeds in an installed wheel, <repo>/seeds in a
    checkout or editable install (where the package folder has no copy)."""
    package = Path(__file__).resolve().parents[2]
    installed = package / "seeds"
    if installed.is_dir():
        return installed
    return package.parent / "seeds"


def _is_text_name(name: str) -> bool:
    # String operations, not pathlib or os.path: called once per file of a library walk.
    # As for both, a name that is only an extension (".md", "..md") has no suffix.
    dot = name.rfind(".")
    if dot <= 0 or name[dot:].lower() not in TEXT_SUFFIXES:
        return False
    return name[0] != "." or name[:dot].strip(".") != ""


def bundled_sources() -> list[Source]:
    """The seed articles in name order, keyed "seeds/<file name>"."""
    folder = seeds_dir()
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if entry.is_file())
    except OSError:
        return []
    return [
        Source(SEED_PREFIX + name, folder / name, SourceKind.SEED)
        for name in names
        if _is_text_name(name)
    ]


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop; RuntimeError before Python 3.13
        return path.absolute()


@functools.cache
def _real_seeds_dir() -> str:
    return str(_resolved(seeds_dir()))


def document_key(path: Path) -> str:
    """The absolute resolved path; a bundled article keeps "seeds/<file name>" so that what
    is attached to it survives reinstalling."""
    return _key_of_real(str(_resolved(path)))


def _key_of_real(real: str) -> str:
    folder, name = os.path.split(real)
    if folder == _real_seeds_dir():
        return SEED_PREFIX + name
    return real


def _name_order(entry: os.DirEntry[str]) -> tuple[str, str]:
    return entry.name.casefold(), entry.name


# Where a walk notes each folder it looked into, with its modification time (ns) as stat()
# gave it just before the folder was listed: see core.library.walk_stamp.
Folders = list[tuple[str, int]]


def _folder_files(
    root: Path, problems: list[str], folders: Folders | None = None
) -> Iterator[list[tuple[Path, str | None]]]:
    """Text files under `root` with their key when known cheaply, depth first in name order,
    in batches; hidden entries skipped and each folder entered once (a symlink loop is not
    followed round). Each folder is resolved once, not each of its files, and its files are
    taken in one loop: a library of 10,000 articles is walked in milliseconds."""
    visited: set[tuple[int, int]] = set()
    # The folders being walked, innermost last, each with the entries it has left.
    stack: list[tuple[Path, str, Iterator[os.DirEntry[str]]]] = []

    def enter(folder: Path) -> None:
        try:
            status = os.stat(folder)
            if (status.st_dev, status.st_ino) in visited:
                return
            visited.add((status.st_dev, status.st_ino))
            if folders is not None:
                folders.append((str(folder), status.st_mtime_ns))
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=_name_order)
        except OSError as error:
            problems.append(f"{one_line(str(folder))}: {describe_os_error(error)}")
            return
        real_folder = os.path.realpath(folder)
        # A file's key is its real path, or "seeds/<name>" in the bundled folder.
        if real_folder == _real_seeds_dir():
            key_prefix = SEED_PREFIX
        else:
            key_prefix = os.path.join(real_folder, "")
        stack.append((folder, key_prefix, iter(entries)))

    enter(root)
    while stack:
        folder, key_prefix, entries = stack[-1]
        batch: list[tuple[Path, str | None]] = []
        for entry in entries:
            if not _wanted(entry, problems):
                continue
            path = _child(folder, entry.name)
            if entry.is_dir():
                yield batch
                enter(path)
                break  # into the sub-folder; this folder's walk resumes after it
            # A file reached through a symlink is resolved on its own, later.
            batch.append((path, None if entry.is_symlink() else key_prefix + entry.name))
        else:
            yield batch
            stack.pop()


def _child(folder: Path, name: str) -> Path:
    # pathlib re-parses every path it is given; a child of an already parsed folder need not
    # be (five times faster: it counts in a library of 10,000 articles). The private helper
    # is used when this Python has it.
    make_child = getattr(folder, "_make_child_relpath", None)
    return make_child(name) if make_child is not None else folder / name


def _wanted(entry: os.DirEntry[str], problems: list[str]) -> bool:
    """A visible sub-folder or text file. Anything else with a text file's name (a dangling
    link, a FIFO, a device) is a problem, named in one line."""
    if entry.name.startswith("."):
        return False
    try:
        if entry.is_dir():
            return True
        if not _is_text_name(entry.name):
            return False
        if entry.is_file():
            return True
    except OSError as error:  # e.g. a link to itself; only worth a word if it looks like text
        if _is_text_name(entry.name):
            problems.append(f"{one_line(entry.path)}: {describe_os_error(error)}")
        return False
    # A text name on something that is neither a file nor a folder: a FIFO, a device or a link
    # to one (opening it could block for ever or read without end), or a dangling link.
    try:
        mode = os.stat(entry.path).st_mode
    except OSError as error:
        dangling = isinstance(error, FileNotFoundError) and entry.is_symlink()
        why = "broken symbolic link" if dangling else describe_os_error(error)
        problems.append(f"{one_line(entry.path)}: {why}")
        return False
    problems.append(
        f"{one_line(entry.path)}: not a regular file (it is {describe_file_kind(mode)})"
    )
    return False


def discover(
    paths: Sequence[Path], folders: Folders | None = None
) -> tuple[list[Source], list[str]]:
    """The documents the user named: files as given, folders searched recursively for
    .txt/.md/.markdown files in name order. Problems are one line each, "<path>: <why>";
    they do not stop the other paths. A file named twice is listed once. `folders`, if
    given, gets every folder looked into (and each path named) with its modification time."""
    sources: list[Source] = []
    problems: list[str] = []
    keys: set[str] = set()

    def add(batch: Iterable[tuple[Path, str | None]]) -> None:
        for path, key in batch:
            if key is None:
                key = document_key(path)
            if key not in keys:
                keys.add(key)
                kind = SourceKind.SEED if key.startswith(SEED_PREFIX) else SourceKind.FILE
                if kind is SourceKind.FILE and path.suffix.lower() in HTML_SUFFIXES:
                    kind = SourceKind.HTML
                sources.append(Source(key, path, kind))

    for path in paths:
        try:
            status = os.stat(path)
        except OSError as error:
            problems.append(f"{one_line(str(path))}: {describe_os_error(error)}")
            if folders is not None:
                folders.append((str(path), MISSING))
            continue
        mode = status.st_mode
        if folders is not None and not stat.S_ISDIR(mode):
            folders.append((str(path), status.st_mtime_ns))
        if stat.S_ISDIR(mode):
            for batch in _folder_files(path, problems, folders):
                add(batch)
        elif stat.S_ISREG(mode):
            add([(path, None)])
        else:
            kind = describe_file_kind(mode)
            problems.append(f"{one_line(str(path))}: not a regular file (it is {kind})")
    return sources, problems


# The modification time noted for a path that could not be looked at.
MISSING = -1


def library_sources(
    library_paths: Sequence[str], folders: Folders | None = None
) -> tuple[list[Source], list[str]]:
    """The bundled articles, then every document under the library's paths (a document named
    twice is listed once), and one-line problems (e.g. a library folder that vanished).
    `folders`: see `discover` (the bundled articles' folder is noted too)."""
    sources = bundled_sources()
    if folders is not None:
        try:
            folders.append((str(seeds_dir()), os.stat(seeds_dir()).st_mtime_ns))
        except OSError:
            folders.append((str(seeds_dir()), MISSING))
    found, problems = discover([Path(p) for p in library_paths], folders)
    known = {source.key for source in sources}
    sources += [source for source in found if source.key not in known]
    return sources, problems
