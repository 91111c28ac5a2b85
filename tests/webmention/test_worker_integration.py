"""End to end with a real Celery worker on the configured broker (filesystem or Redis): a webmention
POSTed to the endpoint is answered 202, verified by the worker fetching a loopback source, and shown
on the post page. Also the sending side: publishing a post makes the worker deliver its webmention."""

from __future__ import annotations

import time

import pytest
from django.test import Client

import webmention.tasks  # noqa: F401  (registers the webmention.* tasks before the worker starts)
from tests.microhost.test_celery_worker import worker  # noqa: F401  (module-scoped real worker)
from tests.webmention.conftest import Page, reply_page
from webmention.models import Outgoing, Received

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_SECONDS = 40  # the filesystem transport polls once a second


def wait_for(check, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_received_webmention_is_verified_by_the_worker_and_shown(worker, site, alice, make_post):  # noqa: F811
    """POST → 202 + Location; the worker fetches the loopback source, accepts it; the page shows the reply."""
    post = make_post(alice, "Tell me what you think")
    target = post.get_absolute_url()
    site.pages["/reply"] = Page(reply_page(target, text="Worker-verified reply", author="Wendy"))
    blog = Client(HTTP_HOST=alice.blog.host)
    response = blog.post("/webmention", {"source": site.url("/reply"), "target": target})
    assert response.status_code == 202
    row = wait_for(lambda: Received.objects.filter(state="accepted").first(), "verification")
    assert row.author_name == "Wendy" and [r.path for r in site.requests] == ["/reply"]
    status = blog.get(response["Location"].removeprefix(alice.blog.base_url)).json()
    assert status["status"] == "accepted"
    page = blog.get(post.path).content.decode()
    assert "Worker-verified reply" in page and "Wendy" in page


def test_published_post_is_sent_by_the_worker(worker, site, alice, make_post):  # noqa: F811
    """Publishing commits, post_changed queues send_post, the worker discovers the endpoint and POSTs."""
    site.pages["/article"] = Page("<p>An article</p>", headers={"Link": "</wm>; rel=webmention"})
    site.pages["/wm"] = Page("ok", status=202, headers={"Content-Type": "text/plain"})
    post = make_post(alice, f"Replying to [this]({site.url('/article')})")
    row = wait_for(lambda: Outgoing.objects.filter(post=post, state="sent").first(), "delivery")
    assert row.status_code == 202 and row.endpoint == site.url("/wm")
    assert len(site.posts_to("/wm")) == 1


def test_sweep_reenqueues_due_rows_whose_message_was_lost(worker, site, alice, make_post):  # noqa: F811
    """Pending rows with no message in the broker (e.g. Redis lost them) are picked up by
    webmention.sweep: one message per batch of due rows, and the job it starts drains them all."""
    from webmention.tasks import sweep

    post = make_post(alice, "Swept")
    rows = []
    for n in range(3):
        site.pages[f"/lost{n}"] = Page(reply_page(post.get_absolute_url(), text="Found by the sweep"))
        rows.append(
            Received.objects.create(
                blog=alice.blog,
                post=post,
                source=site.url(f"/lost{n}"),
                target=post.get_absolute_url(),
                source_host="127.0.0.1",
            )
        )
    assert sweep.delay().get(timeout=WAIT_SECONDS) == 3
    wait_for(
        lambda: Received.objects.filter(pk__in=[r.pk for r in rows], state="accepted").count() == 3,
        "the swept rows",
    )
