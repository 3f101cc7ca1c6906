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

from aiwatch_tui.core.library.sources import MISSING, Folders

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
    return json.dumps(
        {"version": STAMP_VERSION, "paths": list(library_paths), "folders": folders},
        ensure_ascii=False,
    )


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
