"""The one HTTP client aiwatch fetches with, and the rules it keeps.

Every fetch goes through `WebClient.fetch`, which holds the policies the user can rely on:
only http(s) (every redirect target is checked again), at most 5 redirects, conditional
requests (ETag / Last-Modified: a 304 costs no body and no parsing), gzip/deflate/brotli
decoded here with the size cap counted on the DECOMPRESSED bytes (a gzip bomb stops at the
cap, whatever its ratio), a connect timeout and a deadline for the whole response, retries
with backoff on 5xx and 429 that honour Retry-After within a budget, at most 2 requests at
once per host and 8 overall, and an honest User-Agent. A failure is never an exception: the
result says why in one line that names the URL.

httpx is imported when a client is made, not with this module, so `aiwatch list` and the
app's start-up do not pay for it.
"""

from __future__ import annotations

import asyncio
import codecs
import re
import zlib
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Protocol

from aiwatch_tui import __version__
from aiwatch_tui.core.text.sanitize import one_line
from aiwatch_tui.core.web.urls import is_fetchable, join

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"aiwatch/{__version__} (terminal feed reader and annotator)"
MB = 1024 * 1024
FEED_CAP = 10 * MB
PAGE_CAP = 5 * MB

Kind = Literal["feed", "page"]

_ACCEPT = {
    "feed": (
        "application/rss+xml, application/atom+xml, application/feed+json, "
        "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
        "application/json;q=0.8, */*;q=0.5"
    ),
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """The limits of one client; tests pass small values, the defaults are the product's."""

    connect_timeout: float = 10.0
    total_timeout: float = 30.0  # the whole response, headers to last byte, per attempt
    max_redirects: int = 5
    feed_cap: int = FEED_CAP
    page_cap: int = PAGE_CAP
    retries: int = 2  # further attempts after a 5xx or 429
    backoff: float = 1.0  # first wait before a retry; doubles each time
    max_retry_wait: float = 60.0  # a Retry-After longer than this is not waited for
    per_host: int = 2
    overall: int = 8
    user_agent: str = USER_AGENT
    trust_env: bool = True  # honour HTTP(S)_PROXY / NO_PROXY like other tools


@dataclass(frozen=True, slots=True)
class FetchResult:
    url_requested: str
    url_final: str
    status: int  # the last HTTP status; 0 when no response arrived
    permanent_redirect: str | None = None  # where a permanent redirect chain led
    not_modified: bool = False
    body: bytes = b""
    content_type: str = ""
    charset: str | None = None  # the header's charset, when it names one Python knows
    etag: str = ""
    last_modified: str = ""
    error: str | None = None  # one line naming the URL and saying what went wrong

    @property
    def ok(self) -> bool:
        return self.error is None


def _describe(url: str) -> str:
    """A URL safe for a one-line message (it came from the web or the user)."""
    text = one_line(url)
    return text if len(text) <= 200 else text[:199] + "\u2026"


def charset_of(content_type: str) -> str | None:
    """The charset a Content-Type header names, when Python has a codec for it."""
    match = _CHARSET.search(content_type)
    if match is None:
        return None
    try:
        return codecs.lookup(match.group(1)).name
    except LookupError:
        return None


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A Retry-After header as seconds from `now` (a POSIX time; the clock when None):
    delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    from datetime import UTC
    from time import time

    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time() if now is None else now))


# ------------------------------------------------------------------ content decoding


class TooLarge(Exception):
    pass


class _Stage(Protocol):
    def feed(self, data: bytes, limit: int) -> bytes: ...


