"""Folders aiwatch creates (data, cache, exports, and any of their missing parents): 0700.

`os.makedirs(path, mode=0o700)` applies the mode to the last folder only; the parents it
makes get 0777 less the umask, so under `umask 000` a missing `~/.local/share` would be made
world-writable. The XDG Base Directory specification asks for 0700 for every folder made on
the way, and that is what `make_private_dirs` does.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700


def make_private_dirs(folder: Path) -> None:
    """Create `folder` and each missing parent with mode 0700 whatever the umask. An existing
    folder is left as it is. Raises OSError (NotADirectoryError, FileExistsError...) when
    something other than a folder is in the way."""
    folder = Path(os.path.abspath(folder))
    missing: list[Path] = []
    for candidate in (folder, *folder.parents):
        if os.path.isdir(candidate):
            break
        missing.append(candidate)
    for path in reversed(missing):
        try:
            os.mkdir(path, PRIVATE_DIR_MODE)
        except FileExistsError:
            if os.path.isdir(path):
                continue  # another process made it a moment ago: not ours to re-mode
            raise
        # mkdir's mode is filtered by the umask (a umask of 0o700 would leave it unusable).
        os.chmod(path, PRIVATE_DIR_MODE)
