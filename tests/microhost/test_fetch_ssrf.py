"""SSRF guards of the safe fetcher: blocked addresses, rebinding, schemes (R2, R3, R5, R10)."""

from __future__ import annotations

import pytest

from microhost.fetch import BadScheme, BlockedAddress, ConnectFailed, check_url, fetch, post_form

PUBLIC_IP = "93.184.216.34"  # global; the network fixture routes it to a loopback server, never out
pytestmark = pytest.mark.usefixtures("network", "fetch_settings")

BLOCKED_HOSTS = [
    "127.0.0.1",
    "[::1]",
    "169.254.169.254",
    "10.0.0.1",
    "100.64.0.1",
    "0.0.0.0",  # noqa: S104
    "[::ffff:127.0.0.1]",
    "2130706433",  # 127.0.0.1 as one number
    "0x7f.1",
    "localhost.test",  # resolves to 127.0.0.1 in the stub DNS
    "metadata.test",  # resolves to 169.254.169.254
    "mixed.test",  # one public and one private answer: the whole host is refused
]


@pytest.mark.parametrize("host", BLOCKED_HOSTS)
def test_blocked_hosts_get_no_request(host, ok_server, network):
    """A URL on a loopback/private/metadata address, literal or resolved, is refused before any connect."""
    network.names["localhost.test"] = ["127.0.0.1"]
    network.names["metadata.test"] = ["169.254.169.254"]
    network.names["mixed.test"] = [PUBLIC_IP, "10.0.0.1"]
    with pytest.raises(BlockedAddress, match="private network address"):
        fetch(f"http://{host}:{ok_server.port}/")
    assert ok_server.requests == []
    assert network.dials == []


@pytest.mark.parametrize("host", ["169.254.169.254", "0.0.0.0", "[fe80::1]", "[ff02::1]", "224.0.0.1"])  # noqa: S104
def test_metadata_and_unspecified_stay_blocked_with_private_allowed(host, allow_private, network):
    """MICROHOST_ALLOW_PRIVATE_ADDRESSES opens loopback/private only, never metadata, 0.0.0.0 or multicast."""
    with pytest.raises(BlockedAddress):
        fetch(f"http://{host}/latest/meta-data/")
    assert network.dials == []


def test_loopback_allowed_only_with_setting_read_at_call_time(ok_server, fetch_settings):
    """The same loopback URL is refused, then fetched once the setting is switched on."""
    with pytest.raises(BlockedAddress):
        fetch(ok_server.url())
    fetch_settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = True
    assert fetch(ok_server.url()).content == b"hello"
    assert len(ok_server.requests) == 1


def test_rebinding_dials_the_address_that_was_checked(ok_server, network):
    """DNS answering public-then-127.0.0.1: one lookup per connection, and the checked IP is dialled."""
    answers = iter([[PUBLIC_IP]])
    network.names["rebind.test"] = lambda: next(answers, ["127.0.0.1"])
    network.route(PUBLIC_IP, 80, ok_server)
    response = fetch("http://rebind.test/")
    assert response.status_code == 200
    assert network.lookups == ["rebind.test"]
    assert network.dials == [(PUBLIC_IP, 80)]
    assert ok_server.requests[0].headers["Host"] == "rebind.test"


def test_rebinding_on_a_second_connection_is_refused(loopback, network):
    """A redirect needing a new connection resolves again; the rebound 127.0.0.1 answer is refused."""
    site = loopback(lambda req: req.reply(302, headers={"Location": "http://rebind.test:8080/next"}))
    answers = iter([[PUBLIC_IP]])
    network.names["rebind.test"] = lambda: next(answers, ["127.0.0.1"])
    network.route(PUBLIC_IP, 80, site)
    with pytest.raises(BlockedAddress):
        fetch("http://rebind.test/")
    assert network.lookups == ["rebind.test", "rebind.test"]
    assert network.dials == [(PUBLIC_IP, 80)]
    assert [r.path for r in site.requests] == ["/"]


def test_connect_failure_on_a_checked_address_is_not_retried_by_name(network):
    """When the checked public address cannot be reached, nothing else (no re-resolved name) is dialled."""
    network.names["down.test"] = [PUBLIC_IP]
    with pytest.raises(ConnectFailed, match="down.test"):
        fetch("http://down.test/")
    assert network.lookups == ["down.test"]
    assert network.dials == [(PUBLIC_IP, 80)]


BAD_URLS = [
    "file:///etc/passwd",
    "/etc/passwd",
    "ftp://example.com/file",
    "gopher://example.com:70/1",
    "data:text/html,<script>alert(1)</script>",
    "javascript:alert(1)",
    "dict://127.0.0.1:11211/stat",
    "http://",
    "",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_only_http_and_https_are_fetched(url, network):
    """Non-http(s) and relative URLs are refused before any DNS lookup or connection (R4, R10)."""
    with pytest.raises(BadScheme):
        fetch(url)
    assert network.lookups == []
    assert network.dials == []


def test_webmention_endpoint_on_loopback_gets_no_post(ok_server):
    """post_form to a loopback endpoint is refused and the endpoint receives nothing (R5)."""
    with pytest.raises(BlockedAddress):
        post_form(
            ok_server.url("/webmention"), {"source": "https://a.example/", "target": "https://b.example/"}
        )
    assert ok_server.requests == []


def test_check_url_refuses_private_and_bad_schemes(network):
    """check_url, for form validation, applies the same scheme and address policy without fetching."""
    network.names["intranet.test"] = ["192.168.0.10"]
    network.names["blog.test"] = [PUBLIC_IP]
    with pytest.raises(BlockedAddress):
        check_url("https://intranet.test/feed")
    with pytest.raises(BadScheme):
        check_url("ftp://blog.test/")
    with pytest.raises(ConnectFailed):
        check_url("https://unknown.test/")
    check_url("https://blog.test/feed.xml")
    network.names["xn--bcher-kva.example"] = ["10.0.0.7"]
    with pytest.raises(BlockedAddress):  # looked up IDNA-encoded, as the transport would
        check_url("https://bücher.example/")
    assert network.dials == []
