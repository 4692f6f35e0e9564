"""Download one web page over http(s) with hard limits on time, size and redirects.

httpx speaks HTTP; this module adds what a bot fetching untrusted addresses
needs on top: one deadline for the whole download (a timer shuts the sockets
down), a size limit enforced while streaming, redirects followed one hop at a
time, and every failure as an :class:`InputError` (bad address) or
:class:`FetchError` (network, HTTP status, limits) with a one-line message
and a hint.

Every address the fetch touches is checked against the address rule
(`urlsafety`: public internet addresses only, unless the deployment allows
private ones): the host of the URL and of each redirect target before it is
requested (resolved, every address), and each socket right after it connects
(its peer address is the one really used), before a byte of the request is
sent. A refusal reads the same whatever the address or port. Given `types`
(articles: `ARTICLE_TYPES`, web pages, plain text, PDF and Word documents), a
response of another media type is refused before its body is read.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

import httpx

from policybot.errors import FetchError, InputError

from .urlsafety import Policy, RefusedAddress, check_peer, check_url, is_public, refusal

USER_AGENT = "policybot/0.1"
# What urllib sent: no compression (we undo it only where servers send it
# unasked) and one connection per request.
_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.8",
    "Accept-Encoding": "identity",
    "Connection": "close",
}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: Media types worth reading as an article.
ARTICLE_TYPES = frozenset({
    "text/html", "application/xhtml+xml", "text/plain", "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
})
#: Servers label downloads this way; kept only when the body is a PDF or Word file.
_UNLABELLED = frozenset({"application/octet-stream", "binary/octet-stream", "application/x-download"})
_TYPE_HINT = "add web pages, plain text, PDF or Word (.docx) documents"
_SCHEME_HINT = "give an http(s):// address, or download the file and add its path"
_RETRY_HINT = "try again later, or save the page in a browser and add the file"
_SIZE_HINT = "save the page in a browser and add the file instead"
_SHOWN_URL_CHARS = 100
# Characters left alone when escaping a path / query: RFC 3986 delimiters and '%'.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?[]"


@dataclass(frozen=True)
class Validators:
    """What a server said identifies its answer (ETag, Last-Modified), for asking "changed since?" next time."""

    etag: str | None = None
    last_modified: str | None = None

    def request_headers(self) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for a conditional GET."""
        headers = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {name: value for name, value in headers.items() if value}


@dataclass(frozen=True)
class Fetched:
    """A downloaded response body and what the server said about it."""

    url: str  # final URL, after redirects
    content_type: str | None  # e.g. "text/html"
    charset: str | None  # from the Content-Type header, lower case
    data: bytes
    validators: Validators = Validators()
    not_modified: bool = False  # 304 to a conditional request: the caller's copy is current (no data)


def fetch_url(
    url: str,
    *,
    timeout: float = 15.0,
    max_bytes: int = 20_000_000,
    max_redirects: int = 5,
    if_changed: Validators | None = None,
    allowed: Policy = is_public,
    types: frozenset[str] | None = None,
) -> Fetched:
    """GET ``url`` and return its body.

    ``timeout`` bounds the whole download, redirects included; bodies over
    ``max_bytes`` and chains over ``max_redirects`` redirects fail. Name
    resolution itself cannot be interrupted and may add to the total.
    With ``if_changed`` (validators of an earlier answer) the request is
    conditional, and a 304 answer is a `Fetched` with ``not_modified`` set.
    ``allowed`` is the address rule (`urlsafety.policy_for` gives the one in force);
    ``types``, when given, the media types accepted (a download labelled
    application/octet-stream passes when its body is a PDF or Word file).
    """
    address = _checked_url(url)
    shown = _shorten(url.strip())
    deadline = _Deadline(timeout, allowed)
    deadline.start()
    try:
        # trust_env: proxies from the environment, as urllib's ProxyHandler did;
        # the system's certificates, as urllib used (httpx alone would use certifi's).
        with httpx.Client(verify=ssl.create_default_context(), trust_env=True) as client:
            headers = {**_HEADERS, **(if_changed.request_headers() if if_changed else {})}
            return _follow(client, address, shown, deadline, max_bytes, max_redirects, headers, types)
    except FetchError:
        raise
    except RefusedAddress:
        raise refusal(shown) from None
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
        raise _network_error(shown, address, exc, deadline) from exc
    finally:
        deadline.close()


def _follow(client: httpx.Client, address: str, shown: str, deadline: _Deadline,
            max_bytes: int, max_redirects: int, headers: dict[str, str], types: frozenset[str] | None) -> Fetched:
    """Request ``address``, following redirects one hop at a time."""
    current = address
    redirects = 0
    while True:
        if deadline.passed:
            raise _timeout_error(shown, deadline)
        check_url(current, deadline.allowed)
        request = httpx.Request("GET", current, headers=headers, extensions={
            "timeout": httpx.Timeout(deadline.remaining).as_dict(), "trace": deadline.trace})
        response = client.send(request, stream=True)
        try:
            location = _redirect_location(response)
            if location is None:
                return _read_response(response, current, shown, max_bytes, deadline, types)
        finally:
            response.close()  # a redirect's body is never read
        current = _next_hop(current, location, shown)
        redirects += 1
        if redirects > max_redirects:
            raise FetchError(f"{shown} redirected more than {max_redirects} times", "check the address in a browser")


def _redirect_location(response: httpx.Response) -> str | None:
    if response.status_code not in _REDIRECTS:
        return None
    return _first(response.headers, "location") or _first(response.headers, "uri") or None


