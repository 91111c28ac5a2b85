"""Following, unfollowing and muting (HackSoft-style services: keyword-only, typed, side effects here)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.models import Blog, User
from microhost.fetch import check_url
from timeline import fanout
from timeline.models import Feed, Follow, Mute


def local_blog(text: str) -> Blog | None:
    """The platform blog a username, @username or blog URL names, if any."""
    text = text.strip().lstrip("@")
    if "://" not in text and "/" not in text and "." not in text:
        return Blog.objects.select_related("user").filter(user__username__iexact=text).first()
    host = (urlsplit(text if "://" in text else f"http://{text}").hostname or "").lower()
    suffix = f".{settings.MICROHOST_DOMAIN}"
    if host.endswith(suffix):
        return Blog.objects.select_related("user").filter(subdomain__iexact=host[: -len(suffix)]).first()
    return Blog.objects.select_related("user").filter(custom_domain=host).first() if host else None


def feed_for_url(url: str) -> Feed:
    """The one Feed row for a URL, however many people follow it (refused URLs raise FetchError)."""
    check_url(url)
    feed, _ = Feed.objects.get_or_create(url=url)
    return feed


def follow_blog(*, user: User, blog: Blog) -> Follow:
    follow, created = Follow.objects.get_or_create(user=user, blog=blog)
    if created:
        fanout.backfill_follow(follow)
    return follow


def follow_feed(*, user: User, feed: Feed, channel: str = "default") -> Follow:
    """Follow a feed; the first follower's request polls it at once so the timeline is not empty."""
    try:
        with transaction.atomic():
            follow, created = Follow.objects.get_or_create(
                user=user, feed=feed, defaults={"channel": channel}
            )
    except IntegrityError:
        follow, created = Follow.objects.get(user=user, feed=feed), False
    if created and feed.last_polled_at is None:
        from timeline.polling import poll_feed

        poll_feed(feed.pk)
    if created:
        fanout.backfill_follow(follow)
    return follow


def follow_outlines(*, user: User, outlines: list[tuple[str, str]]) -> int:
    """Follow each (url, title) of an OPML import; feeds new to the platform are polled on commit."""
    from timeline.tasks import poll_feed

    for url, title in outlines:
        blog = local_blog(url)
        with transaction.atomic():
            if blog is not None:
                follow_blog(user=user, blog=blog)
                continue
            feed, new_feed = Feed.objects.get_or_create(url=url, defaults={"title": title[:300]})
            follow, created = Follow.objects.get_or_create(user=user, feed=feed)
            if created:
                fanout.backfill_follow(follow)
            if new_feed:
                transaction.on_commit(lambda feed_id=feed.pk: poll_feed.delay(feed_id))
    return len(outlines)


def unfollow(*, follow: Follow) -> None:
    fanout.drop_follow(follow)
    follow.delete()


def mute(*, user: User, blog: Blog | None = None, feed: Feed | None = None) -> Mute:
    """Hide a blog or feed from the timeline without unfollowing (applied when the timeline is read)."""
    muted, _ = Mute.objects.get_or_create(user=user, blog=blog, feed=feed)
    return muted


def unmute(*, user: User, blog: Blog | None = None, feed: Feed | None = None) -> None:
    Mute.objects.filter(user=user, blog=blog, feed=feed).delete()
