"""Fetching refuses this machine's network unless allowed, on every hop; only article media types.

Real servers on 127.0.0.1 and 127.0.0.2; the address rule is the one `add` uses.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from policybot.errors import FetchError
from policybot.ingest.fetch import ARTICLE_TYPES, fetch_url
from policybot.ingest.urlsafety import policy_for

ANYWHERE = policy_for(True)
PDF = b"%PDF-1.4\n% a tiny stand-in body\n"


class _Site(BaseHTTPRequestHandler):
    """Routes: /page, /redirect (to the server's `target`), /json, /octet, /octet-pdf, /pdf."""

    BODIES = {"/page": ("text/html; charset=utf-8", "<p>通知全文</p>".encode()),
              "/json": ("application/json", b'{"title": "not an article"}'),
              "/octet": ("application/octet-stream", b"\x00\x01binary"),
              "/octet-pdf": ("application/octet-stream", PDF),
              "/pdf": ("application/pdf", PDF),
              "/feed": ("application/rss+xml", b"<rss/>")}

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", self.server.target)  # type: ignore[attr-defined]
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        content_type, body = self.BODIES.get(self.path, ("text/plain", b"?"))
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve(host: str) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, 0), _Site)
    server.hits = []  # type: ignore[attr-defined]
    server.target = ""  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[ThreadingHTTPServer, ThreadingHTTPServer]]:
    first, second = _serve("127.0.0.1"), _serve("127.0.0.2")
    yield first, second
    for server in (first, second):
        server.shutdown()
        server.server_close()


def _url(server: ThreadingHTTPServer, path: str, host: str | None = None) -> str:
    address, port = server.server_address[:2]
    return f"http://{host or address}:{port}{path}"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_this_machine_is_refused_by_default_and_reached_with_the_opt_out(sites) -> None:
    first, _ = sites
    first.hits.clear()
    with pytest.raises(FetchError) as caught:
        fetch_url(_url(first, "/page"))
    assert caught.value.message == f"{_url(first, '/page')} is not a public internet address"
    assert first.hits == []  # refused before connecting: nothing was sent
    assert fetch_url(_url(first, "/page"), allowed=ANYWHERE).data == "<p>通知全文</p>".encode()


@pytest.mark.parametrize("host", ["localhost", "[::ffff:127.0.0.1]", "2130706433", "0x7f000001", "127.1",
                                  "①②⑦.0.0.1"])
def test_every_spelling_gets_the_same_refusal(sites, host: str) -> None:
    first, _ = sites
    url = _url(first, "/page", host)
    with pytest.raises(FetchError) as caught:
        fetch_url(url)
    assert caught.value.message == f"{url} is not a public internet address"


def test_an_open_port_and_a_closed_one_read_alike() -> None:
    texts = set()
    for port in (_closed_port(), 22, 80):
        with pytest.raises(FetchError) as caught:
            fetch_url(f"http://127.0.0.1:{port}/")
        texts.add(str(caught.value).replace(f":{port}/", ":PORT/"))
    assert len(texts) == 1


def test_a_redirect_hop_is_checked_before_it_is_requested(sites) -> None:
    """127.0.0.1 stands for a public site; its redirect to 127.0.0.2 must not be followed."""
    first, second = sites
    first.hits.clear()
    second.hits.clear()
    first.target = _url(second, "/page")
    with pytest.raises(FetchError, match="is not a public internet address"):
        fetch_url(_url(first, "/redirect"), allowed=lambda address: str(address) == "127.0.0.1")
    assert first.hits == ["/redirect"] and second.hits == []
    assert fetch_url(_url(first, "/redirect"), allowed=ANYWHERE).data == "<p>通知全文</p>".encode()


def test_the_connected_peer_is_checked_too(sites) -> None:
    """A rule that passes the name check but not the socket's peer: the request is never sent."""
    first, _ = sites
    first.hits.clear()
    calls: list[str] = []

    def first_look_only(address: object) -> bool:  # allows the resolved name, refuses the peer
        calls.append(str(address))
        return len(calls) == 1

    with pytest.raises(FetchError, match="is not a public internet address"):
        fetch_url(_url(first, "/page"), allowed=first_look_only)
    assert calls == ["127.0.0.1", "127.0.0.1"] and first.hits == []


@pytest.mark.parametrize("path, ok", [("/page", True), ("/pdf", True), ("/octet-pdf", True), ("/json", False),
                                      ("/octet", False), ("/feed", False)])
def test_only_article_media_types(sites, path: str, ok: bool) -> None:
    first, _ = sites
    url = _url(first, path)
    if ok:
        assert fetch_url(url, allowed=ANYWHERE, types=ARTICLE_TYPES).data
    else:
        with pytest.raises(FetchError, match="not a web page, text, PDF or Word document|no PDF or Word"):
            fetch_url(url, allowed=ANYWHERE, types=ARTICLE_TYPES)
    assert fetch_url(url, allowed=ANYWHERE).data  # without `types` (a feed reader's fetch), any type
