"""Tests for policybot.ingest.fetch against a local ThreadingHTTPServer (loopback only)."""

from __future__ import annotations

import functools
import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import pytest

from policybot.errors import FetchError, InputError
from policybot.ingest import fetch
from policybot.ingest.fetch import USER_AGENT, Fetched
from policybot.ingest.urlsafety import policy_for

#: These tests talk to a server on 127.0.0.1, as an intranet deployment may (the opt-out);
#: the address rule itself is tested in test_fetch_safety.py.
fetch_url = functools.partial(fetch.fetch_url, allowed=policy_for(True))

PAGE = "<html><head><title>政策解读</title></head><body><p>鼓励消费品以旧换新。</p></body></html>"
SCHEME_HINT = "give an http(s):// address, or download the file and add its path"
STOP = threading.Event()


class Handler(BaseHTTPRequestHandler):
    """One route per scenario; see ROUTES."""

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        path = unquote(self.path.split("?", 1)[0])
        route = ROUTES.get(path)
        if route is None and path.startswith("/hop/"):
            route = Handler.hop
        (route or Handler.missing)(self)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from base
        pass

    def send_body(self, body: bytes, content_type: str = "text/html; charset=utf-8", code: int = 200) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, code: int = 302) -> None:
        self.send_response(code)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def trickle(self, first: bytes) -> None:
        """Send ``first``, then one byte every 0.2 s until the client gives up."""
        self.wfile.write(first)
        give_up = time.monotonic() + 10
        while not STOP.is_set() and time.monotonic() < give_up:
            try:
                self.wfile.write(b"x")
            except OSError:
                return
            time.sleep(0.2)

    def page(self) -> None:
        self.send_body(PAGE.encode("utf-8"))

    def gbk(self) -> None:
        self.send_body(PAGE.encode("gbk"), content_type="text/html; charset=GBK")

    def no_type(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"plain bytes")

    def user_agent(self) -> None:
        self.send_body(self.headers.get("User-Agent", "").encode(), content_type="text/plain")

    def echo_path(self) -> None:
        self.send_body(unquote(self.path).encode("utf-8"), content_type="text/plain; charset=utf-8")

    def missing(self) -> None:
        self.send_body("<h1>404 页面不存在</h1>".encode(), code=404)

    def broken(self) -> None:
        self.send_body(b"oops", code=500)

    def loop(self) -> None:
        self.redirect("/loop")

    def hop(self) -> None:
        left = int(self.path.rsplit("/", 1)[1])
        if left:
            self.redirect(f"/hop/{left - 1}", code=301 if left % 2 else 307)
        else:
            self.page()

    def to_file(self) -> None:
        self.redirect("file:///etc/passwd")

    def to_ftp(self) -> None:
        self.redirect("ftp://127.0.0.1/secret.txt")

    def big(self) -> None:
        # No Content-Length: the size only shows while reading.
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        try:
            for _ in range(100):
                self.wfile.write(b"a" * 1000)
        except OSError:
            pass

    def big_declared(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "50000000")
        self.end_headers()
        try:
            self.wfile.write(b"a" * 1000)
        except OSError:
            pass

    def short_body(self) -> None:
        # Claims 1000 bytes, sends 10, hangs up.
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"0123456789")

    def long_body(self) -> None:
        # Claims 5 bytes, sends more; only the declared bytes belong to the response.
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello, and some extra bytes")

    def slow_body(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.trickle(b"<html>")

    def slow_headers(self) -> None:
        self.trickle(b"HTTP/1.0 200 OK\r\nX-Slow: ")

    def silent(self) -> None:
        STOP.wait(10)

    def gzipped(self) -> None:
        body = gzip.compress(PAGE.encode("utf-8"))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def set_cookie(self) -> None:
        self.send_response(302)
        self.send_header("Set-Cookie", "session=abc; Path=/")
        self.send_header("Location", "/headers")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def echo_headers(self) -> None:
        names = sorted(name.lower() for name in self.headers if name.lower() not in ("host", "user-agent", "accept"))
        lines = [f"{name}: {self.headers[name]}" for name in names]
        self.send_body("\n".join(lines).encode(), content_type="text/plain")

    def slow_hop(self) -> None:
        time.sleep(0.6)
        self.redirect("/slow-hop")

    def gzip_bomb(self) -> None:
        body = gzip.compress(b"\0" * 200_000)
        self.send_response(200)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ROUTES: dict[str, Callable[[Handler], None]] = {
    "/page": Handler.page,
    "/gbk": Handler.gbk,
    "/no-type": Handler.no_type,
    "/ua": Handler.user_agent,
    "/echo/政策": Handler.echo_path,
    "/missing": Handler.missing,
    "/broken": Handler.broken,
    "/loop": Handler.loop,
    "/to-file": Handler.to_file,
    "/to-ftp": Handler.to_ftp,
    "/big": Handler.big,
    "/big-declared": Handler.big_declared,
    "/short-body": Handler.short_body,
    "/long-body": Handler.long_body,
    "/slow-body": Handler.slow_body,
    "/slow-headers": Handler.slow_headers,
    "/silent": Handler.silent,
    "/gzip": Handler.gzipped,
    "/gzip-bomb": Handler.gzip_bomb,
    "/set-cookie": Handler.set_cookie,
    "/headers": Handler.echo_headers,
    "/slow-hop": Handler.slow_hop,
}


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-response are expected here


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    STOP.clear()
    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        STOP.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every request on loopback even if the environment sets a proxy."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def offline_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answer ``.invalid`` names locally so no DNS query leaves the machine."""
    real = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.rstrip(".").endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def fetch_error(url: str, **kwargs: Any) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch_url(url, **kwargs)
    return info.value


# ------------------------------------------------------------ success


def test_fetches_page(base: str) -> None:
    fetched = fetch_url(f"{base}/page")
    assert fetched == Fetched(
        url=f"{base}/page", content_type="text/html", charset="utf-8", data=PAGE.encode("utf-8")
    )


def test_charset_from_header_is_lower_case(base: str) -> None:
    fetched = fetch_url(f"{base}/gbk")
    assert fetched.charset == "gbk"
    assert fetched.data.decode(fetched.charset) == PAGE


def test_missing_content_type(base: str) -> None:
    fetched = fetch_url(f"{base}/no-type")
    assert (fetched.content_type, fetched.charset, fetched.data) == (None, None, b"plain bytes")


def test_sends_user_agent(base: str) -> None:
    assert fetch_url(f"{base}/ua").data.decode() == USER_AGENT == "policybot/0.1"


def test_non_ascii_path_is_percent_encoded(base: str) -> None:
    fetched = fetch_url(f"  {base}/echo/政策?q=以旧换新 ")
    assert fetched.data.decode("utf-8") == "/echo/政策?q=以旧换新"


def test_follows_redirects_up_to_the_limit(base: str) -> None:
    fetched = fetch_url(f"{base}/hop/5", max_redirects=5)
    assert fetched.url == f"{base}/hop/0"
    assert fetched.data == PAGE.encode("utf-8")


def test_plain_request_and_no_cookies_carried_across_redirects(base: str) -> None:
    fetched = fetch_url(f"{base}/set-cookie")
    assert fetched.url == f"{base}/headers"
    assert fetched.data.decode().splitlines() == ["accept-encoding: identity", "connection: close"]


def test_deadline_covers_the_whole_redirect_chain(base: str) -> None:
    # Each hop answers well within the timeout; together they do not.
    error = fetch_error(f"{base}/slow-hop", timeout=1.0, max_redirects=10)
    assert "did not finish within 1 s" in error.message


def test_gzip_body_is_unpacked(base: str) -> None:
    assert fetch_url(f"{base}/gzip").data == PAGE.encode("utf-8")


# ------------------------------------------------------------ refused addresses


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/file.txt",
        "data:text/html,<p>hi</p>",
        "javascript:alert(1)",
        "mailto:someone@example.com",
        "www.gov.cn/zhengce/index.htm",
        "/home/user/article.html",
        "",
        "http:///no-host",
    ],
)
def test_non_http_addresses_are_input_errors(url: str) -> None:
    with pytest.raises(InputError) as info:
        fetch_url(url)
    assert not isinstance(info.value, FetchError)
    assert info.value.hint == SCHEME_HINT


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:99999/", "http://example.com/\x00x", "http://[::1/", "http://user:pw@example.com/"]
)
def test_malformed_addresses_are_input_errors(url: str) -> None:
    with pytest.raises(InputError) as info:
        fetch_url(url)
    assert not isinstance(info.value, FetchError)


