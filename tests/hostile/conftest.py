"""Fixtures of the hostile suite: folders of hostile files and the environment of a real run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.hostile.corpus import build_hostile_folder, write_text_files

AIWATCH = str(Path(sys.executable).with_name("aiwatch"))


@pytest.fixture
def hostile_folder(tmp_path: Path) -> Path:
    """Every hostile file: openable ones, refused ones, loops and a folder named like a file."""
    folder = tmp_path / "articles"
    build_hostile_folder(folder)
    return folder


@pytest.fixture
def hostile_texts(tmp_path: Path) -> dict[str, Path]:
    """Only the hostile articles that open."""
    return write_text_files(tmp_path / "texts")


def aiwatch_env(root: Path) -> dict[str, str]:
    """Every location aiwatch uses, under `root` (for subprocesses and ptys)."""
    return {
        "AIWATCH_DB": str(root / "data" / "aiwatch.db"),
        "AIWATCH_CACHE_DIR": str(root / "cache"),
        "AIWATCH_CONFIG_DIR": str(root / "config"),
        "HOME": str(root / "home"),
        "XDG_DATA_HOME": str(root / "xdg-data"),
        "XDG_CACHE_HOME": str(root / "xdg-cache"),
        "XDG_CONFIG_HOME": str(root / "xdg-config"),
        "XDG_STATE_HOME": str(root / "xdg-state"),
    }
