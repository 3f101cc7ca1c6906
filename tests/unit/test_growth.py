"""The cost checks the suite uses instead of wall-clock limits can fail, and fail for the
right reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.growth import LINEAR_GROWTH_LIMIT, assert_linear, bytes_read_by, growth, without_blocking


def _linear(n: int) -> int:
    return sum(range(n * 50))


def _quadratic(n: int) -> int:
    return sum(1 for _ in range(n) for _ in range(n // 50))


def test_linear_work_passes_and_quadratic_work_fails() -> None:
    assert_linear(_linear, 5_000)
    # n is large enough (80,000 steps against 1,280,000) that fixed costs do not flatten
    # the ratio, which should be 16; what matters is that it clears the linear limit.
    assert growth(_quadratic, 2_000) > LINEAR_GROWTH_LIMIT
    with pytest.raises(AssertionError, match="4x the input cost"):
        assert_linear(_quadratic, 2_000)


def test_bytes_read_are_counted(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 4_000_000)
    assert bytes_read_by(big.read_bytes) >= 4_000_000
    assert bytes_read_by(lambda: big.stat()) < 100_000


def test_a_call_that_blocks_fails_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert without_blocking(lambda: 42) == 42
    with pytest.raises(ValueError, match="raised inside"):
        without_blocking(lambda: int("raised inside"))
    with pytest.raises(AssertionError, match="blocked"):
        without_blocking(lambda: open(fifo).read(), patience=0.5)  # no writer: blocks for ever
    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # release the blocked reader
