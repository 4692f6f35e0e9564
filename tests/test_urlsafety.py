"""URL safety: which addresses a fetch may reach (real sockets and servers on 127.0.0.x)."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from policybot.ingest.urlsafety import (
    PublicTransport, RefusedAddress, allowed_by_env, check_host, check_peer, is_public, policy_for, refusal,
)

LOOPBACK_SPELLINGS = [
    "localhost", "LOCALHOST.", "127.0.0.1", "[::1]", "::1", "0.0.0.0", "2130706433", "0x7f000001", "127.1",
    "0177.0.0.1", "[::ffff:127.0.0.1]", "::ffff:7f00:1", "①②⑦.0.0.1", "１２７.０.０.１", "[::127.0.0.1]",
]
NOT_PUBLIC = [
    "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "224.0.0.1", "239.1.1.1",
    "224.0.1.1", "240.0.0.1", "255.255.255.255", "192.0.0.1", "198.18.0.1", "fe80::1", "fc00::1", "ff02::1",
    "ff0e::1", "::", "2002:7f00:1::", "2002:c0a8:101::1", "64:ff9b::a00:1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "::ffff:10.0.0.1", "2001:db8::1",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "114.114.114.114", "2606:4700::1111", "2400:3200::1", "2002:808:808::1"]


@pytest.mark.parametrize("spelling", LOOPBACK_SPELLINGS)
def test_every_spelling_of_this_machine_is_refused(spelling: str) -> None:
    with pytest.raises(RefusedAddress):
        check_host(spelling, 80)


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_private_and_special_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))
    with pytest.raises(RefusedAddress):
        check_host(address, 80)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))
    check_host(address, 80)  # a literal needs no name server


def test_the_opt_out_allows_anything_and_only_exactly_1_opts_out() -> None:
    check_host("127.0.0.1", 80, policy_for(True))
    assert allowed_by_env({"POLICYBOT_ALLOW_PRIVATE_URLS": "1"})
    for value in ("", "0", "true", "yes", "11"):
        assert not allowed_by_env({"POLICYBOT_ALLOW_PRIVATE_URLS": value})
    assert not allowed_by_env({})


def test_refusal_reads_the_same_whatever_the_reason() -> None:
    texts = {str(refusal("http://x/")) for _ in ("loopback", "private", "closed port")}
    assert len(texts) == 1
    assert "POLICYBOT_ALLOW_PRIVATE_URLS=1" in texts.pop()


def test_peer_check_reads_the_connected_socket() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    try:
        client = socket.create_connection(server.getsockname())
        with client, pytest.raises(RefusedAddress):
            check_peer(client)
        client2 = socket.create_connection(server.getsockname())
        with client2:
            check_peer(client2, policy_for(True))
    finally:
        server.close()


# ---------------------------------------------------------------- through httpx, real servers


class _Recorder(BaseHTTPRequestHandler):
    """Answers /page with text and /redirect with a redirect to the server's `target`."""

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", self.server.target)  # type: ignore[attr-defined]
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = "通知全文".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve(host: str) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, 0), _Recorder)
    server.hits = []  # type: ignore[attr-defined]
    server.target = ""  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def two_servers() -> Iterator[tuple[ThreadingHTTPServer, ThreadingHTTPServer]]:
    first, second = _serve("127.0.0.1"), _serve("127.0.0.2")
    yield first, second
    for server in (first, second):
        server.shutdown()
        server.server_close()


def _url(server: ThreadingHTTPServer, path: str) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}{path}"


def test_a_local_server_is_not_reached_without_the_opt_out(two_servers) -> None:
    first, _ = two_servers
    with httpx.Client(transport=PublicTransport()) as client, pytest.raises(RefusedAddress):
        client.get(_url(first, "/page"))
    assert first.hits == []  # refused before connecting: nothing was sent
    with httpx.Client(transport=PublicTransport(policy_for(True))) as client:
        assert client.get(_url(first, "/page")).text == "通知全文"


def test_every_redirect_hop_is_checked(two_servers) -> None:
    """127.0.0.1 stands for a public site here; its redirect to 127.0.0.2 must not be followed."""
    first, second = two_servers
    first.target = _url(second, "/page")
    only_first = lambda address: str(address) == "127.0.0.1"  # noqa: E731 - a one-line policy
    with httpx.Client(transport=PublicTransport(only_first), follow_redirects=True) as client:
        with pytest.raises(RefusedAddress):
            client.get(_url(first, "/redirect"))
    assert first.hits == ["/redirect"] and second.hits == []
    with httpx.Client(transport=PublicTransport(policy_for(True)), follow_redirects=True) as client:
        assert client.get(_url(first, "/redirect")).text == "通知全文"
