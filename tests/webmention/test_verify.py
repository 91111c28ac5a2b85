"""Verification: the job fetches the source, checks the link, reads mf2, updates and deletes (§3.2.2-4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.webmention.conftest import Page, reply_page
from webmention.models import Received
from webmention.moderation import preferences_for
from webmention.receive import accept_webmention
from webmention.verify import NO_LINK, verify_received

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(alice, make_post):
    return make_post(alice, "A post worth replying to")


def receive(site, post, path="/reply", body=None, **page):
    """Serve a source page and run the receiver and the verification job synchronously."""
    if body is not None:
        site.pages[path] = Page(body, **page)
    row = accept_webmention(blog=post.blog, source=site.url(path), target=post.get_absolute_url())
    return verify_received(row.pk)


def test_reply_is_verified_and_interpreted(site, post):
    """A reply h-entry becomes an accepted reply with author name/url/photo, content and date."""
    row = receive(site, post, body=reply_page(post.get_absolute_url(), text="<p>Nice <b>one</b></p>"))
    assert row.state == "accepted" and row.kind == "reply"
    assert (row.author_name, row.author_url, row.author_photo) == (
        "Carol",
        "https://carol.example/",
        "https://carol.example/me.jpg",
    )
    assert row.content_html == "<p>Nice <b>one</b></p>"
    assert row.published.isoformat() == "2026-11-20T10:00:00+00:00"
    assert site.requests[0].headers["Accept"].startswith("text/html")


@pytest.mark.parametrize(
    ("css", "kind"),
    [("u-like-of", "like"), ("u-repost-of", "repost"), ("u-bookmark-of", "bookmark"),
     ("u-in-reply-to", "reply"), ("u-quotation-of", "quotation"), ("u-url", "mention")],
)  # fmt: skip
def test_kinds(site, post, css, kind):
    """The response property naming the post decides the kind; a plain link is a mention."""
    assert receive(site, post, body=reply_page(post.get_absolute_url(), kind=css)).kind == kind


def test_rsvp(site, post):
    """A reply with p-rsvp is an RSVP, keeping its value."""
    extra = '<data class="p-rsvp" value="yes">going</data>'
    row = receive(site, post, body=reply_page(post.get_absolute_url(), extra=extra))
    assert (row.kind, row.rsvp) == ("rsvp", "yes")


def test_embedded_h_cite_reply(site, post):
    """in-reply-to given as an embedded h-cite with a u-url still names the target."""
    target = post.get_absolute_url()
    body = f"""<div class="h-entry"><div class="u-in-reply-to h-cite">
    <a class="u-url" href="{target}">x</a></div><p class="e-content">hi</p></div>"""
    assert receive(site, post, body=body).kind == "reply"


def test_source_without_the_link_is_rejected(site, post):
    """A source not linking to the target exactly (here: one extra character) is rejected, never shown."""
    body = reply_page(post.get_absolute_url() + "x")
    row = receive(site, post, body=body)
    assert row.state == "rejected" and "does not link" in row.error


def test_plain_text_and_json_sources(site, post):
    """Plain text bodies link by substring, JSON bodies by an exact string value."""
    target = post.get_absolute_url()
    text = receive(site, post, "/t", f"see {target} ok", headers={"Content-Type": "text/plain"})
    as_json = receive(
        site, post, "/j", json.dumps({"a": [{"b": target}]}), headers={"Content-Type": "application/json"}
    )
    bad_json = receive(
        site, post, "/k", json.dumps({"a": target + "/x"}), headers={"Content-Type": "application/json"}
    )
    assert (text.state, as_json.state, bad_json.state) == ("accepted", "accepted", "rejected")
    assert text.kind == "mention" and text.author_name == "127.0.0.1"


def test_image_src_counts_as_a_link(site, post):
    """An <img src> equal to the target is a link (Webmention §3.2.2)."""
    assert receive(site, post, body=f'<p><img src="{post.get_absolute_url()}"></p>').state == "accepted"


def test_resend_updates_the_stored_mention(site, post):
    """A re-sent webmention replaces the stored content: one row, new text."""
    receive(site, post, body=reply_page(post.get_absolute_url(), text="first"))
    row = receive(site, post, body=reply_page(post.get_absolute_url(), text="second thoughts"))
    assert Received.objects.count() == 1
    assert "second thoughts" in row.content_html and row.state == "accepted"


@pytest.mark.parametrize("gone", ["410", "meta", "unlinked"])
def test_deleted_sources_are_removed(site, post, gone, blog_client, alice):
    """A re-sent source answering 410, a 410 meta status, or no longer linking removes the mention."""
    receive(site, post, body=reply_page(post.get_absolute_url(), text="Soon gone"))
    assert "Soon gone" in blog_client(alice).get(post.path).content.decode()
    if gone == "410":
        site.pages["/reply"] = Page("gone", status=410)
    elif gone == "meta":
        site.pages["/reply"] = Page('<meta http-equiv="Status" content="410 Gone"><p>deleted</p>')
    else:
        site.pages["/reply"] = Page("<p>I took the link out</p>")
    row = receive(site, post)
    assert row.state == "deleted"
    assert "Soon gone" not in blog_client(alice).get(post.path).content.decode()


def test_unreachable_source_is_retried_then_rejected(post, settings, make_site):
    """A connection failure schedules a retry (pending, later attempt); after the last one: rejected."""
    settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = True
    site = make_site()
    source = site.url("/gone")
    site.server.close()
    row = accept_webmention(blog=post.blog, source=source, target=post.get_absolute_url())
    row = verify_received(row.pk)
    assert row.state == "pending" and row.attempts == 1 and row.next_attempt_at > row.received_at
    Received.objects.filter(pk=row.pk).update(attempts=4, next_attempt_at=row.received_at)
    assert verify_received(row.pk).state == "rejected"


def test_private_address_sources_are_never_fetched(alice, post, site, settings):
    """Without MICROHOST_ALLOW_PRIVATE_ADDRESSES a loopback source is refused and gets zero requests (R2)."""
    settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = False
    row = receive(site, post, body=reply_page(post.get_absolute_url()))
    assert row.state == "rejected" and site.requests == []


def test_job_is_idempotent(site, post):
    """Running the job again for a row that is already verified does nothing (a redelivered message)."""
    row = receive(site, post, body=reply_page(post.get_absolute_url()))
    assert verify_received(row.pk) is None
    assert len(site.requests) == 1


# --- authorship -------------------------------------------------------------------------------


def test_author_from_author_page(site, post):
    """u-author as a URL: the author page's h-card with url == uid == page gives name and photo."""
    author_url = site.url("/about")
    site.pages["/about"] = Page(
        f'<div class="h-card"><a class="u-url u-uid p-name" href="{author_url}">Dana</a>'
        '<img class="u-photo" src="https://dana.example/d.png" alt="Dana"></div>'
    )
    body = (
        f'<div class="h-entry"><a class="u-author" href="{author_url}"></a>'
        f'<p class="e-content"><a href="{post.get_absolute_url()}">re</a></p></div>'
    )
    row = receive(site, post, body=body)
    assert (row.author_name, row.author_photo) == ("Dana", "https://dana.example/d.png")


