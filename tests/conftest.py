"""Fixtures shared by every test: keep aiwatch away from the user's real data and settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis fails an example that takes longer than 200 ms by default: a wall-clock limit
# that a loaded machine breaks. Growth is checked by the scaling tests (tests/growth.py).
settings.register_profile("aiwatch", deadline=None)
# On CI (`CI` set, as .ci/run does) the examples are the same on every run: a landing does not
# depend on which random inputs a clean machine happens to draw. Runs elsewhere keep exploring
# (and save what they find in .hypothesis/), which is how new cases are found.
settings.register_profile("ci", deadline=None, derandomize=True, database=None)
settings.load_profile("ci" if os.environ.get("CI") else "aiwatch")

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SEED_000 = SEEDS / "000_c10daa536b93aa76.txt"
SEED_002 = SEEDS / "002_c41b6d65e56e1798.txt"


@pytest.fixture(autouse=True)
def _private_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point every aiwatch location (and platformdirs' XDG roots) into a temporary folder."""
    root = tmp_path_factory.mktemp("aiwatch-home")
    monkeypatch.setenv("AIWATCH_DB", str(root / "data" / "aiwatch.db"))
    monkeypatch.setenv("AIWATCH_CACHE_DIR", str(root / "cache"))
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(root / "config"))
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(root / name.lower()))
    monkeypatch.setenv("HOME", str(root / "home"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return root
