"""Which IP addresses the safe fetcher may dial, and resolving a host to checked addresses.

Policy (security-and-reliability.md §1, R2/R3):
- public, globally routable unicast addresses are always allowed;
- loopback, private (RFC 1918, fc00::/7) and CGNAT (100.64.0.0/10) are allowed only when
  MICROHOST_ALLOW_PRIVATE_ADDRESSES is on (tests and local development);
- link-local (incl. the 169.254.169.254 metadata service), other cloud metadata addresses,
  unspecified (0.0.0.0, ::), multicast, broadcast and reserved ranges are never allowed.
IPv4-mapped (::ffff:a.b.c.d) and well-known NAT64 (64:ff9b::/96) addresses are judged by the IPv4
address inside them; tunnels whose endpoint we cannot judge reliably (6to4, Teredo, local-use
NAT64) are never allowed: nobody serves a site from them, and Python versions disagree on them.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable

from microhost.fetch_errors import BlockedAddress, ConnectFailed, FetchTimeout

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> IP address strings, in the order they should be tried.
Resolver = Callable[[str, int], list[str]]

# RFC 6052 well-known NAT64 prefix: the embedded IPv4 address is what is really reached.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# RFC 6598 shared address space: neither private nor global in older Pythons (cpython#119812).
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
# Never reachable, even with MICROHOST_ALLOW_PRIVATE_ADDRESSES (metadata: CVE-2026-22245 class).
_ALWAYS_BLOCKED = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network": 0.0.0.0 reaches localhost on Linux
        "169.254.0.0/16",  # link-local, incl. 169.254.169.254 (AWS, GCP, Azure, OpenStack metadata)
        "100.100.100.200/32",  # Alibaba Cloud metadata, inside CGNAT
        "240.0.0.0/4",  # reserved, and 255.255.255.255 broadcast
        "::/128",  # unspecified
        "fe80::/10",  # link-local
        "fd00:ec2::254/128",  # AWS metadata over IPv6, inside fc00::/7
    )
)
# Tunnels carrying IPv4 we refuse outright (2002::/16 counts as global before Python 3.12.4).
_TUNNELS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "2002::/16",  # 6to4, deprecated by RFC 7526
        "2001::/32",  # Teredo
        "64:ff9b:1::/48",  # RFC 8215 local-use NAT64: the embedded IPv4 depends on the prefix length
    )
)


def unwrap(ip: IPAddress) -> IPAddress:
    """The IPv4 address a v4-mapped or NAT64 IPv6 address really reaches (cpython#117566)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return ip


def is_public(ip: IPAddress) -> bool:
    """Globally routable unicast, judged after unwrapping: what any fetch may reach."""
    ip = unwrap(ip)
    if ip in _CGNAT or ip.is_multicast or ip.is_reserved or not ip.is_global:
        return False
    return not any(ip in net for net in _TUNNELS)


def _always_blocked(ip: IPAddress) -> bool:
    """Metadata, link-local, unspecified, multicast, reserved: blocked whatever the settings say."""
    ip = unwrap(ip)
    return ip.is_multicast or any(ip in net for net in _ALWAYS_BLOCKED + _TUNNELS)


def is_allowed(ip: IPAddress, *, allow_private: bool) -> bool:
    """The whole policy in one place (module docstring): public always, private only with the flag."""
    if is_public(ip):
        return True
    if not allow_private or _always_blocked(ip):
        return False
    target = unwrap(ip)
    return target.is_loopback or target.is_private or target in _CGNAT


def system_resolver(host: str, port: int) -> list[str]:
    """Every A/AAAA address the OS resolver gives for host, in its preferred order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


# The resolver in use; a test may install a stub. Called once per new connection (R3).
resolver: Resolver = system_resolver


def _literal(host: str) -> IPAddress | None:
    """The address when host is an IP literal (no DNS involved), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _lookup(host: str, port: int, timeout: float) -> list[IPAddress]:
    """Run the resolver in a daemon thread: getaddrinfo has no timeout and must not outlive the deadline."""
    answers: list[str] = []
    errors: list[Exception] = []
    current = resolver

    def work() -> None:
        try:
            answers.extend(current(host, port))
        except Exception as exc:  # reported to the caller below
            errors.append(exc)

    thread = threading.Thread(target=work, name=f"microhost-resolve-{host}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise FetchTimeout(f"Looking up {host} took too long.")
    try:
        addresses = [ipaddress.ip_address(answer) for answer in answers]
    except ValueError as exc:
        errors.append(exc)
    if errors or not answers:
        raise ConnectFailed(f"Could not find the address of {host}.") from (errors[0] if errors else None)
    return list(dict.fromkeys(addresses))


def resolve_checked(host: str, port: int, *, allow_private: bool, timeout: float) -> list[IPAddress]:
    """Resolve host once and return its addresses, refusing it if any address is not allowed."""
    literal = _literal(host)
    addresses = [literal] if literal is not None else _lookup(host, port, timeout)
    if not all(is_allowed(ip, allow_private=allow_private) for ip in addresses):
        raise BlockedAddress(
            f"{host} points to a local or private network address; "
            "microhost only fetches addresses on the public internet."
        )
    return addresses
