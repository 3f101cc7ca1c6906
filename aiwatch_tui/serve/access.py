"""Who may open the served app.

On a loopback address only this machine can connect, but any web page open in the user's
browser could still try: a WebSocket is not bound by the same-origin policy, and a page can
point its own name at 127.0.0.1 (DNS rebinding). So every request must come from a page this
server served (an `Origin` header, when there is one, names the same host and port as the
request) and, on loopback, name the server by a loopback host.

Anywhere else, anyone who can reach the port could read and change the user's annotations,
so every request must also carry the token made for this run: `?token=` in the URL that
`aiwatch serve` prints, or the cookie the page sets when it is opened with that URL (the
page's script, stylesheet and WebSocket come back with the cookie, not the query).
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from yarl import URL

TOKEN_PARAMETER = "token"
LOOPBACK_NAMES = ("localhost",)


class UnknownHost(Exception):
    """The host to listen on is neither an address nor a name that resolves."""


def is_loopback_host(host: str) -> bool:
    """Whether every address `host` stands for is a loopback one (127.0.0.0/8, ::1).
    Raises UnknownHost for a name that does not resolve."""
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise UnknownHost(error.strerror or str(error)) from None
    except UnicodeError:  # an empty or overlong label ("127.0.0..1")
        raise UnknownHost("not a valid host name") from None
    except OSError as error:
        raise UnknownHost(str(error)) from None
    addresses = {str(info[4][0]) for info in found}
    return bool(addresses) and all(_is_loopback_address(address) for address in addresses)


def _is_loopback_address(text: str) -> bool:
    try:
        # An IPv6 scope ("fe80::1%eth0") is not part of the address.
        return ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _names_loopback(host: str | None) -> bool:
    """Whether a Host header's name is a loopback one without asking DNS (which a page could
    rebind): an address literal, `localhost` or a name under `.localhost` (RFC 6761)."""
    if not host:
        return False
    name = host.rstrip(".").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    return _is_loopback_address(name)


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Access:
    """The rules for one run: `token` None means loopback only, without a token."""

    token: str | None
    cookie_name: str

    def refusal(self, request: web.Request) -> str | None:
        """Why `request` is refused, or None."""
        origin = request.headers.get("Origin")
        try:
            if origin is not None and not _same_origin(URL(origin), request.url):
                return "a page from another site may not open aiwatch"
        except ValueError:  # an Origin or Host that is no URL
            return "a malformed Origin or Host"
        if self.token is None:
            if not _names_loopback(request.url.host):
                return "aiwatch serve answers only to localhost and loopback addresses"
            return None
        offered = request.query.get(TOKEN_PARAMETER) or request.cookies.get(self.cookie_name)
        if offered is None or not secrets.compare_digest(offered, self.token):
            return "this address needs the token in the URL that `aiwatch serve` printed"
        return None

    def middleware(self) -> Middleware:
        @web.middleware
        async def check_access(request: web.Request, handler: Handler) -> web.StreamResponse:
            problem = self.refusal(request)
            if problem is not None:
                raise web.HTTPForbidden(text=f"403 Forbidden: {problem}\n")
            response = await handler(request)
            if self.token is not None and TOKEN_PARAMETER in request.query:
                if not response.prepared:  # a WebSocket has sent its headers already
                    # The page's own requests (script, stylesheet, WebSocket) carry this.
                    response.set_cookie(
                        self.cookie_name,
                        self.token,
                        httponly=True,
                        samesite="Strict",
                        path="/",
                    )
            return response

        return check_access


def _same_origin(origin: URL, target: URL) -> bool:
    if not origin.is_absolute() or origin.host is None:  # "null": a sandboxed or file page
        return False
    return (origin.scheme, origin.host.lower(), origin.port) == (
        target.scheme,
        (target.host or "").lower(),
        target.port,
    )
