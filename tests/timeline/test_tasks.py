"""The beat task: when feeds are due, queues a draining poll job after commit."""

from __future__ import annotations

import pytest

from timeline import tasks
from timeline.models import Feed, Follow

pytestmark = pytest.mark.django_db


def test_sweep_queues_a_draining_job_after_commit(feed_site, alice, django_capture_on_commit_callbacks):
    """poll_due_feeds queues one poll_due job on commit when feeds are due; the job polls them all."""
    feeds = [Feed.objects.create(url=feed_site.serve(f"/f{i}/", "ghost.rss")) for i in range(3)]
    for feed in feeds:
        Follow.objects.create(user=alice, feed=feed)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.poll_due_feeds() == 1
    assert len(callbacks) == 1 and feed_site.requests == []
    assert tasks.poll_due() == {"updated": 3}  # what the job does
    assert tasks.poll_due_feeds() == 0  # nothing due any more: no job
    assert feed_site.hits("/f0/") == 1
