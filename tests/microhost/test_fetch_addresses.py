"""The address policy of the safe fetcher, address by address (security-and-reliability.md R2)."""

from __future__ import annotations

import ipaddress

import pytest

from microhost.fetch_addresses import is_allowed

# (address, allowed by default, allowed with MICROHOST_ALLOW_PRIVATE_ADDRESSES)
CASES = [
    # public: always
    ("93.184.216.34", True, True),
    ("2606:2800:220:1:248:1893:25c8:1946", True, True),
    ("::ffff:93.184.216.34", True, True),  # v4-mapped public
    ("64:ff9b::5db8:d822", True, True),  # NAT64 of a public address
    # loopback, private, CGNAT: only with the flag
    ("127.0.0.1", False, True),
    ("127.255.0.1", False, True),
    ("::1", False, True),
    ("::ffff:127.0.0.1", False, True),  # cpython#117566
    ("64:ff9b::7f00:1", False, True),  # NAT64 of 127.0.0.1
    ("10.0.0.1", False, True),
    ("172.16.5.4", False, True),
    ("192.168.1.1", False, True),
    ("::ffff:10.0.0.1", False, True),
    ("fc00::1", False, True),
    ("fd12:3456::1", False, True),
    ("100.64.0.1", False, True),  # CGNAT, cpython#119812
    ("100.127.255.254", False, True),
    # never: metadata, link-local, unspecified, multicast, broadcast, reserved, tunnels
    ("169.254.169.254", False, False),
    ("::ffff:169.254.169.254", False, False),
    ("64:ff9b::a9fe:a9fe", False, False),
    ("169.254.1.1", False, False),
    ("100.100.100.200", False, False),
    ("fd00:ec2::254", False, False),
    ("fe80::1", False, False),
    ("0.0.0.0", False, False),  # noqa: S104
    ("0.1.2.3", False, False),
    ("::", False, False),
    ("::ffff:0.0.0.0", False, False),
    ("224.0.0.1", False, False),
    ("239.255.255.250", False, False),
    ("ff02::1", False, False),
    ("255.255.255.255", False, False),
    ("240.0.0.1", False, False),
    ("::7f00:1", False, False),  # deprecated IPv4-compatible form of 127.0.0.1
    ("2002:7f00:1::1", False, False),  # 6to4 of 127.0.0.1
    ("2002:5db8:d822::1", False, False),  # 6to4 of a public address: tunnels are refused outright
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False, False),  # Teredo
    ("64:ff9b:1::7f00:1", False, False),  # RFC 8215 local-use NAT64
]


@pytest.mark.parametrize(("address", "default", "with_flag"), CASES)
def test_address_policy(address: str, default: bool, with_flag: bool) -> None:
    """Each address is allowed or refused as the policy in fetch_addresses' docstring says."""
    ip = ipaddress.ip_address(address)
    assert is_allowed(ip, allow_private=False) is default
    assert is_allowed(ip, allow_private=True) is with_flag
