"""aiwatch in a real pseudo-terminal, measured with the workplace's ttfp.py (pyte in a pty).

A launch counts once its first *complete* frame is on screen: the title line, the bottom text
line of the first page and the Footer. What those lines say is learnt first from the settled
screen of the same launch (`complete_frame`), so the measurement waits for exactly that
frame, not for the first line of text.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
# The workplace's tools, in shared/tools beside the repository (or one level further up, for
# a worktree), or where AIWATCH_TOOLS_DIR points.
_TOOL_DIRS = [Path(os.environ["AIWATCH_TOOLS_DIR"])] if os.environ.get("AIWATCH_TOOLS_DIR") else []
_TOOL_DIRS += [up / "shared" / "tools" for up in (REPO.parent, REPO.parent.parent)]
TOOLS = next((folder for folder in _TOOL_DIRS if (folder / "ttfp.py").is_file()), _TOOL_DIRS[0])
TTFP = TOOLS / "ttfp.py"
COLUMNS, ROWS = 100, 30
FOOTER = r"\^p palette"
# Scroll bar glyphs at a pane's right edge: not text of the page.
_SCROLLBAR = "▁▂▃▄▅▆▇█▔▕▏▐"


def available() -> bool:
    return TTFP.is_file()


def _ttfp_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ttfp", TTFP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def settled_screen(cmd: list[str], env: dict[str, str], settle: float = 2.0) -> list[str]:
    """The screen's lines once a launch has shown its Footer and drawn nothing new for
    `settle` seconds (at most 60 s in all)."""
    ttfp = _ttfp_module()
    args = argparse.Namespace(
        cols=COLUMNS,
        rows=ROWS,
        cmd=cmd,
        env=[f"{name}={value}" for name, value in env.items()],
        quit_keys=r"\x11",
        grace=1.0,
    )
    run = ttfp.Run(args)
    try:
        run.wait_for(re.compile(FOOTER), time.perf_counter() + 60)
        deadline = time.perf_counter() + 60
        last: str = run.text()
        quiet_since = time.perf_counter()
        while time.perf_counter() < deadline and time.perf_counter() - quiet_since < settle:
            time.sleep(0.1)
            run.pump()
            now = run.text()
            if now != last:
                last, quiet_since = now, time.perf_counter()
        return last.split("\n")
    finally:
        run.close()


def _reader_part(line: str) -> str:
    """What a screen line shows in the reading pane (right of the list's border, if any)."""
    part = line.rsplit("│", 1)[-1]
    return part.rstrip().rstrip(_SCROLLBAR).strip()


def frame_pattern(lines: list[str]) -> str:
    """A regex that matches a screen only once it shows the title line, the last line of
    text above the Footer (and status line) and the Footer of the settled screen `lines`."""
    title = re.split(r"\s{2,}", lines[0].strip())[0]
    bottom = ""
    for line in reversed(lines[1:-1]):
        bottom = _reader_part(line)
        if "▌" in bottom:  # a notification over the page: the line above is the page's
            bottom = ""
        if bottom:
            break
    parts = [re.escape(text) for text in (title, bottom) if text]
    return "(?s)" + "".join(f"(?=.*{part})" for part in parts) + f".*{FOOTER}"


def complete_frame(cmd: list[str], env: dict[str, str]) -> str:
    return frame_pattern(settled_screen(cmd, env))


@dataclass
class Launch:
    """One measured launch (ttfp.py --runs 1)."""

    seconds: float  # to the first complete frame (nan: never)
    peak_mib: float | None  # VmHWM at the end of the run (first paint, or after the keys)
    stop: str  # how it stopped: "quit-keys" (ctrl+q within a second), "SIGTERM", ...
    after: float | None = None  # seconds from the keys to --expect-after (None: never)


def launch(
    cmd: list[str],
    env: dict[str, str],
    expect: str,
    *,
    keys: str | None = None,
    expect_after: str | None = None,
    key_delay: float = 0.5,
    timeout: float = 60.0,
) -> Launch:
    options = [
        "--cols", str(COLUMNS), "--rows", str(ROWS), "--runs", "1", "--rss",
        "--timeout", str(timeout), "--expect", expect,
    ]  # fmt: skip
    if keys is not None:
        options += ["--keys", keys, "--key-delay", str(key_delay)]
    if expect_after is not None:
        options += ["--expect-after", expect_after]
    out = subprocess.run(
        [sys.executable, str(TTFP), *options, "--", *cmd],
        capture_output=True,
        text=True,
        env=env,
        timeout=4 * timeout + 30,
    ).stdout
    seconds = re.search(r"ttfp_median_s=([0-9.]+|nan)", out)
    peaks = [float(x) for x in re.findall(r"_mib: median=[0-9.]+ max=([0-9.]+)", out)]
    stop = re.search(r"stop=(\S+)", out)
    after = re.search(r"after_median_s=([0-9.]+)", out)
    return Launch(
        float(seconds.group(1)) if seconds else float("nan"),
        max(peaks) if peaks else None,
        stop.group(1) if stop else "?",
        float(after.group(1)) if after else None,
    )
