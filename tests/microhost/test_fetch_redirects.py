"""Redirects and proxies in the safe fetcher: every hop re-checked, at most 5, no env proxies (R4)."""

from __future__ import annotations

import httpx
import pytest

from microhost.fetch import BadScheme, BlockedAddress, TooManyRedirects, fetch, post_form

PUBLIC_IP = "93.184.216.34"  # global; the network fixture routes it to a loopback server, never out
pytestmark = pytest.mark.usefixtures("network", "fetch_settings")


def redirecting_to(location: str, status: int = 302):
    """A respond() answering every request with a redirect to location."""
    return lambda req: req.reply(status, headers={"Location": location})


@pytest.mark.parametrize("private_target", ["http://127.0.0.1:{port}/secret", "http://intranet.test/admin"])
def test_public_site_redirecting_to_private_is_refused_at_that_hop(private_target, loopback, network):
    """A public page redirecting into loopback/private space is refused at that hop; nothing fetched there."""
    site = loopback(lambda req: None)
    site.respond = redirecting_to(private_target.format(port=site.port))
    network.names["public.test"] = [PUBLIC_IP]
    network.names["intranet.test"] = ["10.1.2.3"]
    network.route(PUBLIC_IP, 80, site)
    with pytest.raises(BlockedAddress):
        fetch("http://public.test/")
    assert [r.path for r in site.requests] == ["/"]
    assert network.dials == [(PUBLIC_IP, 80)]


def test_redirect_to_metadata_refused_even_with_private_allowed(loopback, allow_private, network):
    """With private addresses allowed (development), a redirect to 169.254.169.254 is still refused."""
    site = loopback(redirecting_to("http://169.254.169.254/latest/meta-data/iam/"))
    with pytest.raises(BlockedAddress):
        fetch(site.url())
    assert len(site.requests) == 1
    assert not network.dialled("169.254.169.254")


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/", "data:,hi"]
)
def test_redirect_to_other_schemes_refused(location, loopback, allow_private):
    """A redirect to file:, ftp:, gopher: or data: raises BadScheme; only the first request was made."""
    site = loopback(redirecting_to(location))
    with pytest.raises(BadScheme):
        fetch(site.url())
    assert len(site.requests) == 1


def test_more_than_five_redirects_fail(loopback, allow_private):
    """An endless redirect loop stops with TooManyRedirects after 5 redirects: 6 requests at most."""
    site = loopback(lambda req: req.reply(302, headers={"Location": f"/hop{len(site.requests)}"}))
    with pytest.raises(TooManyRedirects):
        fetch(site.url())
    assert len(site.requests) == 6


def test_five_redirects_are_followed(loopback, allow_private):
    """Exactly 5 redirects succeed; the response carries the final URL and the hops in history."""

    def respond(req):
        hop = len(site.requests)
        if hop <= 5:
            req.reply(301, headers={"Location": f"/hop{hop}"})
        else:
            req.reply(200, b"arrived")

    site = loopback(respond)
    response = fetch(site.url("/start"))
    assert response.content == b"arrived"
    assert response.url == site.url("/hop5")
    assert response.history == [site.url("/start")] + [site.url(f"/hop{n}") for n in range(1, 5)]


def test_redirects_not_followed_when_asked(loopback, allow_private):
    """follow_redirects=False returns the 3xx itself with its Location."""
    site = loopback(redirecting_to("/elsewhere", status=301))
    response = fetch(site.url(), follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["Location"] == "/elsewhere"
    assert len(site.requests) == 1


@pytest.mark.parametrize(
    ("status", "method", "body"), [(303, "GET", b""), (302, "GET", b""), (307, "POST", b"a=1")]
)
def test_post_redirect_method_follows_httpx_rules(status, method, body, loopback, allow_private):
    """POST → 302/303 continues as GET without a body; POST → 307 repeats the POST with its body."""

    def respond(req):
        if req.path == "/form":
            req.reply(status, headers={"Location": "/done"})
        else:
            req.reply(200, b"done")

    site = loopback(respond)
    post_form(site.url("/form"), {"a": "1"})
    sent = [(r.method, r.path, r.body) for r in site.requests]
    assert sent == [("POST", "/form", b"a=1"), (method, "/done", body)]


def test_environment_proxies_are_ignored(loopback, ok_server, allow_private, monkeypatch):
    """HTTP(S)_PROXY/ALL_PROXY in the environment never see a request: trust_env=False (R4)."""
    proxy = loopback(lambda req: req.reply(502, b"proxied"))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy.url())
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert fetch(ok_server.url()).content == b"hello"
    assert proxy.requests == []
    # Control: a plain httpx client does use the proxy, so the environment above is effective.
    assert httpx.get(ok_server.url()).content == b"proxied"
    assert len(proxy.requests) == 1