def _next_hop(current: str, location: str, shown: str) -> str:
    """The address a redirect points to; only http(s) is followed.

    Every hop passes here before it is requested: the place for checks on
    where a redirect may lead.
    """
    target = urljoin(current, location.strip())
    parts = urlsplit(target)
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(
            f"{shown} redirects to {_shorten(target)}, which is not an http(s) address",
            "open the address in a browser and save the page as a file",
        )
    if not parts.path and parts.netloc:
        parts = parts._replace(path="/")
    # As urllib did: keep what is already escaped, escape the rest.
    return quote(urlunsplit(parts), encoding="iso-8859-1", safe="!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


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

    httpx's timeouts bound each socket operation; a server that sends one
    byte just before each timeout would never trip them, so a timer cuts the
    connections from outside.
    """

    def __init__(self, seconds: float, allowed: Policy = is_public) -> None:
        self.seconds = seconds
        self.allowed = allowed
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

    @property
    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's ``trace`` hook: hands each newly connected socket to :meth:`connected`."""
        if event.endswith(".connect_tcp.complete"):
            stream = info["return_value"]
            try:
                self.connected(stream.get_extra_info("socket"))
            except BaseException:
                stream.close()
                raise

    def connected(self, sock: socket.socket) -> None:
        """Every connection of the fetch passes here right after connecting.

        ``sock.getpeername()`` is the address actually connected to: it must
        be allowed too (a name may resolve differently the second time).
        """
        check_peer(sock, self.allowed)
        with self._lock:
            if self._expired:
                raise TimeoutError("overall deadline passed")
            # A duplicate stays valid after the TLS layer takes over the original.
            self._sockets.append(sock.dup())

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


# ---------------------------------------------------------------- response


def _read_response(response: httpx.Response, url: str, shown: str, max_bytes: int, deadline: _Deadline,
                   types: frozenset[str] | None) -> Fetched:
    headers = response.headers
    validators = Validators(_first(headers, "etag"), _first(headers, "last-modified"))
    conditional = "If-None-Match" in response.request.headers or "If-Modified-Since" in response.request.headers
    if response.status_code == 304 and conditional:
        return Fetched(url=url, content_type=None, charset=None, data=b"", validators=validators, not_modified=True)
    if not 200 <= response.status_code < 300:
        raise _status_error(shown, response.status_code, response.reason_phrase)
    content_type, charset = _content_type(_first(headers, "content-type"))
    if types is not None and content_type is not None and content_type not in types | _UNLABELLED:
        raise FetchError(f"{shown} is {content_type}, not a web page, text, PDF or Word document", _TYPE_HINT)
    declared = _content_length(_first(headers, "content-length"))
    if declared is not None and declared > max_bytes:
        raise FetchError(f"{shown} is {declared} bytes, more than the limit of {max_bytes}", _SIZE_HINT)
    raw = _read_body(response, shown, max_bytes, deadline, declared)
    data = _decompress(raw, _first(headers, "content-encoding"), shown, max_bytes)
    if types is not None and content_type in _UNLABELLED and not data.startswith((b"%PDF-", b"PK\x03\x04")):
        raise FetchError(f"{shown} is {content_type} that is no PDF or Word document", _TYPE_HINT)
    return Fetched(url=url, content_type=content_type, charset=charset, data=data, validators=validators)


def _read_body(response: httpx.Response, shown: str, max_bytes: int, deadline: _Deadline,
               declared: int | None) -> bytes:
    """The raw body, read as it arrives (one network read per chunk)."""
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in response.iter_raw():
            if deadline.passed:
                raise _timeout_error(shown, deadline)
            total += len(chunk)
            if total > max_bytes:
                raise FetchError(f"{shown} is larger than the limit of {max_bytes} bytes", _SIZE_HINT)
            chunks.append(chunk)
    except httpx.RemoteProtocolError:
        if declared is not None and total < declared and not deadline.passed:
            raise FetchError(f"{shown}: connection closed after {total} of {declared} bytes", _RETRY_HINT) from None
        raise
    if deadline.passed:  # a cut connection ends a body that has no length
        raise _timeout_error(shown, deadline)
    return b"".join(chunks)


def _first(headers: httpx.Headers, name: str) -> str | None:
    """The first value of a header (httpx joins repeated ones with commas)."""
    values = headers.get_list(name)
    return values[0] if values else None


def _content_length(value: str | None) -> int | None:
    try:
        length = int(value) if value is not None else None
    except ValueError:
        return None
    return length if length is not None and length >= 0 else None


def _content_type(value: str | None) -> tuple[str | None, str | None]:
    """Media type and lower-case charset, parsed as the email package does."""
    if value is None:
        return None, None
    message = Message()
    message["Content-Type"] = value
    return message.get_content_type(), message.get_content_charset()


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


def _root_cause(exc: BaseException) -> BaseException:
    """The exception httpx's wrappers were raised from (socket, TLS or h11 error).

    httpcore re-raises its own errors ``from None``, so the chain continues in
    ``__context__`` where ``__cause__`` ends.
    """
    while (inner := exc.__cause__ or exc.__context__) is not None:
        exc = inner
    return exc


def _network_error(shown: str, address: str, exc: Exception, deadline: _Deadline) -> FetchError:
    if deadline.passed or isinstance(exc, httpx.TimeoutException):
        return _timeout_error(shown, deadline)
    reason = _root_cause(exc)
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
    if isinstance(exc, httpx.ProtocolError) and type(reason).__module__.partition(".")[0] == "h11":
        return FetchError(f"{host} sent an invalid HTTP response ({type(reason).__name__})", _RETRY_HINT)
    if isinstance(reason, ConnectionError) or isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        # A protocol error that h11 did not raise is the server hanging up.
        return FetchError(f"{host} closed the connection unexpectedly", _RETRY_HINT)
    return FetchError(f"cannot fetch {shown}: {reason}", "check the address and your internet connection")
