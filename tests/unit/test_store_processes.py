"""The store shared with other processes: SIGKILL at random moments, concurrent writers."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import aiwatch_tui
from aiwatch_tui.core.store import Store

CHILD = Path(__file__).with_name("store_child.py")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and permissions")


def child_env() -> dict[str, str]:
    # The child must import the same aiwatch_tui as this test (a checkout or an install).
    package_root = str(Path(aiwatch_tui.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return env


def start_child(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )


def complete_lines(output: str) -> list[str]:
    # Only a line with its newline was fully reported; anything after the last one is a torso.
    return output.split("\n")[:-1]


def raw_integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


@pytest.mark.slow
def test_every_reported_highlight_survives_sigkill_at_random_moments(tmp_path: Path) -> None:
    db = tmp_path / "data" / "aiwatch.db"
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    reported: list[str] = []
    for round_number in range(15):
        child = start_child("crash", db)
        assert child.stdout is not None
        before_kill = ""
        # Most rounds kill mid-writing; every third may land in start-up or migration instead.
        if round_number % 3 != 2:
            before_kill = child.stdout.readline()
            assert before_kill == "ready\n", child.communicate()[1]
        time.sleep(rng.uniform(0.05, 0.3))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL, f"child failed by itself: {err}"
        reported += [line for line in complete_lines(before_kill + out) if line != "ready"]

    assert len(reported) >= 20, f"too few writes to prove anything (seed {seed})"
    with Store(db) as store:
        stored = {h.id for h in store.highlights()}
        assert store.integrity_check() == "ok"
    missing = [i for i in reported if i not in stored]
    assert missing == [], f"{len(missing)} committed highlights lost (seed {seed})"
    assert raw_integrity(db) == "ok"


def test_two_processes_creating_and_writing_at_once_both_succeed(tmp_path: Path) -> None:
    per_child = 40
    for round_number in range(3):
        db = tmp_path / f"round{round_number}" / "aiwatch.db"  # fresh: both race to create it
        start_at = time.time() + 0.6
        children = [start_child("write", db, per_child, start_at, tag) for tag in ("a", "b")]
        results = [child.communicate(timeout=60) for child in children]
        for child, (_, err) in zip(children, results, strict=True):
            assert child.returncode == 0, err
            assert err == ""
        reported = [line for out, _ in results for line in complete_lines(out)]
        assert len(reported) == 2 * per_child
        with Store(db) as store:
            assert sorted(h.id for h in store.highlights()) == sorted(reported)
            assert store.integrity_check() == "ok"


def test_changed_elsewhere_notices_another_process(tmp_path: Path) -> None:
    db = tmp_path / "aiwatch.db"
    with Store(db) as store:
        assert not store.changed_elsewhere()
        out, err = start_child("touch", db).communicate(timeout=30)
        assert err == ""
        (new_id,) = complete_lines(out)
        assert store.changed_elsewhere()
        assert store.highlight(new_id) is not None
        assert not store.changed_elsewhere()
