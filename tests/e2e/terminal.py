"""A real pseudo-terminal for end-to-end tests: run a command, type keys, read the screen.

The screen is emulated with pyte; every byte the program wrote is also kept so tests can
check what reached the terminal.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Mapping, Sequence

import pyte


class Terminal:
    def __init__(
        self,
        argv: Sequence[str],
        *,
        cols: int = 80,
        rows: int = 24,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self._lock = threading.Lock()
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": str(cols),
            "LINES": str(rows),
        }
        full_env.update(env or {})
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._fd = master
        self._done = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._done.is_set():
            ready, _, _ = select.select([self._fd], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._fd, 65536)
            except OSError:
                break
            if not data:
                break
            with self._lock:
                self.raw += data
                self.stream.feed(data)
        self._done.set()

    def text(self) -> str:
        with self._lock:
            return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, pattern: str, *more: str, timeout: float = 15.0) -> str:
        """Wait until the screen matches `pattern` and every one of `more` (multiline regexes);
        return the screen. Ask for everything a test then looks at: a frame can reach the
        terminal in pieces, and what matched first may be on screen before the rest."""
        regexes = [re.compile(p, re.MULTILINE) for p in (pattern, *more)]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.text()
            if all(regex.search(screen) for regex in regexes):
                return screen
            if self.process.poll() is not None and self._done.is_set():
                break
            time.sleep(0.05)
        raise AssertionError(f"screen never matched {pattern!r}; it shows:\n{self.text()}")

    def send(self, keys: str | bytes) -> None:
        os.write(self._fd, keys.encode() if isinstance(keys, str) else keys)

    def wait_exit(self, timeout: float = 10.0) -> int:
        return self.process.wait(timeout=timeout)

    def hang_up(self) -> None:
        """Close the terminal side, as a closed window or a dropped link does, with no signal
        sent (the program does not have this terminal as its controlling one)."""
        self._done.set()
        self._reader.join(timeout=2)
        os.close(self._fd)
        self._fd = -1

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=3)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=3)
        self._done.set()
        self._reader.join(timeout=2)
        if self._fd >= 0:
            os.close(self._fd)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
