"""`aiwatch serve` run for real, and headless Chromium (Debian's package, through Playwright)
looking at its page.

xterm.js draws the app on a canvas, so the page's text is not in the DOM: the screen a test
reads is rebuilt with pyte from the bytes the page's WebSocket received, which are exactly
what xterm.js drew. Screenshots show the page as a person sees it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pyte
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Playwright, WebSocket

T = TypeVar("T")

AIWATCH = str(Path(sys.executable).with_name("aiwatch"))
# Kept after the run (ignored by git): the screenshots of the page.
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# This machine's notes: without the background-networking flags Chromium's own connections
# (updates, sync) are refused here and slow everything down.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WINDOW = {"width": 1280, "height": 800}  # a laptop's browser window


def chromium_or_skip() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium; .ci/run does)")
    pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    return found


class ServedApp:
    """`aiwatch serve ARGS` in the background; `url` is the link it printed."""

    def __init__(self, args: Sequence[str], *, env: Mapping[str, str], logs: Path) -> None:
        # Files, not pipes: nothing the server or its apps write can fill a pipe and stall them.
        logs.mkdir(parents=True, exist_ok=True)
        self._out, self._err = logs / "serve.out", logs / "serve.err"
        with self._out.open("wb") as out, self._err.open("wb") as err:
            self.process = subprocess.Popen(
                [AIWATCH, "serve", *args], stdout=out, stderr=err, env={**os.environ, **env}
            )
        self.url = self._first_line(timeout=30.0)

    def _first_line(self, timeout: float) -> str:
        poll(lambda: "\n" in self._read(self._out) or self.process.poll() is not None, timeout)
        first, newline, _ = self._read(self._out).partition("\n")
        if not newline:
            self.stop()
            raise AssertionError(f"aiwatch serve printed no link; stderr: {self.stderr()}")
        return first.strip()

    @staticmethod
    def _read(path: Path) -> str:
        return path.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self._read(self._err)

    def stop(self) -> int:
        """Ctrl+C, as a person stops it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def __enter__(self) -> ServedApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class BrowserPage:
    """One Chromium tab, with a fresh profile, and the screen its WebSocket drew."""

    def __init__(self, chromium: str, profile: Path) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright: Playwright = sync_playwright().start()
        self.context: BrowserContext = self._playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium,
            headless=True,
            args=list(CHROMIUM_FLAGS),
            viewport=WINDOW,  # type: ignore[arg-type]  # a TypedDict; a plain dict is fine
        )
        self.page: Page = self.context.new_page()
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("websocket", self._watch)

    def _watch(self, websocket: WebSocket) -> None:
        size = re.search(r"width=(\d+)&height=(\d+)", websocket.url)
        if size:
            self.screen.resize(int(size[2]), int(size[1]))
        websocket.on("framereceived", self._received)
        websocket.on("framesent", self._sent)

    def _received(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):  # the app's output; text frames are textual-serve's
            self.stream.feed(payload)

    def _sent(self, payload: str | bytes) -> None:
        message = json.loads(payload)
        if message[0] == "resize":
            self.screen.resize(message[1]["height"], message[1]["width"])

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, *patterns: str, timeout: float = 30.0) -> str:
        """Wait until the screen matches every pattern (multiline regexes); return it."""
        regexes = [re.compile(p, re.MULTILINE) for p in patterns]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.text()
            if all(regex.search(screen) for regex in regexes):
                return screen
            self.page.wait_for_timeout(50)  # lets Playwright deliver the frames meanwhile
        raise AssertionError(f"the page never showed {patterns!r}; it shows:\n{self.text()}")

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        # What pyte has, xterm.js has too; it is painted on the canvas by the next frames.
        self.page.evaluate(
            "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
        )
        self.page.screenshot(path=str(path))
        print(f"screenshot of the page: {path}")
        return path

    def close(self) -> None:
        self.context.close()
        self._playwright.stop()

    def __enter__(self) -> BrowserPage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def poll(query: Callable[[], T], timeout: float = 20.0) -> T:
    """Call `query` until it returns something truthy (what another process writes may take
    a moment); return the last answer."""
    deadline = time.monotonic() + timeout
    answer = query()
    while not answer and time.monotonic() < deadline:
        time.sleep(0.1)
        answer = query()
    return answer
