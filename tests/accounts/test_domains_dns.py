"""The TXT lookup (accounts.dns_check) against a real DNS server on loopback."""

from __future__ import annotations

import pytest

from accounts.dns_check import DnsLookupError, make_resolver, parse_nameserver, txt_values
from tests.accounts.dns_server import TxtServer, txt_records_fixture  # noqa: F401  (the txt_records fixture)


@pytest.mark.parametrize(
    ("spec", "address", "port"),
    [
        ("127.0.0.1:5353", "127.0.0.1", 5353),
        ("127.0.0.1", "127.0.0.1", 53),
        ("[::1]:5353", "::1", 5353),
        ("::1", "::1", 53),
    ],
)
def test_nameserver_specs(spec, address, port):
    """MICROHOST_DNS_NAMESERVERS entries are "host:port", "[v6]:port" or a bare address."""
    server = parse_nameserver(spec)
    assert (server.address, server.port) == (address, port)


def test_empty_setting_means_the_system_resolver(settings):
    """With no nameservers configured, /etc/resolv.conf is used, not a test server."""
    settings.MICROHOST_DNS_NAMESERVERS = []
    assert make_resolver().nameservers  # whatever the system has


def test_values_are_read_from_the_configured_server(txt_records):
    """Every TXT record at the name comes back; a record's character-strings are joined (RFC 7208 §3.3)."""
    txt_records["_microhost.blog.example.com"] = ["one", ("microhost-verify=", "abc")]
    assert sorted(txt_values("_microhost.blog.example.com")) == ["microhost-verify=abc", "one"]


def test_missing_name_is_an_empty_list(txt_records):
    """NXDOMAIN is "no record", not an error."""
    assert txt_values("_microhost.nothing.example") == []


def test_dead_server_is_a_lookup_error(settings, monkeypatch):
    """A server that does not answer is a DnsLookupError with a readable reason."""
    monkeypatch.setattr("accounts.dns_check.LOOKUP_LIFETIME", 0.3)
    with TxtServer({}) as server:
        settings.MICROHOST_DNS_NAMESERVERS = [server.address]
    with pytest.raises(DnsLookupError, match="DNS"):
        txt_values("_microhost.blog.example.com")


def test_overlong_name_is_a_lookup_error(txt_records):
    """A name DNS cannot even express fails as a lookup error, not a crash."""
    with pytest.raises(DnsLookupError):
        txt_values("x" * 70 + ".example.com")
