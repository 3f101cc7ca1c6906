"""Every filesystem location aiwatch uses, decided in one place.

`Paths.resolve` is called once, by the command line (cli.py), and the one Paths it returns is
passed down to everything that touches a file: the app (make_app), the operations. Precedence
for each location: the command line, then an environment variable, then the platform's
per-user directory (platformdirs). Nothing is created here: the store creates the data folder
(mode 0700) when it opens the database, and the others are made (0700) when first written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "aiwatch"
DB_FILE_NAME = "aiwatch.db"

DB_ENV = "AIWATCH_DB"
CACHE_DIR_ENV = "AIWATCH_CACHE_DIR"
CONFIG_DIR_ENV = "AIWATCH_CONFIG_DIR"


def _absolute(value: str | os.PathLike[str]) -> Path:
    # Absolute (not resolved): a later chdir must not move the data, and a symlink planted
    # at the final component must stay visible to the store, which refuses it.
    return Path(value).expanduser().absolute()


def _from_environ(environ: Mapping[str, str], name: str) -> Path | None:
    # An empty variable ("AIWATCH_DB= aiwatch") means "not set", as it does for XDG_*.
    value = environ.get(name, "")
    return _absolute(value) if value else None


SEARCH_INDEX_NAME = "search-index.db"


EXPORTS_DIR_NAME = "exports"
FIRST_SCREEN_NAME = "library-first-screen.json"


@dataclass(frozen=True)
class Paths:
    """Where aiwatch keeps things. The user's data (the database, and what is written beside
    it) is in the data folder, to be backed up; the cache folder holds only what can be made
    again (the search index)."""

    db: Path  # the database: annotations, positions, settings, the library's paths
    cache_dir: Path
    config_dir: Path

    @property
    def data_dir(self) -> Path:
        """The folder of the database (the platform's data folder unless --db names another)."""
        return self.db.parent

    @property
    def search_index(self) -> Path:
        """The full-text index: derived data, shared by the app and `aiwatch search`."""
        return self.cache_dir / SEARCH_INDEX_NAME

    @property
    def first_screen(self) -> Path:
        """The library's first documents as last listed (core.library.walk_stamp): derived."""
        return self.cache_dir / FIRST_SCREEN_NAME

    @property
    def exports_dir(self) -> Path:
        """Where the app writes exports: beside the database, so aiwatch writes nowhere the
        user did not choose."""
        return self.data_dir / EXPORTS_DIR_NAME

    @classmethod
    def resolve(
        cls,
        db: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Paths:
        """Work out the locations from `db` (the --db option) and the environment."""
        env = os.environ if environ is None else environ
        db_path = _absolute(db) if db is not None and os.fspath(db) else None
        if db_path is None:
            db_path = _from_environ(env, DB_ENV)
        if db_path is None:
            db_path = (
                _absolute(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DB_FILE_NAME
            )
        cache_dir = _from_environ(env, CACHE_DIR_ENV) or _absolute(
            platformdirs.user_cache_dir(APP_NAME, appauthor=False)
        )
        config_dir = _from_environ(env, CONFIG_DIR_ENV) or _absolute(
            platformdirs.user_config_dir(APP_NAME, appauthor=False)
        )
        return cls(db=db_path, cache_dir=cache_dir, config_dir=config_dir)
