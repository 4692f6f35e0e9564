"""URL safety: which addresses a fetch may reach (real sockets; fetches through it: test_fetch_safety.py)."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from policybot.ingest.urlsafety import (
    RefusedAddress, check_host, check_peer, is_public, policy_for, refusal,
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
    from policybot.config import Settings

    assert Settings.from_env(env={"POLICYBOT_ALLOW_PRIVATE_URLS": "1"}, home="/tmp").allow_private_urls
    for value in ("", "0", "true", "yes", "11"):
        assert not Settings.from_env(env={"POLICYBOT_ALLOW_PRIVATE_URLS": value}, home="/tmp").allow_private_urls
    assert not Settings.from_env(env={}, home="/tmp").allow_private_urls


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
