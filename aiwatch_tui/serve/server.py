"""The reader in a web page: an aiohttp server around textual-serve.

textual-serve does the part worth reusing: for each browser tab that opens the WebSocket it
starts the `aiwatch` command with Textual's web driver and relays keys, mouse, resizes and
screen updates (xterm.js draws them in the page). Two tabs are two aiwatch instances, which
the store keeps safe. Around it this module adds what aiwatch needs: the app started with
the user's own database, cache and config folders and PATHs; the access rules of
`access.py` on every request; a page that loads nothing from another site; and one line,
not a traceback, when the port or the host cannot be used.
"""

from __future__ import annotations

import asyncio
import errno
import html
import os
import shlex
import signal
import socket
import string
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from textual_serve.server import Server

from aiwatch_tui.paths import CACHE_DIR_ENV, CONFIG_DIR_ENV, DB_ENV, Paths
from aiwatch_tui.serve.access import Access, UnknownHost, is_loopback_host, new_token

PAGE = Path(__file__).with_name("page.html")
PAGE_STATIC = Path(__file__).with_name("static")
DEFAULT_FONT_SIZE = 16
# How long a stop waits for open pages before their apps are told to quit: each app then
# saves its reading position and exits.
SHUTDOWN_GRACE_S = 0.5

WARNING = (
    "warning: {where} is reachable from other machines: anyone who can reach port {port} "
    "can read and change your annotations; the link carries a token made for this run, "
    "share it only with those you trust"
)


class ServeError(Exception):
    """The server cannot start; the message is one line for the user."""


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    paths: Paths
    targets: Sequence[Path]
    always_token: bool = False  # on loopback too: other accounts on the machine reach it


def app_command(targets: Sequence[Path]) -> str:
    """The shell command textual-serve runs for each page: this Python, this aiwatch, the
    same PATHs (absolute: the server's working folder is not the user's concern)."""
    argv = [sys.executable, "-m", "aiwatch_tui"]
    if targets:
        # "--" keeps a file named like a subcommand or an option a PATH.
        argv += ["--", *(str(target.absolute()) for target in targets)]
    # textual-serve runs it through a shell: `exec` makes the app that shell's process, so
    # that it is the app that a signal or the end of the server reaches.
    return "exec " + shlex.join(argv)


def app_environment(paths: Paths) -> dict[str, str]:
    """The variables that make the app find the same files as this command resolved (from
    --db, the environment or the platform's folders)."""
    return {
        DB_ENV: str(paths.db),
        CACHE_DIR_ENV: str(paths.cache_dir),
        CONFIG_DIR_ENV: str(paths.config_dir),
    }


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _public_host(host: str) -> str:
    """The name to print in the link: a wildcard address is no place to browse to."""
    if host in ("", "0.0.0.0", "::"):
        return socket.gethostname()
    return host


class PageServer:
    """One run of `aiwatch serve`."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.loopback = is_loopback_host(options.host)
        token = new_token() if options.always_token or not self.loopback else None
        self.access = Access(token=token, cookie_name=f"aiwatch-{new_token()[:8]}")
        # textual-serve's Server is used for its handlers only: the WebSocket that runs an
        # app per page, the downloads an app offers, and the static files (xterm.js).
        self.textual = Server(app_command(options.targets), title="aiwatch")
        self.page = string.Template(PAGE.read_text(encoding="utf-8"))
        self.port = options.port

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.access.middleware()])
        app.add_routes(
            [
                web.get("/", self.handle_page),
                web.get("/ws", self.textual.handle_websocket),
                web.get("/download/{key}", self.textual.handle_download),
                web.static("/static", self.textual.statics_path),
                web.static("/aiwatch", PAGE_STATIC),
            ]
        )
        return app

    async def handle_page(self, request: web.Request) -> web.Response:
        scheme = "wss" if request.secure else "ws"
        try:
            font_size = int(request.query.get("fontsize", DEFAULT_FONT_SIZE))
        except ValueError:
            font_size = DEFAULT_FONT_SIZE
        values = {
            "websocket_url": f"{scheme}://{request.host}/ws",
            "font_size": str(max(6, min(font_size, 64))),
        }
        body = self.page.substitute({k: html.escape(v, quote=True) for k, v in values.items()})
        return web.Response(text=body, content_type="text/html", headers=_PAGE_HEADERS)

    def url(self) -> str:
        base = f"http://{_url_host(_public_host(self.options.host))}:{self.port}/"
        token = self.access.token
        return base if token is None else f"{base}?token={token}"

    async def run(self) -> None:
        """Listen, say where, and serve until SIGINT or SIGTERM."""
        runner = web.AppRunner(self.make_app(), handle_signals=False, access_log=None)
        await runner.setup()
        host = self.options.host or None
        site = web.TCPSite(runner, host, self.options.port, shutdown_timeout=SHUTDOWN_GRACE_S)
        try:
            try:
                await site.start()
            except OSError as error:
                raise ServeError(self._bind_failure(error)) from None
            for address in runner.addresses:  # the port the system chose for --port 0
                self.port = int(address[1])
            self._announce()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            await stop.wait()
        finally:
            await runner.cleanup()

    def _bind_failure(self, error: OSError) -> str:
        where = f"{_url_host(self.options.host)}:{self.options.port}"
        # aiohttp wraps the system's words in its own ("error while attempting to bind...").
        why = os.strerror(error.errno).lower() if error.errno else str(error)
        if error.errno == errno.EADDRINUSE:
            why += " (another program listens there: choose another with --port)"
        return f"cannot listen on {where}: {why}"

    def _announce(self) -> None:
        if not self.loopback:
            where = _url_host(self.options.host) or "every address"
            print(f"aiwatch: {WARNING.format(where=where, port=self.port)}", file=sys.stderr)
        print(
            "aiwatch: each page opened runs its own aiwatch on your annotations; "
            "Ctrl+C stops the server",
            file=sys.stderr,
        )
        print(self.url(), flush=True)


# The page loads nothing from elsewhere, and no other site may frame it (a framed page could
# be made to take the user's keys).
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def serve(options: ServeOptions) -> None:
    """Run the server until stopped. Raises ServeError with a line for the user."""
    try:
        server = PageServer(options)
    except UnknownHost as error:
        where = options.host or "''"
        raise ServeError(f"cannot listen on {where}: {str(error).lower()}") from None
    # The apps this server starts inherit its environment: give them the same files.
    os.environ.update(app_environment(options.paths))
    asyncio.run(server.run())
