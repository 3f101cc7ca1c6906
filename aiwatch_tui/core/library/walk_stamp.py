"""A record of one library walk that tells, with one stat() per folder rather than one per
document, whether walking again would find the same documents.

Adding, removing or renaming a file changes its folder's modification time, so while every
folder the walk looked into (and every path of the library) keeps the time it had, the walk
would list the same files. A folder changed within RACY_NS of the walk is not trusted: a
file added in the same tick of the file system's clock would leave its time as it was (git's
"racily clean" entries). The stamp says nothing of a file edited in place: whoever trusts
it checks the files it is about to show (see core.operations.search_index).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from aiwatch_tui.core.files import write_private_file
from aiwatch_tui.core.library.sources import MISSING, Folders, Source, SourceKind

STAMP_VERSION = 1
RACY_NS = 2_000_000_000


def make_stamp(
    library_paths: Sequence[str], folders: Folders, started_ns: int, articles: str = ""
) -> str | None:
    """The stamp of a walk of `library_paths` that noted `folders` and started at
    `started_ns` (time.time_ns()), with the stored articles' version (Store.articles_version:
    they are part of the library too); None when some folder changed too recently to be
    trusted."""
    if any(mtime != MISSING and mtime >= started_ns - RACY_NS for _path, mtime in folders):
        return None
    # ASCII JSON: a file name that is not UTF-8 (a lone surrogate in Python) stays writable.
    noted = {"version": STAMP_VERSION, "paths": list(library_paths), "articles": articles}
    return json.dumps({**noted, "folders": folders})


def stamp_holds(stamp: str | None, library_paths: Sequence[str], articles: str = "") -> bool:
    """Whether a walk of `library_paths` now would find what the walk of `stamp` found, and
    the stored articles are as they were (`articles`: their version now)."""
    if not stamp:
        return False
    try:
        noted = json.loads(stamp)
        if noted["version"] != STAMP_VERSION or noted["paths"] != list(library_paths):
            return False
        if noted["articles"] != articles:
            return False
        folders = [(str(path), int(mtime)) for path, mtime in noted["folders"]]
    except (ValueError, KeyError, TypeError):
        return False
    for path, mtime in folders:
        try:
            now = os.stat(path).st_mtime_ns
        except OSError:
            now = MISSING
        if now != mtime:
            return False
    return True


# The documents a relaunch shows before it has walked the library: a screen's worth and more.
FIRST_SCREEN = 200


def save_first_screen(path: Path, stamp: str | None, sources: Sequence[Source]) -> None:
    """Keep the first sources of a walk with its stamp (none: forget them), for
    `first_screen` at the next launch. Derived data: a failure to write is no loss."""
    try:
        if stamp is None:
            path.unlink(missing_ok=True)
            return
        first = [[s.key, None if s.path is None else str(s.path), s.kind.value] for s in sources]
        write_private_file(path, json.dumps({"stamp": stamp, "first": first[:FIRST_SCREEN]}))
    except OSError:
        pass


def first_screen(
    path: Path, library_paths: Sequence[str], articles: str = ""
) -> list[Source] | None:
    """The first sources of the library as the last walk found them, if walking it again
    would find the same (see `stamp_holds`): what a relaunch shows before any walk. Costs
    one stat() per folder and a small file, whatever the size of the library."""
    try:
        saved = json.loads(path.read_bytes())
        if not stamp_holds(saved["stamp"], library_paths, articles):
            return None
        return [
            Source(str(key), None if file is None else Path(file), SourceKind(kind))
            for key, file, kind in saved["first"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return None
