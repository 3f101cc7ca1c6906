"""Where aiwatch keeps its files: --db, then AIWATCH_DB, then the platform's data dir."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aiwatch_tui.paths import Paths


def test_db_option_beats_the_environment(tmp_path: Path) -> None:
    env = {"AIWATCH_DB": str(tmp_path / "from-env.db")}
    assert Paths.resolve(tmp_path / "from-option.db", env).db == tmp_path / "from-option.db"


def test_environment_beats_the_default(tmp_path: Path) -> None:
    env = {"AIWATCH_DB": str(tmp_path / "from-env.db")}
    assert Paths.resolve(None, env).db == tmp_path / "from-env.db"


def test_empty_variables_count_as_unset(tmp_path: Path) -> None:
    env = {"AIWATCH_DB": "", "AIWATCH_CACHE_DIR": "", "AIWATCH_CONFIG_DIR": ""}
    assert Paths.resolve(None, env) == Paths.resolve(None, {})


def test_cache_and_config_dirs_follow_their_variables(tmp_path: Path) -> None:
    env = {"AIWATCH_CACHE_DIR": str(tmp_path / "c"), "AIWATCH_CONFIG_DIR": str(tmp_path / "k")}
    paths = Paths.resolve(None, env)
    assert (paths.cache_dir, paths.config_dir) == (tmp_path / "c", tmp_path / "k")


def test_relative_db_is_made_absolute_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    paths = Paths.resolve("notes/my.db", {})
    assert paths.db == tmp_path / "notes" / "my.db"
    assert paths.db.is_absolute()


def test_tilde_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Paths.resolve("~/a.db", {}).db == tmp_path / "a.db"
    assert Paths.resolve(None, {"AIWATCH_DB": "~/b.db"}).db == tmp_path / "b.db"


def test_a_symlink_in_the_db_path_is_not_resolved_away(tmp_path: Path) -> None:
    # The store must see the link itself to refuse it.
    (tmp_path / "elsewhere.db").touch()
    (tmp_path / "link.db").symlink_to(tmp_path / "elsewhere.db")
    assert Paths.resolve(tmp_path / "link.db", {}).db == tmp_path / "link.db"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG directories are Linux's")
def test_defaults_are_the_xdg_user_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    paths = Paths.resolve(None, {})
    assert paths.db == tmp_path / "data" / "aiwatch" / "aiwatch.db"
    assert paths.cache_dir == tmp_path / "cache" / "aiwatch"
    assert paths.config_dir == tmp_path / "config" / "aiwatch"


def test_resolving_creates_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    Paths.resolve(None, {})
    Paths.resolve(tmp_path / "x" / "y.db", {})
    assert list(tmp_path.iterdir()) == []


def test_environ_defaults_to_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIWATCH_DB", str(tmp_path / "env.db"))
    assert Paths.resolve().db == tmp_path / "env.db"
