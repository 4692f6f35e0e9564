"""Which hosts a fetch may reach: public internet addresses only.

A URL handed to `add` (or to the bot's /add) must not reach this machine or its
network: loopback, private, link-local, shared (CGNAT), multicast, reserved and
unspecified addresses are refused, in every spelling — ``localhost``, ``127.1``,
``2130706433``, ``0x7f000001``, ``[::ffff:127.0.0.1]``, ``①②⑦.0.0.1`` (NFKC) —
because the check is made on the resolved addresses, not on the text.

Three layers use it: `check_host` before a request (`policy_for` gives the rule in force) (a clear error early),
`PublicOnlyBackend` when a connection is opened (every redirect hop opens its
own; the socket connects to the very address that was checked, so a DNS answer
that changes between check and connect cannot slip through), and `check_peer`
on the connected socket. ``POLICYBOT_ALLOW_PRIVATE_URLS=1`` (tests, intranet
deployments) is the only way around it.

Every refusal reads the same (`refusal`), so the error never tells an open port
from a closed one, nor one kind of private address from another.
"""

from __future__ import annotations

import ipaddress
import socket
import typing
import unicodedata
from urllib.parse import urlsplit

from ..errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REFUSAL_HINT = ("policybot fetches only public internet addresses; an intranet deployment may set "
                "POLICYBOT_ALLOW_PRIVATE_URLS=1")
# 6to4 and NAT64 addresses carry an IPv4 address that a gateway may route to.
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class RefusedAddress(Exception):
    """A host resolved to an address that is not public (raised below the HTTP client)."""


def refusal(shown: str) -> FetchError:
    """The one error every refused address gets, naming only the address the user gave."""
    return FetchError(f"{shown} is not a public internet address", REFUSAL_HINT)


def is_public(address: IPAddress) -> bool:
    """A globally routable unicast address (embedded IPv4 addresses checked too)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not (address.is_multicast or address.is_reserved
                                      or address.is_unspecified or address.is_link_local)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside a mapped, compatible, 6to4, NAT64 or Teredo IPv6 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None or address in _SIX_TO_FOUR:
        return address.sixtofour
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.teredo is not None:
        return address.teredo[1]  # the client; Teredo's own prefix is not global anyway
    if int(address) >> 32 == 0 and int(address) > 1:  # ::a.b.c.d, "IPv4-compatible"
        return ipaddress.IPv4Address(int(address))
    return None


def canonical_host(host: str) -> str:
    """The host as a resolver sees it: NFKC (①②⑦ → 127), IDNA for other non-ASCII, no brackets."""
    text = unicodedata.normalize("NFKC", host).strip().strip("[]").rstrip(".").lower()
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError:
            raise RefusedAddress(host) from None
    return text


def literal_address(host: str) -> IPAddress | None:
    """The address a numeric host spells, in any form inet_aton accepts (127.1, 0x7f000001, 2130706433)."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def resolve(host: str, port: int) -> list[tuple[int, IPAddress]]:
    """(address family, address) for every address the host resolves to; socket.gaierror if none."""
    canonical = canonical_host(host)
    literal = literal_address(canonical)
    if literal is not None:
        return [(socket.AF_INET6 if literal.version == 6 else socket.AF_INET, literal)]
    found = socket.getaddrinfo(canonical, port, type=socket.SOCK_STREAM)
    return [(family, ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
            for family, _, _, _, sockaddr in found]


Policy = typing.Callable[[IPAddress], bool]


def _anything(_: IPAddress) -> bool:
    return True


def policy_for(allow_private: bool) -> Policy:
    """The address rule in force: public addresses only, or (the opt-out) anything."""
    return _anything if allow_private else is_public


def allowed_addresses(host: str, port: int, allowed: Policy = is_public) -> list[tuple[int, IPAddress]]:
    """The host's addresses; RefusedAddress when any is not allowed (one bad answer taints the name)."""
    addresses = resolve(host, port)
    if not all(allowed(address) for _, address in addresses):
        raise RefusedAddress(host)
    return addresses


def check_host(host: str, port: int, allowed: Policy = is_public) -> None:
    """RefusedAddress unless every address the host resolves to is allowed."""
    allowed_addresses(host, port, allowed)


def check_peer(sock: socket.socket, allowed: Policy = is_public) -> None:
    """RefusedAddress when a connected socket's far end is not allowed."""
    peer = sock.getpeername()
    if not allowed(ipaddress.ip_address(str(peer[0]).split("%", 1)[0])):
        raise RefusedAddress(str(peer[0]))


def check_url(url: str, allowed: Policy = is_public) -> None:
    """RefusedAddress unless every address an http(s) URL's host resolves to is allowed; a name that
    does not resolve passes (the fetch reports it as such)."""
    parts = urlsplit(url)
    try:
        check_host(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80), allowed)
    except socket.gaierror:
        pass
