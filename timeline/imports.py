"""Imported blogs (micro.blog's feed import): a user's entries elsewhere become their posts here.

Each entry maps to one post through ImportedEntry, so a re-poll never duplicates and a change
upstream updates the post in place (R14). The backlog found on the first import is never syndicated."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Blog
from posts.models import Post
from posts.services import create_post, update_post
from timeline.entries import Stored
from timeline.models import Feed, FeedEntry, ImportedEntry, ImportSource

MAX_PER_PASS = 200  # posts one poll may create per importing blog; the rest follow on later polls


def entry_properties(entry: FeedEntry) -> dict[str, list]:
    """The entry as mf2 properties; `url` keeps the original address (rendered as u-url)."""
    content = entry.content_html
    if entry.summary_only and entry.url:
        content += f'<p><a href="{entry.url}">Read the original</a></p>'
    properties: dict[str, list] = {
        "content": [{"html": content}] if content else [],
        "name": [entry.title] if entry.title else [],
        "published": [entry.published.isoformat()],
        "url": [entry.url] if entry.url else [],
        "photo": list(entry.photos),
    }
    if entry.in_reply_to:
        properties["in-reply-to"] = [entry.in_reply_to]
    return properties


def _create(source: ImportSource, entry: FeedEntry, *, backlog: bool) -> None:
    post = create_post(blog=source.blog, properties=entry_properties(entry))
    ImportedEntry.objects.create(
        source=source,
        entry=entry,
        post=post,
        content_hash=entry.content_hash,
        may_syndicate=not backlog and entry.published > source.added_at,
    )


def _update(mapping: ImportedEntry, entry: FeedEntry) -> None:
    if mapping.content_hash == entry.content_hash:
        return
    properties = entry_properties(entry)
    properties.pop("published")  # a post's date and URL never move
    update_post(post=mapping.post, properties=properties)
    ImportedEntry.objects.filter(pk=mapping.pk).update(content_hash=entry.content_hash)


def _pending(source: ImportSource, feed: Feed) -> list[FeedEntry]:
    """Entries of the feed with no post yet for this source: new ones, and any a failed pass left."""
    done = ImportedEntry.objects.filter(source=source).values("entry_id")
    return list(
        FeedEntry.objects.filter(feed=feed).exclude(id__in=done).order_by("published", "id")[:MAX_PER_PASS]
    )


def import_entries(feed: Feed, stored: Stored) -> None:
    """Turn entries without a post into posts and changed ones into updates, for every importing blog."""
    for source in ImportSource.objects.filter(feed=feed).select_related("blog__user"):
        backlog = source.first_import_at is None
        for entry in _pending(source, feed):
            with transaction.atomic():
                _create(source, entry, backlog=backlog)
        changed = {entry.pk: entry for entry in stored.changed}
        for mapping in ImportedEntry.objects.filter(source=source, entry_id__in=changed).select_related(
            "post"
        ):
            _update(mapping, changed[mapping.entry_id])
        if backlog:
            ImportSource.objects.filter(pk=source.pk).update(first_import_at=timezone.now())


def add_import_source(*, blog: Blog, feed: Feed) -> ImportSource:
    """Start importing a feed into a blog; entries we already hold are imported now, as backlog."""
    source, created = ImportSource.objects.get_or_create(blog=blog, feed=feed)
    if created and feed.entries.exists():
        import_entries(feed, Stored())
    return source


def remove_import_source(*, source: ImportSource) -> None:
    """Stop importing; the posts already made stay the user's."""
    source.delete()


def may_syndicate(post: Post) -> bool:
    """For the syndication app: False for imported backlog (and entries older than the import)."""
    if post.pk is None:
        return True
    mapping = ImportedEntry.objects.filter(post=post).only("may_syndicate").first()
    return True if mapping is None else mapping.may_syndicate
