"""The database file and its folder kept private: folders 0700, files 0600 whatever the umask;
symbolic links, other users' files and folders others can write to refused; side files
(-wal, -shm) checked too; and a read-only URI that leaves the folder as it is."""

from __future__ import annotations

import os
import stat
import urllib.parse
from pathlib import Path

from aiwatch_tui.core.files import make_private_dirs
from aiwatch_tui.core.store.errors import StoreError, show

PRIVATE_FILE_MODE = 0o600
SIDE_FILE_SUFFIXES = ("-wal", "-shm", "-journal")


def _current_uid() -> int | None:
    getuid = getattr(os, "getuid", None)
    return getuid() if getuid is not None else None


def _holds_only_the_database(directory: Path, db_name: str) -> bool:
    try:
        with os.scandir(directory) as entries:
            return all(entry.name.startswith(db_name) for entry in entries)
    except OSError:
        return False


def _secure_directory(db_path: Path) -> list[str]:
    """Create the database's directory 0700, or check an existing one; returns what was fixed.

    An existing folder of ours that other users can open is made private when it holds only
    aiwatch's files (the data folder). A folder the user keeps other things in (named with
    --db: a project folder, the home directory) is not re-moded behind their back: it is
    accepted when others can only read it (the database files themselves are 0600) and refused
    when others can write to it, since they could plant a -wal/-shm file or a symlink there.
    """
    directory = db_path.parent
    try:
        if not os.path.lexists(directory):  # something else there is named just below
            make_private_dirs(directory)
        info = os.stat(directory)
    except (OSError, ValueError) as error:
        raise StoreError(
            f"{show(directory)}: cannot create or read the data folder ({error}); "
            "check the path given with --db or AIWATCH_DB"
        ) from error
    if not stat.S_ISDIR(info.st_mode):
        raise StoreError(f"{show(directory)}: is not a folder; name another database with --db")
    uid = _current_uid()
    if uid is not None and info.st_uid != uid:
        raise StoreError(
            f"{show(directory)}: the folder belongs to another user (uid {info.st_uid}), who "
            "could read or replace your data; keep the database in a folder of your own (--db)"
        )
    if uid is None or not info.st_mode & 0o077:
        return []
    old_mode = stat.S_IMODE(info.st_mode)
    new_mode = old_mode & 0o700  # a folder the user made read-only stays read-only
    if not _holds_only_the_database(directory, db_path.name):
        if info.st_mode & 0o022:
            raise StoreError(
                f"{show(directory)}: other users can write to this folder ({old_mode:o}) and "
                "could tamper with the database; keep it in a private folder (--db)"
            )
        return []
    try:
        os.chmod(directory, new_mode)
    except OSError as error:
        raise StoreError(
            f"{show(directory)}: other users can open this folder and it cannot be made "
            f"private ({error.strerror}); run: chmod go-rwx '{show(directory)}'"
        ) from error
    return [
        f"{show(directory)} was open to other users ({old_mode:o}); made it private ({new_mode:o})"
    ]


def check_private_file(path: Path) -> tuple[bool, list[str]]:
    """(exists, fixes) for the database or a side file; refuses links and other users' files."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False, []
    except (OSError, ValueError) as error:
        raise StoreError(f"{show(path)}: cannot be read ({error})") from error
    if stat.S_ISLNK(info.st_mode):
        raise StoreError(
            f"{show(path)}: is a symbolic link; refusing to follow it (it could send your data "
            "elsewhere) — remove the link or name the real file with --db"
        )
    if not stat.S_ISREG(info.st_mode):
        raise StoreError(f"{show(path)}: is not a regular file; name a database file with --db")
    uid = _current_uid()
    if uid is not None and info.st_uid != uid:
        raise StoreError(
            f"{show(path)}: belongs to another user (uid {info.st_uid}); refusing to use it — "
            "use a database of your own (--db or AIWATCH_DB)"
        )
    if uid is None or not info.st_mode & 0o077:
        return True, []
    old_mode = stat.S_IMODE(info.st_mode)
    # Only the others' bits go: a file the user made read-only (0444) stays read-only (0400).
    new_mode = old_mode & 0o700
    try:
        os.chmod(path, new_mode)
    except OSError as error:
        raise StoreError(
            f"{show(path)}: other users can read it and it cannot be made private "
            f"({error.strerror}); run: chmod go-rwx '{show(path)}'"
        ) from error
    return True, [
        f"{show(path)} was readable by other users ({old_mode:o}); made it private ({new_mode:o})"
    ]


def create_private_file(path: Path) -> bool:
    """Create an empty file 0600 (whatever the umask); False when it already exists."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    except (OSError, ValueError) as error:
        raise StoreError(f"{show(path)}: cannot create the file ({error})") from error
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)
    return True


def side_files(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in SIDE_FILE_SUFFIXES]


def prepare_files(path: Path) -> tuple[list[str], bool]:
    """Make sure the directory and database exist and are private before SQLite sees them.
    Returns what was fixed, and whether an empty file was already there (not made by us)."""
    fixes = _secure_directory(path)
    exists, fixed = check_private_file(path)
    if not exists and not create_private_file(path):
        # Another process created it between our look and our create: check its file instead.
        exists, fixed = check_private_file(path)
    found_empty = exists and os.stat(path).st_size == 0
    fixes += fixed
    for side_file in side_files(path):
        fixes += check_private_file(side_file)[1]
    return fixes, found_empty


def read_only_uri(path: Path) -> str:
    """A read-only URI for `path` that leaves its folder exactly as it is.

    A plain mode=ro reader of a WAL database creates -wal and -shm files beside it (and leaves
    them); with `immutable=1` SQLite creates nothing and takes no locks. That is right when no
    write-ahead log is there: the file then holds every committed transaction. A -wal with
    content holds commits not yet copied into the file (an aiwatch running or killed), which
    an immutable reader would not see: then plain mode=ro, the side files being there already.
    The cost: an immutable reader does not see commits made after it opened (by a newer
    aiwatch, which starts a -wal first); it is used only where aiwatch cannot write anyway.
    """
    uri = f"file:{urllib.parse.quote(os.fspath(path.absolute()))}?mode=ro"
    try:
        log_size = os.stat(path.with_name(path.name + "-wal")).st_size
    except OSError:
        log_size = 0
    return uri if log_size else uri + "&immutable=1"
