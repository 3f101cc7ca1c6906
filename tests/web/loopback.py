"""A real HTTP server on loopback for the web tests: routes, recorded requests, concurrency.

A stdlib `ThreadingHTTPServer` in a thread, bound to 127.0.0.x only. Each route answers with
a `Reply` (or a function of the request giving one). It records every request (path,
headers, Host) and counts the requests in progress, overall and per host name, so a test
can check the client's limits. Slow replies wait on an event that `close()` sets, so
teardown never waits for a sleeping handler.
"""

from __future__ import annotations

import gzip
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line (a slow server)
    stall_after_headers: float = 0.0  # seconds between the headers and the body
    gzip: bool = False
    send_length: bool = True


@dataclass(frozen=True)
class Seen:
    path: str
    host: str
    headers: dict[str, str]


Route = Reply | Callable[[Seen], Reply]


class LoopbackServer:
    def __init__(self, host: str = "127.0.0.1", stats: ServerStats | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.stats = stats or ServerStats()
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                server._handle(self)

        self.httpd = _QuietServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.host: str = host
        self.port: int = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, reply: Route) -> str:
        self.routes[path] = reply
        return self.url(path)

    def hits(self, path: str) -> list[Seen]:
        return [seen for seen in self.stats.requests if seen.path.split("?")[0] == path]

    def close(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        host = (handler.headers.get("Host") or "").rsplit(":", 1)[0]
        seen = Seen(handler.path, host, {k.lower(): v for k, v in handler.headers.items()})
        self.stats.enter(seen)
        try:
            route = self.routes.get(handler.path.split("?")[0]) or Reply(404, b"not here")
            reply = route(seen) if callable(route) else route
            if reply.delay and self.stopping.wait(reply.delay):
                return
            body = gzip.compress(reply.body) if reply.gzip else reply.body
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            if reply.send_length:
                handler.send_header("Content-Length", str(len(body)))
            else:
                handler.send_header("Connection", "close")
            if reply.gzip:
                handler.send_header("Content-Encoding", "gzip")
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            if reply.stall_after_headers and self.stopping.wait(reply.stall_after_headers):
                return
            if reply.status != 304:
                try:
                    handler.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a cap or a timeout): expected in those tests
            if not reply.send_length:
                handler.close_connection = True
        finally:
            self.stats.leave(seen)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hung up (a cap reached, a timeout, a cancelled run) is expected in
        # these tests; anything else is printed as usual.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class ServerStats:
    """Requests seen and how many were in progress at once, shared by several servers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[Seen] = []
        self.active = 0
        self.peak = 0
        self.active_by_host: Counter[str] = Counter()
        self.peak_by_host: Counter[str] = Counter()

    def enter(self, seen: Seen) -> None:
        with self.lock:
            self.requests.append(seen)
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.active_by_host[seen.host] += 1
            self.peak_by_host[seen.host] = max(
                self.peak_by_host[seen.host], self.active_by_host[seen.host]
            )

    def leave(self, seen: Seen) -> None:
        with self.lock:
            self.active -= 1
            self.active_by_host[seen.host] -= 1