class _ZlibStage:
    """gzip or deflate: never produces more than `limit` bytes from one chunk."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._decoder = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        out = bytearray()
        while data:
            try:
                piece = self._decoder.decompress(data, limit - len(out) + 1)
            except zlib.error:
                # "deflate" is meant as zlib-wrapped but often sent raw: retry once as raw.
                if self._wbits == zlib.MAX_WBITS and not self._started:
                    self._wbits = -zlib.MAX_WBITS
                    self._decoder = zlib.decompressobj(self._wbits)
                    continue
                raise
            self._started = True
            out += piece
            if len(out) > limit:
                raise TooLarge
            data = self._decoder.unconsumed_tail
            if not data and self._decoder.eof and self._decoder.unused_data:
                # Another gzip member follows (concatenated gzip files are valid gzip).
                data = self._decoder.unused_data
                self._decoder = zlib.decompressobj(self._wbits)
        return bytes(out)


class _BrotliStage:
    def __init__(self) -> None:
        import brotli

        self._decoder = brotli.Decompressor()

    def feed(self, data: bytes, limit: int) -> bytes:
        out = bytes(self._decoder.process(data, output_buffer_limit=limit + 1))
        if len(out) > limit:
            raise TooLarge
        return out


def _brotli_available() -> bool:
    try:
        import brotli
    except ImportError:
        return False
    return hasattr(brotli, "Decompressor")


class UnsupportedEncoding(Exception):
    pass


def _stages(content_encoding: str) -> list[_Stage]:
    """Decoders for a Content-Encoding header, in the order they undo it."""
    names = [name.strip().lower() for name in content_encoding.split(",") if name.strip()]
    stages: list[_Stage] = []
    for name in reversed(names):
        if name in ("gzip", "x-gzip"):
            stages.append(_ZlibStage(16 + zlib.MAX_WBITS))
        elif name == "deflate":
            stages.append(_ZlibStage(zlib.MAX_WBITS))
        elif name == "br" and _brotli_available():
            stages.append(_BrotliStage())
        elif name != "identity":
            raise UnsupportedEncoding(name)
    return stages


# ------------------------------------------------------------------ the client


class _Failure(Exception):
    """One fetch failed for a reason the result states."""

    def __init__(
        self,
        message: str,
        status: int = 0,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.retryable = status in _RETRY_STATUSES if retryable is None else retryable


@dataclass
class _Limits:
    overall: asyncio.Semaphore
    per_host: int
    hosts: dict[str, asyncio.Semaphore] = field(default_factory=dict)

    def host(self, url: str) -> asyncio.Semaphore:
        from urllib.parse import urlsplit

        key = (urlsplit(url).hostname or "").lower()
        if key not in self.hosts:
            self.hosts[key] = asyncio.Semaphore(self.per_host)
        return self.hosts[key]


class WebClient:
    """An async HTTP client that keeps aiwatch's fetching rules. Use as `async with`."""

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self._client: httpx.AsyncClient | None = None
        self._limits = _Limits(asyncio.Semaphore(self.policy.overall), self.policy.per_host)
        self._accept_encoding = "gzip, deflate, br" if _brotli_available() else "gzip, deflate"

    async def __aenter__(self) -> WebClient:
        import httpx

        policy = self.policy
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(
                policy.total_timeout, connect=policy.connect_timeout, pool=policy.total_timeout
            ),
            limits=httpx.Limits(
                max_connections=policy.overall, max_keepalive_connections=policy.overall
            ),
            follow_redirects=False,  # each hop is checked here (scheme, count, loop)
            trust_env=policy.trust_env,
            headers={"User-Agent": policy.user_agent},
            event_hooks={"response": [_stop_at_redirect]},
        )
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(
        self, url: str, *, kind: Kind, etag: str = "", last_modified: str = ""
    ) -> FetchResult:
        """GET `url` under the policies; never raises for anything the network does."""
        policy = self.policy
        if not is_fetchable(url):
            return FetchResult(
                url, url, 0, error=f"{_describe(url)}: not an http(s) address, not fetched"
            )
        waited = 0.0
        attempt = 0
        while True:
            try:
                return await self._follow(url, kind, etag, last_modified)
            except _Failure as failure:
                if not failure.retryable or attempt >= policy.retries:
                    return FetchResult(url, url, failure.status, error=str(failure))
                wait = policy.backoff * (2**attempt)
                if failure.retry_after is not None:
                    wait = max(wait, failure.retry_after)
                if waited + wait > policy.max_retry_wait:
                    return FetchResult(url, url, failure.status, error=str(failure))
                attempt += 1
                waited += wait
                await asyncio.sleep(wait)

    async def _follow(self, url: str, kind: Kind, etag: str, last_modified: str) -> FetchResult:
        seen = {url}
        current = url
        permanent: str | None = None
        all_permanent = True
        for _hop in range(self.policy.max_redirects + 1):
            response = await self._get(current, kind, etag, last_modified)
            if not isinstance(response, _Redirect):
                return _result_with(response, url, current, permanent)
            target = join(current, response.location)
            if not is_fetchable(target):
                raise _Failure(
                    f"{_describe(url)}: redirected to {_describe(target)}, "
                    "which is not an http(s) address: not followed",
                    response.status,
                )
            if target in seen:
                raise _Failure(f"{_describe(url)}: redirect loop at {_describe(target)}")
            seen.add(target)
            all_permanent = all_permanent and response.status in _PERMANENT
            if all_permanent:
                permanent = target
            current = target
        raise _Failure(f"{_describe(url)}: more than {self.policy.max_redirects} redirects")

    async def _get(
        self, url: str, kind: Kind, etag: str, last_modified: str
    ) -> _Redirect | FetchResult:
        import httpx

        assert self._client is not None, "WebClient used outside `async with`"
        headers = {"Accept": _ACCEPT[kind], "Accept-Encoding": self._accept_encoding}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        cap = self.policy.feed_cap if kind == "feed" else self.policy.page_cap
        async with self._limits.host(url), self._limits.overall:
            try:
                async with asyncio.timeout(self.policy.total_timeout):
                    async with self._client.stream("GET", url, headers=headers) as response:
                        return await _read(response, url, cap)
            except _RedirectSeen as redirect:
                return _Redirect(redirect.status, redirect.location)
            except TimeoutError:
                raise _Failure(
                    f"{_describe(url)}: no complete answer within "
                    f"{self.policy.total_timeout:g} s (timed out)"
                ) from None
            except httpx.TimeoutException:
                raise _Failure(f"{_describe(url)}: timed out") from None
            except httpx.TransportError as error:
                # A connection refused or reset is retried like a 503: the server may be
                # restarting.
                raise _Failure(
                    f"{_describe(url)}: {_transport_reason(error)}", retryable=True
                ) from None
            except httpx.HTTPError as error:  # e.g. an invalid URL httpx refuses
                raise _Failure(f"{_describe(url)}: {one_line(str(error)) or 'failed'}") from None