def test_author_from_rel_author_and_rel_me(site, post):
    """No author property: rel=author leads to a page whose h-card url is also a rel=me link."""
    site.pages["/me"] = Page(
        '<a rel="me" href="https://eve.example/">me</a><div class="h-card"><a class="u-url p-name" href="https://eve.example/">Eve</a></div>'
    )
    body = (
        f'<link rel="author" href="{site.url("/me")}"><div class="h-entry">'
        f'<p class="e-content"><a href="{post.get_absolute_url()}">x</a></p></div>'
    )
    assert receive(site, post, body=body).author_name == "Eve"


def test_author_as_plain_name_and_feed_author(site, post):
    """A text author is a name; an entry without one takes its h-feed's author."""
    target = post.get_absolute_url()
    named = receive(
        site,
        post,
        "/a",
        f'<div class="h-entry"><span class="p-author">Fay</span><a href="{target}">x</a></div>',
    )
    feed = receive(
        site,
        post,
        "/b",
        f'<div class="h-feed"><div class="p-author h-card">Gus</div>'
        f'<div class="h-entry"><a href="{target}">x</a></div></div>',
    )
    assert (named.author_name, feed.author_name) == ("Fay", "Gus")


def test_author_falls_back_to_domain(site, post):
    """No author at all: the source's domain is shown as the author."""
    row = receive(
        site,
        post,
        body=f'<div class="h-entry"><a class="e-content" href="{post.get_absolute_url()}">x</a></div>',
    )
    assert row.author_name == "127.0.0.1" and row.author_url.startswith("http://127.0.0.1:")


def test_author_url_and_photo_must_be_http(site, post):
    """javascript:/data: author URLs and photos are dropped, never stored."""
    body = f"""<div class="h-entry"><div class="p-author h-card">
    <a class="p-name u-url" href="javascript:alert(1)">Mal</a>
    <img class="u-photo" src="data:image/png;base64,AAAA">
    </div><a href="{post.get_absolute_url()}">x</a></div>"""
    row = receive(site, post, body=body)
    assert (row.author_name, row.author_url, row.author_photo) == ("Mal", "", "")


def test_long_content_is_trimmed_with_a_link(site, post):
    """Content past the limit is cut and links to the source; the summary is preferred when given."""
    long_text = "word " * 400
    row = receive(site, post, "/long", reply_page(post.get_absolute_url(), text=long_text))
    assert len(row.content_html) < 800 and "Read more" in row.content_html
    assert site.url("/long") in row.content_html


# --- XSS --------------------------------------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[1] / "microhost" / "testdata" / "xss_payloads.txt"
PAYLOADS = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line and line[:2] != "# "]


