"""Endpoint discovery: the 23 webmention.rocks discovery cases, served on loopback (webmention.md §2).

Each case page is written here from the suite's description. A correct sender POSTs exactly once to
/test/N/webmention (for #15 the page itself, for #21 with its query, for #23 the endpoint behind the
redirect) with source and target form-encoded, and never touches a trap (…/webmention/error, or
/test/20 itself).
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs

import pytest

from tests.webmention.conftest import Handler
from webmention.models import Outgoing
from webmention.send import deliver, queue_post

pytestmark = pytest.mark.django_db

HTML = {"Content-Type": "text/html; charset=utf-8"}
ENTRY = '<div class="h-entry"><h1 class="p-name">Discovery Test #{n}</h1>{body}</div>'


def case_page(n: int, base: str) -> tuple[dict[str, str], str]:
    """(headers, html) of discovery test page n; base is the server's root URL without slash."""
    wm, err = f"/test/{n}/webmention", f"/test/{n}/webmention/error"
    link = lambda url, rel="webmention": f'<link rel="{rel}" href="{url}">'  # noqa: E731
    a = lambda url, rel="webmention": f'<a rel="{rel}" href="{url}">endpoint</a>'  # noqa: E731
    cases: dict[int, tuple[dict[str, str], str, str]] = {
        1: ({"Link": f"<{wm}>; rel=webmention"}, "", ""),
        2: ({"Link": f"<{base}{wm}>; rel=webmention"}, "", ""),
        3: ({}, link(wm), ""),
        4: ({}, f'<link href="{base}{wm}" rel="webmention">', ""),
        5: ({}, "", f"<p>Here is {a(wm)}.</p>"),
        6: ({}, "", f'<p>Here is <a href="{base}{wm}" rel="webmention">it</a>.</p>'),
        7: ({"LinK": f"<{base}{wm}>; rel=webmention"}, "", ""),
        8: ({"Link": f'<{base}{wm}>; rel="webmention"'}, "", ""),
        9: ({}, link(wm, "webmention somethingelse"), ""),
        10: ({"Link": f'<{base}{wm}>; rel="webmention somethingelse"'}, "", ""),
        11: ({"Link": f"<{base}{wm}>; rel=webmention"}, link(err), a(err)),
        12: ({}, link(err, "not-webmention"), a(wm)),
        13: ({}, "", f"<!-- {a(err)} --><p>{a(wm)}</p>"),
        14: ({}, "", f'<code>&lt;a href="{err}" rel="webmention"&gt;&lt;/a&gt;</code><p>{a(wm)}</p>'),
        15: ({}, link(""), ""),
        16: ({}, "", f"<p>{a(wm)}</p>{link(err)}"),
        17: ({}, "", f"{link(wm)}<p>{a(err)}</p>"),
        18: ({"Link": [f'<{base}{err}>; rel="other"', f'<{base}{wm}>; rel="webmention"']}, "", ""),
        19: ({"Link": f'<{base}{err}>; rel="other", <{base}{wm}>; rel="webmention"'}, "", ""),
        20: ({}, '<link rel="webmention">', f"<p>{a(wm)}</p>"),
        21: ({}, link(f"{wm}?query=yes"), ""),
        22: ({}, link(f"{n}/webmention"), ""),
    }
    headers, head, body = cases[n]
    entry = ENTRY.format(n=n, body=body)
    html = f"<!doctype html><html><head><title>#{n}</title>{head}</head><body>{entry}</body></html>"
    return headers, html


