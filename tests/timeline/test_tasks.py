"""The beat task: claims due feeds once (leased) and enqueues one poll job per feed after commit."""

from __future__ import annotations

import pytest

from timeline import tasks
from timeline.models import Feed, Follow

pytestmark = pytest.mark.django_db


def test_sweep_claims_and_enqueues_after_commit(feed_site, alice, django_capture_on_commit_callbacks):
    """poll_due_feeds enqueues poll_feed for each due feed only on commit; a second sweep finds none due."""
    feeds = [Feed.objects.create(url=feed_site.serve(f"/f{i}/", "ghost.rss")) for i in range(3)]
    for feed in feeds:
        Follow.objects.create(user=alice, feed=feed)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.poll_due_feeds() == 3
    assert len(callbacks) == 3 and feed_site.requests == []
    assert tasks.poll_due_feeds() == 0  # leased: not claimed twice while the jobs run
    assert {tasks.poll_feed(feed.pk) for feed in feeds} == {"updated"}  # what each job does
    assert feed_site.hits("/f0/") == 1