def test_xss_corpus_in_content_and_author_leaves_nothing_executable(site, post, alice, blog_client, settings):
    """The XSS corpus as reply content and author name: the post page has no executable markup (R6-R8)."""
    from tests.microhost.test_sanitize import audit

    settings.WEBMENTION_SOURCE_HOST_QUOTA = 1000

    target = post.get_absolute_url()
    for n, payload in enumerate(PAYLOADS):
        body = reply_page(target, text=payload, author=payload, photo="javascript:alert(1)")
        row = receive(site, post, f"/x{n}", body)
        assert row.state == "accepted", payload
        assert not audit(row.content_html).problems, payload
    page = blog_client(alice).get(post.path).content.decode()
    responses = page[page.index('class="wm-responses"') :]
    found = audit(responses)
    assert [problem for problem in found.problems if problem != "<li id=...>"] == []  # our own anchors
    assert not found.tags & {
        "script",
        "style",
        "iframe",
        "svg",
        "math",
        "form",
        "base",
        "meta",
        "object",
        "embed",
        "link",
    }
    assert 'href="javascript' not in responses.lower() and 'src="javascript' not in responses.lower()


PRIVATE_SOURCES = [
    "127.0.0.1",
    "[::1]",
    "169.254.169.254",
    "10.0.0.1",
    "100.64.0.1",
    "0.0.0.0",  # noqa: S104 - a source address under test, nothing binds to it
    "[::ffff:127.0.0.1]",
]


@pytest.mark.parametrize("host", [*PRIVATE_SOURCES, "sneaky.example"])
def test_sources_on_private_addresses_are_refused_unfetched(host, post, site, settings, network):
    """R2: private/loopback sources, literal or by name, are accepted (202) but rejected unfetched."""
    settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = False
    network.names["sneaky.example"] = ["127.0.0.1"]
    site.pages["/r"] = Page(reply_page(post.get_absolute_url()))
    port = site.server.port
    row = accept_webmention(blog=post.blog, source=f"http://{host}:{port}/r", target=post.get_absolute_url())
    row = verify_received(row.pk)
    assert row.state == "rejected" and row.error
    assert site.requests == [] and network.dials == []


def test_oversized_source_is_rejected(site, post):
    """A source past the 1 MB read cap is not parsed: rejected with the reason."""
    body = reply_page(post.get_absolute_url()) + "<!--" + "x" * (1024 * 1024 + 10) + "-->"
    row = receive(site, post, body=body)
    assert row.state == "rejected" and "larger" in row.error


def test_verification_costs_a_few_queries(site, post, django_assert_max_num_queries):
    """Claim (one UPDATE), the row with blog, preferences, the post's path and whether the source's host
    is a custom domain of ours (one query), and the save with the blog's touch in one transaction
    (BEGIN, two UPDATEs, COMMIT): issue 7's budget for ≥ 100/s."""
    preferences_for(post.blog)  # an existing blog has its row; the first verification creates it
    site.pages["/reply"] = Page(reply_page(post.get_absolute_url()))
    row = accept_webmention(blog=post.blog, source=site.url("/reply"), target=post.get_absolute_url())
    with django_assert_max_num_queries(6):
        assert verify_received(row.pk).state == "accepted"


def test_a_source_on_a_custom_domain_of_ours_is_read_in_process(alice, bob, make_post, network):
    """A source at a custom domain of one of our blogs is rendered in-process (the claim tells): no dial."""
    bob.blog.custom_domain = "bob.example"
    bob.blog.save(update_fields=["custom_domain"])
    original = make_post(alice, "Alice's thought")
    reply = make_post(bob, "Agreed, from my own domain", in_reply_to=original.get_absolute_url())
    target = original.get_absolute_url()
    row = accept_webmention(blog=alice.blog, source=reply.get_absolute_url(), target=target)
    assert row.source_host == "bob.example"
    row = verify_received(row.pk)
    assert (row.state, row.kind, row.author_name) == ("accepted", "reply", "bob")
    assert network.dials == []


@pytest.mark.parametrize("answer", ["no link", "404", "too large"])
def test_rejection_reason_is_this_attempts_not_an_earlier_one(site, post, answer):
    """A retry that finds no link (or a 404, or a fetch error) is rejected with that reason, never the
    connection error an earlier attempt left on the row."""
    target = post.get_absolute_url()
    pages = {
        "no link": Page("<p>No link here</p>"),
        "404": Page("missing", status=404),
        "too large": Page(reply_page(target) + "<!--" + "x" * (1024 * 1024 + 10) + "-->"),
    }
    site.pages["/r"] = pages[answer]
    row = accept_webmention(blog=post.blog, source=site.url("/r"), target=target)
    stale = "Could not connect to 127.0.0.1 (earlier attempt)."
    Received.objects.filter(pk=row.pk).update(attempts=1, error=stale)  # as a failed attempt leaves it
    row = verify_received(row.pk)
    assert row.state == "rejected" and row.error != stale
    assert ("larger" in row.error) if answer == "too large" else row.error == NO_LINK
    assert Received.objects.get(pk=row.pk).error == row.error
