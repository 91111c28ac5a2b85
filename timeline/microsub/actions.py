"""Microsub actions (indieweb.org/Microsub-spec#Actions): each takes the user and the request's
parameters and returns the JSON body; trouble is a MicrosubError."""

from __future__ import annotations

from django.db.models import Q

from accounts.models import User
from microhost.fetch import FetchError
from timeline import cursor as keyset
from timeline import fanout, selectors, services
from timeline.discovery import DiscoveryError, discover
from timeline.microsub import channels
from timeline.microsub.channels import MicrosubError
from timeline.microsub.jf2 import entry_jf2, item_jf2, post_jf2
from timeline.models import Feed, Follow, Mute, TimelineItem
from timeline.parsers import ParseError, parse_document

PAGE = 20


def _channel(user: User, params) -> str:
    uid = params.get("channel", "default") or "default"
    if not channels.exists(user, uid):
        raise MicrosubError("No such channel.")
    return uid


def timeline_items(user: User, params) -> dict:
    """GET action=timeline: a page of jf2 entries with paging.after (Microsub §timeline)."""
    uid = _channel(user, params)
    if uid == "notifications":
        posts, after = keyset.page(
            selectors.mentions_query(user).with_relations(), params.get("after", ""), PAGE
        )
        return {"items": [post_jf2(p) for p in posts], "paging": {"after": after} if after else {}}
    if uid == "default":  # Home shows everything the web timeline shows
        items, after = selectors.timeline_page(user, cursor=params.get("after", ""), limit=PAGE)
    else:
        follows = Follow.objects.filter(user=user, channel=uid)
        in_channel = Q(blog__in=follows.values("blog_id")) | Q(feed__in=follows.values("feed_id"))
        items, after = keyset.page(_channel_items(user, in_channel), params.get("after", ""), PAGE)
    return {"items": [item_jf2(i) for i in items], "paging": {"after": after} if after else {}}


def _channel_items(user: User, condition: Q):
    from django.db.models import Prefetch

    from posts.models import Post

    return (
        TimelineItem.objects.filter(user=user)
        .filter(condition)
        .select_related("entry__feed")
        .prefetch_related(Prefetch("post", queryset=Post.objects.with_relations()))
    )


def timeline_change(user: User, params, method: str) -> dict:
    """POST action=timeline method=mark_read/mark_unread/remove with entry / entry[] / last_read_entry."""
    ids = [i for i in params.getlist("entry[]") + params.getlist("entry") if i.isdigit()]
    mine = TimelineItem.objects.filter(user=user)
    if method == "mark_read" and params.get("last_read_entry", "").isdigit():
        last = mine.filter(pk=params["last_read_entry"]).first()
        if last is not None:
            mine.filter(published__lte=last.published).update(is_read=True)
        return {}
    if not ids:
        raise MicrosubError("Give entry or entry[] ids.")
    targets = mine.filter(pk__in=ids)
    if method == "remove":
        targets.delete()
    else:
        targets.update(is_read=method == "mark_read")
    return {}


def _feed_jf2(follow: Follow) -> dict:
    url = follow.feed.url if follow.feed_id else f"{follow.blog.base_url}/"
    return {"type": "feed", "url": url, "name": follow.target_name}


def list_follows(user: User, params) -> dict:
    uid = _channel(user, params)
    follows = selectors.follows_of(user).filter(channel=uid)
    return {"items": [_feed_jf2(f) for f in follows]}


def follow(user: User, params) -> dict:
    """POST action=follow: a local blog URL or a feed URL (discovered as in the web UI, first feed)."""
    uid, url = _channel(user, params), params.get("url", "").strip()
    blog = services.local_blog(url) if url else None
    if blog is not None:
        made = services.follow_blog(user=user, blog=blog)
    else:
        try:
            feed = services.feed_for_url(discover(url)[0].url)
        except (DiscoveryError, FetchError) as exc:
            raise MicrosubError(str(exc)) from exc
        made = services.follow_feed(user=user, feed=feed, channel=uid)
    Follow.objects.filter(pk=made.pk).update(channel=uid)
    return _feed_jf2(made)


def unfollow(user: User, params) -> dict:
    url = params.get("url", "").strip()
    blog = services.local_blog(url) if url else None
    query = Follow.objects.filter(user=user)
    query = query.filter(blog=blog) if blog else query.filter(Q(feed__url=url) | Q(feed__site_url=url))
    for found in query.select_related("blog", "feed"):
        services.unfollow(follow=found)
    return {}


def search(user: User, params) -> dict:
    """POST action=search query=<url>: the feeds found there (Microsub §search, URL queries only)."""
    query = params.get("query", "").strip()
    blog = services.local_blog(query) if query else None
    if blog is not None:
        return {"results": [{"type": "feed", "url": f"{blog.base_url}/", "name": blog.display_title}]}
    url = query if "://" in query else f"https://{query}"
    try:
        found = discover(url)
    except DiscoveryError:
        return {"results": []}
    return {"results": [{"type": "feed", "url": c.url, "name": c.title or c.url} for c in found]}


def preview(user: User, params) -> dict:
    """action=preview url=<feed>: its entries as jf2, nothing stored."""
    from microhost.fetch import fetch

    url = params.get("url", "").strip()
    try:
        response = fetch(url)
        parsed = parse_document(
            response.content, url=response.url, content_type=response.headers.get("Content-Type", "")
        )
    except (FetchError, ParseError) as exc:
        raise MicrosubError(f"Could not preview {url}: {exc}") from exc
    from timeline.entries import _row

    feed = Feed(url=url, title=parsed.title)
    return {"items": [entry_jf2(_row(feed, entry)) for entry in parsed.entries[:PAGE]]}


def _source(user: User, url: str) -> dict:
    blog = services.local_blog(url)
    if blog is not None:
        return {"blog": blog}
    feed = Feed.objects.filter(Q(url=url) | Q(site_url=url)).first()
    if feed is None:
        raise MicrosubError("Nobody by that URL is known here.")
    return {"feed": feed}


def list_mutes(user: User, *, blocked: bool) -> dict:
    rows = Mute.objects.filter(user=user, blocked=blocked).select_related("blog", "feed")
    urls = [f"{m.blog.base_url}/" if m.blog_id else m.feed.url for m in rows]
    return {"items": [{"type": "card", "url": url} for url in urls]}


def mute(user: User, params, *, on: bool, blocked: bool = False) -> dict:
    """mute/unmute/block/unblock url=<person or feed>; block also unfollows and removes their items."""
    target = _source(user, params.get("url", "").strip())
    if not on:
        Mute.objects.filter(user=user, blocked=blocked, **target).delete()
        return {}
    services.mute(user=user, **target)
    if blocked:
        Mute.objects.filter(user=user, **target).update(blocked=True)
        for found in Follow.objects.filter(user=user, **target):
            services.unfollow(follow=found)
        TimelineItem.objects.filter(user=user, **target).delete()
    return {}


def touch(user: User) -> None:
    fanout.touch(user)