# ------------------------------------------------------------ HTTP and network failures


def test_404(base: str) -> None:
    error = fetch_error(f"{base}/missing")
    assert "HTTP 404" in error.message
    assert "check the address" in error.hint


def test_500(base: str) -> None:
    error = fetch_error(f"{base}/broken")
    assert "HTTP 500" in error.message
    assert "try again later" in error.hint


def test_redirect_loop(base: str) -> None:
    error = fetch_error(f"{base}/loop")
    assert error.message == f"{base}/loop redirected more than 5 times"
    assert error.hint == "check the address in a browser"


def test_too_many_redirects(base: str) -> None:
    assert "more than 2 times" in fetch_error(f"{base}/hop/3", max_redirects=2).message


@pytest.mark.parametrize(("path", "target"), [("/to-file", "file:///etc/passwd"), ("/to-ftp", "ftp://")])
def test_redirect_to_other_scheme_refused(base: str, path: str, target: str) -> None:
    error = fetch_error(f"{base}{path}")
    assert target in error.message
    assert "not an http(s) address" in error.message


def test_body_larger_than_limit(base: str) -> None:
    error = fetch_error(f"{base}/big", max_bytes=10_000)
    assert "larger than the limit of 10000 bytes" in error.message


def test_declared_length_over_limit_fails_before_reading(base: str) -> None:
    error = fetch_error(f"{base}/big-declared", max_bytes=1_000_000)
    assert "50000000 bytes" in error.message


def test_content_length_claiming_more_than_sent(base: str) -> None:
    assert "closed after 10 of 1000 bytes" in fetch_error(f"{base}/short-body").message


def test_content_length_claiming_less_than_sent(base: str) -> None:
    assert fetch_url(f"{base}/long-body").data == b"hello"


def test_gzip_bomb_limited(base: str) -> None:
    assert "unpacks to more than" in fetch_error(f"{base}/gzip-bomb", max_bytes=10_000).message


@pytest.mark.parametrize("path", ["/slow-body", "/slow-headers", "/silent"])
def test_trickling_server_hits_overall_deadline(base: str, path: str) -> None:
    started = time.monotonic()
    error = fetch_error(f"{base}{path}", timeout=1.0)
    elapsed = time.monotonic() - started
    assert "did not finish within 1 s" in error.message
    assert 0.9 <= elapsed < 2.5


def test_tls_failure(base: str) -> None:
    error = fetch_error(base.replace("http://", "https://") + "/page", timeout=2.0)
    assert error.message.startswith("secure connection to 127.0.0.1 failed")


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = fetch_error(f"http://127.0.0.1:{port}/")
    assert "refused" in error.message


@pytest.mark.usefixtures("offline_dns")
def test_unresolvable_host() -> None:
    error = fetch_error("http://no-such-host.invalid/page.html")
    assert error.message == "cannot resolve host no-such-host.invalid"
    assert str(error).count("\n") == 0
