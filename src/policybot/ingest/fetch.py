"""Download one web page over http(s) with hard limits on time, size and redirects.

Standard library only (``urllib.request``). Every failure becomes an
:class:`InputError` (bad address) or :class:`FetchError` (network, HTTP
status, limits) with a one-line message and a hint.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from email.message import Message
from functools import partial
from typing import Any
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

from policybot.errors import FetchError, InputError

USER_AGENT = "policybot/0.1"
_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.8"
_SCHEME_HINT = "give an http(s):// address, or download the file and add its path"
_RETRY_HINT = "try again later, or save the page in a browser and add the file"
_SIZE_HINT = "save the page in a browser and add the file instead"
_CHUNK = 64 * 1024
_SHOWN_URL_CHARS = 100
# Characters left alone when escaping a path / query: RFC 3986 delimiters and '%'.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?[]"


@dataclass(frozen=True)
class Fetched:
    """A downloaded response body and what the server said about it."""

    url: str  # final URL, after redirects
    content_type: str | None  # e.g. "text/html"
    charset: str | None  # from the Content-Type header, lower case
    data: bytes


def fetch_url(
    url: str,
    *,
    timeout: float = 15.0,
    max_bytes: int = 20_000_000,
    max_redirects: int = 5,
) -> Fetched:
    """GET ``url`` and return its body.

    ``timeout`` bounds each socket operation and the whole download; bodies
    over ``max_bytes`` and chains over ``max_redirects`` redirects fail.
    Name resolution itself cannot be interrupted and may add to the total.
    """
    address = _checked_url(url)
    shown = _shorten(url.strip())
    deadline = _Deadline(timeout)
    opener = _build_opener(deadline, max_redirects, shown)
    request = urllib.request.Request(address, headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT})
    deadline.start()
    try:
        with opener.open(request, timeout=timeout) as response:
            return _read_response(response, shown, max_bytes, deadline)
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        exc.close()
        raise _status_error(shown, exc.code, str(exc.reason)) from exc
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        raise _network_error(shown, address, exc, deadline) from exc
    finally:
        deadline.close()


# ---------------------------------------------------------------- address


def _checked_url(url: str) -> str:
    """The URL made safe for an HTTP request line, or InputError."""
    text = url.strip()
    shown = _shorten(text) or "''"
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise InputError(f"{shown} contains control characters", "check the address")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise InputError(f"{shown} is not a valid web address ({exc})", "check the address") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise InputError(f"{shown} is not an http(s) address", _SCHEME_HINT)
    if not parts.hostname:
        raise InputError(f"{shown} has no host name", _SCHEME_HINT)
    if "@" in parts.netloc:
        raise InputError(f"{shown} contains a user name or password", "remove the 'user:password@' part")
    return _ascii_url(parts, shown)


def _ascii_url(parts: SplitResult, shown: str) -> str:
    """Punycode the host and percent-encode non-ASCII path and query text."""
    host = parts.hostname or ""
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InputError(f"{shown} has an invalid host name", "check the address") from exc
    if ":" in host:
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    path = quote(parts.path, safe=_PATH_SAFE) or "/"
    query = quote(parts.query, safe=_QUERY_SAFE)
    return urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


def _shorten(url: str) -> str:
    if len(url) <= _SHOWN_URL_CHARS:
        return url
    return url[: _SHOWN_URL_CHARS - 1] + "…"


# ---------------------------------------------------------------- deadline


class _Deadline:
    """Shuts down every socket of one fetch when the time budget runs out.

    Socket timeouts alone cannot stop a server that sends one byte just
    before each timeout, so a timer cuts the connection from outside.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds
        self._expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def start(self) -> None:
        self._end = time.monotonic() + self.seconds
        self._timer.start()

    @property
    def passed(self) -> bool:
        return self._expired or time.monotonic() >= self._end

    def connect(
        self,
        address: tuple[str, int],
        timeout: object = None,
        source_address: tuple[str, int] | None = None,
    ) -> socket.socket:
        """``socket.create_connection`` that registers the socket with the timer."""
        remaining = self._end - time.monotonic()
        if self.passed or remaining <= 0:
            raise TimeoutError("overall deadline passed")
        # http.client passes a sentinel object when no timeout was set.
        limit = min(timeout, remaining) if isinstance(timeout, (int, float)) else remaining
        sock = socket.create_connection(address, limit, source_address)
        with self._lock:
            if self._expired:
                sock.close()
                raise TimeoutError("overall deadline passed")
            # A duplicate stays valid after ssl.wrap_socket() detaches the original.
            self._sockets.append(sock.dup())
        return sock

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = deadline.connect


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = deadline.connect


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_HTTPConnection, deadline=self._deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = partial(_HTTPSConnection, deadline=self._deadline)
        return self.do_open(connection, req, context=self._context)


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows at most ``limit`` redirects, and only to http(s) addresses."""

    def __init__(self, limit: int, shown: str) -> None:
        super().__init__()
        self.limit = limit
        self.shown = shown
        self.count = 0
        # urllib's own loop detection would otherwise fire first, less clearly.
        self.max_repeats = self.max_redirections = limit + 10

    def http_error_302(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Message,
    ) -> Any:
        location = headers.get("location") or headers.get("uri")
        if location:
            self._check(urljoin(req.full_url, location.strip()), fp)
        # Closed now so urllib does not read an unbounded redirect body.
        fp.close()
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def _check(self, target: str, fp: Any) -> None:
        if urlsplit(target).scheme.lower() not in ("http", "https"):
            fp.close()
            raise FetchError(
                f"{self.shown} redirects to {_shorten(target)}, which is not an http(s) address",
                "open the address in a browser and save the page as a file",
            )
        self.count += 1
        if self.count > self.limit:
            fp.close()
            raise FetchError(
                f"{self.shown} redirected more than {self.limit} times",
                "check the address in a browser",
            )


def _build_opener(deadline: _Deadline, max_redirects: int, shown: str) -> urllib.request.OpenerDirector:
    # Built by hand so file:, ftp: and data: handlers are not even installed.
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        _HTTPHandler(deadline),
        _HTTPSHandler(deadline),
        urllib.request.HTTPDefaultErrorHandler(),
        _RedirectHandler(max_redirects, shown),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


# ---------------------------------------------------------------- response


def _read_response(response: Any, shown: str, max_bytes: int, deadline: _Deadline) -> Fetched:
    headers: Message = response.headers
    declared = _content_length(headers)
    if declared is not None and declared > max_bytes:
        raise FetchError(f"{shown} is {declared} bytes, more than the limit of {max_bytes}", _SIZE_HINT)
    raw = _read_body(response, shown, max_bytes, deadline)
    if declared is not None and len(raw) < declared:
        raise FetchError(
            f"{shown}: connection closed after {len(raw)} of {declared} bytes", _RETRY_HINT
        )
    data = _decompress(raw, headers.get("Content-Encoding"), shown, max_bytes)
    has_type = headers.get("Content-Type") is not None
    return Fetched(
        url=response.url,
        content_type=headers.get_content_type() if has_type else None,
        charset=headers.get_content_charset() if has_type else None,
        data=data,
    )


def _read_body(response: Any, shown: str, max_bytes: int, deadline: _Deadline) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        # read1 returns whatever arrived; read(n) would wait for all n bytes.
        chunk = response.read1(_CHUNK)
        if deadline.passed:
            raise _timeout_error(shown, deadline)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise FetchError(f"{shown} is larger than the limit of {max_bytes} bytes", _SIZE_HINT)
        chunks.append(chunk)


def _content_length(headers: Message) -> int | None:
    value = headers.get("Content-Length")
    try:
        length = int(value) if value is not None else None
    except ValueError:
        return None
    return length if length is not None and length >= 0 else None


def _decompress(raw: bytes, encoding: str | None, shown: str, max_bytes: int) -> bytes:
    """Undo gzip/deflate that some servers send even when not asked to."""
    name = (encoding or "").strip().lower()
    if name in ("", "identity"):
        return raw
    if name not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(f"{shown} sent content encoded as {name!r}", _SIZE_HINT)
    # wbits 47 accepts gzip and zlib headers; -15 is raw deflate.
    for wbits in (47, -15):
        decoder = zlib.decompressobj(wbits)
        try:
            data = decoder.decompress(raw, max_bytes + 1)
        except zlib.error:
            continue
        if len(data) > max_bytes:
            raise FetchError(f"{shown} unpacks to more than {max_bytes} bytes", _SIZE_HINT)
        return data
    raise FetchError(f"{shown} sent a corrupt {name} body", _RETRY_HINT)


# ---------------------------------------------------------------- errors


def _timeout_error(shown: str, deadline: _Deadline) -> FetchError:
    return FetchError(f"{shown} did not finish within {deadline.seconds:g} s", _RETRY_HINT)


def _status_error(shown: str, code: int, reason: str) -> FetchError:
    if code in (404, 410):
        hint = "check the address; the page may have moved or been removed"
    elif code in (401, 403, 451):
        hint = "the site refuses automatic downloads; save the page in a browser and add the file"
    elif code == 429:
        hint = "the site is limiting requests; wait a while and try again"
    elif code >= 500:
        hint = "the site has a problem; try again later"
    else:
        hint = "check the address in a browser"
    return FetchError(f"{shown} returned HTTP {code} {reason}".rstrip(), hint)


def _network_error(shown: str, address: str, exc: Exception, deadline: _Deadline) -> FetchError:
    if deadline.passed:
        return _timeout_error(shown, deadline)
    reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    host = urlsplit(address).hostname or shown
    if isinstance(reason, socket.gaierror):
        return FetchError(f"cannot resolve host {host}", "check the address and your internet connection")
    if isinstance(reason, ConnectionRefusedError):
        return FetchError(f"{host} refused the connection", "check the address; the site may be down")
    if isinstance(reason, TimeoutError):
        return _timeout_error(shown, deadline)
    if isinstance(reason, ssl.SSLError):
        return FetchError(
            f"secure connection to {host} failed: {reason.reason or reason}",
            "check the address; if the site's certificate is broken, save the page in a browser and add the file",
        )
    if isinstance(reason, ConnectionError):
        return FetchError(f"{host} closed the connection unexpectedly", _RETRY_HINT)
    if isinstance(reason, http.client.HTTPException):
        return FetchError(f"{host} sent an invalid HTTP response ({type(reason).__name__})", _RETRY_HINT)
    return FetchError(f"cannot fetch {shown}: {reason}", "check the address and your internet connection")