def _transport_reason(error: Exception) -> str:
    name = type(error).__name__
    reasons = {
        "ConnectError": "could not connect",
        "ReadError": "connection broken while reading",
        "WriteError": "connection broken while sending",
        "RemoteProtocolError": "the server broke the HTTP protocol",
        "LocalProtocolError": "invalid request",
        "ProxyError": "the proxy refused the request",
        "UnsupportedProtocol": "not an http(s) address",
    }
    detail = one_line(str(error))
    reason = reasons.get(name, "network error")
    return f"{reason} ({detail})" if detail else reason


@dataclass(frozen=True, slots=True)
class _Redirect:
    status: int
    location: str


class _RedirectSeen(Exception):
    def __init__(self, status: int, location: str) -> None:
        super().__init__(status, location)
        self.status = status
        self.location = location


async def _stop_at_redirect(response: httpx.Response) -> None:
    """Hand every redirect to `WebClient._follow` before httpx looks at its Location (httpx
    would build the next request, and raise on a target such as `data:text/html,...`)."""
    location = response.headers.get("location")
    if response.status_code in _REDIRECTS and location:
        raise _RedirectSeen(response.status_code, location)


def _result_with(
    result: FetchResult, requested: str, final: str, permanent: str | None
) -> FetchResult:
    return FetchResult(
        url_requested=requested,
        url_final=final,
        status=result.status,
        permanent_redirect=permanent,
        not_modified=result.not_modified,
        body=result.body,
        content_type=result.content_type,
        charset=result.charset,
        etag=result.etag,
        last_modified=result.last_modified,
        error=result.error,
    )


_REASONS = {
    404: "not found (HTTP 404)",
    410: "gone (HTTP 410): the publisher removed it",
    401: "needs a login (HTTP 401)",
    403: "access refused (HTTP 403)",
    429: "rate limited (HTTP 429)",
}


async def _read(response: httpx.Response, url: str, cap: int) -> _Redirect | FetchResult:
    status = response.status_code
    if status in _REDIRECTS:
        location = response.headers.get("location")
        if not location:
            raise _Failure(f"{_describe(url)}: HTTP {status} redirect without a Location")
        return _Redirect(status, location)
    etag = response.headers.get("etag", "")
    last_modified = response.headers.get("last-modified", "")
    if status == 304:
        return FetchResult(
            url, url, status, not_modified=True, etag=etag, last_modified=last_modified
        )
    if status >= 400 or status < 200:
        reason = _REASONS.get(status) or f"HTTP {status} {one_line(response.reason_phrase)}"
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        if status == 410:
            # Not an exception: the caller marks the feed gone rather than failing.
            return FetchResult(url, url, status, error=f"{_describe(url)}: {reason}")
        if status in _RETRY_STATUSES and retry_after is not None:
            reason += f", retry after {retry_after:.0f} s"
        raise _Failure(f"{_describe(url)}: {reason}", status, retry_after)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _Failure(_too_large(url, cap))
    try:
        stages = _stages(response.headers.get("content-encoding", ""))
    except UnsupportedEncoding as error:
        raise _Failure(
            f"{_describe(url)}: unsupported content encoding {one_line(str(error))!r}"
        ) from None
    body = bytearray()
    raw_total = 0
    try:
        async for chunk in response.aiter_raw():
            raw_total += len(chunk)
            if raw_total > cap:
                raise TooLarge
            for stage in stages:
                chunk = stage.feed(chunk, cap - len(body))
            body += chunk
            if len(body) > cap:
                raise TooLarge
    except TooLarge:
        raise _Failure(_too_large(url, cap)) from None
    except (zlib.error, _brotli_error()) as error:
        raise _Failure(f"{_describe(url)}: damaged compressed body ({error})") from None
    content_type = response.headers.get("content-type", "")
    return FetchResult(
        url,
        url,
        status,
        body=bytes(body),
        content_type=one_line(content_type),
        charset=charset_of(content_type),
        etag=etag,
        last_modified=last_modified,
    )


def _brotli_error() -> type[Exception]:
    try:
        import brotli
    except ImportError:
        return zlib.error
    error: type[Exception] = brotli.error
    return error


def _size(size: int) -> str:
    return f"{size / MB:g} MB" if size >= MB else f"{size:,} bytes"


def _too_large(url: str, cap: int) -> str:
    return f"{_describe(url)}: larger than {_size(cap)} (the limit for one download), not read"
