"""Fixtures shared by the UI tests: apps built as the command line builds them (make_app), each
on a database of the test's own (tests/conftest.py keeps every other location private too)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from aiwatch_tui.ui.app import AiwatchApp, make_app

AppFactory = Callable[..., AiwatchApp]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The test's database (not created until an app or a store opens it)."""
    return tmp_path / "a.db"


@pytest.fixture
def new_app(db: Path) -> AppFactory:
    """Build an app on the paths given (none: the bundled articles and the library), with the
    test's database; calling it again builds another on the same database (a relaunch)."""

    def build(*targets: Path) -> AiwatchApp:
        return make_app(list(targets), db_path=db)

    return build
