"""Fixtures for the web tests: a loopback server and a client policy with small limits."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiwatch_tui.core.web.http import FetchPolicy
from tests.web.loopback import LoopbackServer


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    running = LoopbackServer()
    yield running
    running.close()


@pytest.fixture
def policy() -> FetchPolicy:
    """The product's rules with waits short enough for a test (no proxies from the env)."""
    return FetchPolicy(
        connect_timeout=2.0,
        total_timeout=5.0,
        backoff=0.01,
        max_retry_wait=1.0,
        trust_env=False,
    )


@pytest.fixture
def db_path() -> Path:
    """The database the CLI and the app use in a test (set by tests/conftest.py)."""
    return Path(os.environ["AIWATCH_DB"])
