"""The file system in aiwatch's words: what a file is and why it cannot be opened, sizes as
people read them, and the folders and files aiwatch makes (private to the user).

Folders aiwatch creates (data, cache, exports, and any of their missing parents): 0700.
`os.makedirs(path, mode=0o700)` applies the mode to the last folder only; the parents it
makes get 0777 less the umask, so under `umask 000` a missing `~/.local/share` would be made
world-writable. The XDG Base Directory specification asks for 0700 for every folder made on
the way, and that is what `make_private_dirs` does.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

MiB = 1024 * 1024

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


def describe_file_kind(mode: int) -> str:
    """What a non-regular file is, for messages."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def describe_os_error(error: OSError) -> str:
    """A short, lower-case reason for an OSError."""
    if isinstance(error, FileNotFoundError):
        return "no such file or folder"
    if isinstance(error, PermissionError):
        return "permission denied"
    reason = error.strerror or type(error).__name__
    return reason[:1].lower() + reason[1:]


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    for unit, scale in (("GiB", 1024 * MiB), ("MiB", MiB), ("KiB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"  # pragma: no cover - unreachable


def write_private_file(path: Path, text: str) -> Path:
    """Write `text` (UTF-8, newlines as they are) to `path`, mode 0600, atomically: a
    temporary file in the same folder, flushed to disk, then renamed over `path`. Returns the
    absolute path written; OSError names `path`."""
    target = path.expanduser().absolute()
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as error:
        # Name the file the user asked for, not our temporary one.
        raise OSError(error.errno, error.strerror, str(target)) from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OSError(error.errno, error.strerror, str(target)) from None
        raise
    return target