class RocksSite:
    """The discovery half of webmention.rocks on loopback: pages, endpoints, traps, single-use #23 keys."""

    def __init__(self, loopback) -> None:
        self.received: list[tuple[str, dict[str, list[str]]]] = []  # (path with query, form)
        self.traps: list[str] = []
        self.keys: set[str] = set()
        self.server = loopback(self.respond)
        self.base = self.server.url("").rstrip("/")

    def respond(self, req: Handler) -> None:
        path = req.path
        if req.command == "POST":
            self._post(req, path)
        elif path.startswith("/test/23/"):
            self._case_23(req, path)
        elif path.startswith("/test/") and path.split("/")[2].isdigit() and path.count("/") == 2:
            headers, html = case_page(int(path.split("/")[2]), self.base)
            req.send_response(200)
            for name, value in {**HTML, **headers}.items():
                for one in value if isinstance(value, list) else [value]:
                    req.send_header(name, one)
            req.send_header("Content-Length", str(len(html.encode())))
            req.end_headers()
            req.wfile.write(html.encode())
        else:
            req.reply(404, b"no such page", {"Content-Type": "text/plain"})

    def _case_23(self, req: Handler, path: str) -> None:
        if path == "/test/23/page":
            key = secrets.token_hex(8)
            self.keys.add(key)
            req.reply(302, b"", {"Location": f"page/{key}"})
        elif path.startswith("/test/23/page/") and path.rsplit("/", 1)[1] in self.keys:
            key = path.rsplit("/", 1)[1]
            self.keys.discard(key)  # single use, as on webmention.rocks
            html = f'<p><a rel="webmention" href="webmention-endpoint/{key}">endpoint</a></p>'
            req.reply(200, html.encode(), {**HTML, "Link": f"<webmention-endpoint/{key}>; rel=webmention"})
        else:
            req.reply(410, b"expired", {"Content-Type": "text/plain"})

    def _post(self, req: Handler, path: str) -> None:
        form = parse_qs(self.server.requests[-1].body.decode())
        trap = path.endswith("/webmention/error") or path == "/test/20"
        if trap:
            self.traps.append(path)
            req.reply(400, b"That endpoint was a trap.", {"Content-Type": "text/plain"})
            return
        self.received.append((path, form))
        req.reply(202, b"accepted", {"Content-Type": "text/plain"})


@pytest.fixture
def rocks(loopback, allow_private) -> RocksSite:
    return RocksSite(loopback)


def send_all(post) -> list[Outgoing]:
    """Run the sending job and every delivery synchronously, as the worker would."""
    for row_id in queue_post(post.pk):
        deliver(row_id)
    return list(Outgoing.objects.filter(post=post))


EXPECTED_ENDPOINT = {
    15: "/test/15",
    21: "/test/21/webmention?query=yes",
    23: "/test/23/page/webmention-endpoint/",
}


@pytest.mark.parametrize("n", range(1, 24))
def test_discovery_case(n, rocks, alice, make_post):
    """webmention.rocks discovery #n: one POST to the right endpoint with source/target, no trap touched."""
    target = f"{rocks.base}/test/{n}" + ("/page" if n == 23 else "")
    post = make_post(alice, f"Testing discovery [#{n}]({target})")
    [row] = send_all(post)
    assert rocks.traps == []
    assert len(rocks.received) == 1, rocks.received
    path, form = rocks.received[0]
    expected = EXPECTED_ENDPOINT.get(n, f"/test/{n}/webmention")
    assert path.startswith(expected) if n == 23 else path == expected
    assert form == {
        "source": [post.get_absolute_url()],
        "target": [target],
    }  # query never moves into the body
    assert (row.state, row.status_code, row.endpoint) == ("sent", 202, rocks.base + path)
    assert row.sent_at is not None and row.error == ""


def test_content_links_and_response_properties_are_all_targets(rocks, alice, make_post):
    """Content links plus in-reply-to/like-of/repost-of/bookmark-of each get one webmention."""
    urls = [f"{rocks.base}/test/{n}" for n in (1, 3, 5, 8, 9)]
    post = make_post(
        alice,
        f"See [one]({urls[0]}) and <{urls[1]}>",
        in_reply_to=urls[2],
        like_of=urls[3],
        bookmark_of=urls[4],
    )
    rows = send_all(post)
    assert {row.target for row in rows} == set(urls)
    assert sorted(path for path, _ in rocks.received) == sorted(
        f"/test/{n}/webmention" for n in (1, 3, 5, 8, 9)
    )


def test_target_without_endpoint_is_recorded(rocks, alice, make_post):
    """A page advertising no endpoint gets no POST; its row says no_endpoint with the page's status."""
    post = make_post(alice, f"[nothing]({rocks.base}/nowhere)")
    [row] = send_all(post)
    assert (row.state, row.status_code) == ("no_endpoint", 404)
    assert rocks.received == []


def test_base_href_is_honoured_for_relative_endpoints(site, alice, make_post):
    """A relative endpoint resolves against <base href> when the page has one (URL standard)."""
    from tests.webmention.conftest import Page

    site.pages["/doc/page"] = Page(
        '<html><head><base href="/other/"><link rel="webmention" href="wm"></head></html>'
    )
    site.pages["/other/wm"] = Page("ok", status=202)
    post = make_post(alice, f"[p]({site.url('/doc/page')})")
    [row] = send_all(post)
    assert (row.state, row.endpoint) == ("sent", site.url("/other/wm"))
