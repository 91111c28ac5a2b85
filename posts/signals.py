"""The posts app's signal, and the receivers keeping archive month counts exact.

post_changed is sent after a post change commits, so later features (webmention, syndication, WebSub)
can react without posts/ importing them. `action` is created, updated, deleted or undeleted.

The archive receivers (connected in PostsConfig.ready()) run on Django's pre/post_save and
pre/post_delete, inside the write's transaction: a new listed post adds one to its month, any other
save or delete recounts the months the post left and entered (archive_months.py), and a blog whose
time zone changes is recounted whole.
Queryset .update() and bulk_create() send no signals: none is used on posts (call
archive_months.recount() if one ever is).

A post's stored renderings (posts/stored_renderings.py) go stale on every Post.save(), which is why
every change to a post's photos or category links is made in the transaction that saves the post
(posts/services.py): no signal is needed for them, and a page that read the post before cannot store
a rendering of the old photos or categories.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal

from accounts.models import Blog
from posts import archive_months
from posts.models import UNKNOWN, Post, listed_at

post_changed = Signal()


def connect_archive_months() -> None:
    pre_save.connect(_post_before_save, sender=Post, dispatch_uid="archive_months_post_before")
    post_save.connect(_post_saved, sender=Post, dispatch_uid="archive_months_post_saved")
    pre_delete.connect(_post_before_delete, sender=Post, dispatch_uid="archive_months_post_before_delete")
    post_delete.connect(_post_deleted, sender=Post, dispatch_uid="archive_months_post_deleted")
    pre_save.connect(_blog_before_save, sender=Blog, dispatch_uid="archive_months_blog_before")
    post_save.connect(_blog_saved, sender=Blog, dispatch_uid="archive_months_blog_saved")


def _post_before_save(sender, instance, raw=False, **kwargs) -> None:
    if not raw:  # loaddata brings its own rows (manage.py rebuild_archive_months after it)
        instance.stored_listed_at = archive_months.stored_listed_at(instance)


def _post_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw:
        return
    before, after = instance.stored_listed_at, archive_months.current_listed_at(instance)
    if created and after is not None:
        blog = instance.blog
        archive_months.count_new_post(blog, archive_months.month_of(after, blog.tzinfo))
    elif before is not None or after is not None:  # no blog read for drafts and hidden posts
        blog = instance.blog
        archive_months.recount(blog, archive_months.months_touched(blog.tzinfo, before, after))
    instance.stored_listed_at = after


def _post_before_delete(sender, instance, origin=None, **kwargs) -> None:
    if _deletes_posts(origin):  # read from the row if the instance does not know (while there is one)
        instance.stored_listed_at = archive_months.stored_listed_at(instance)


def _post_deleted(sender, instance, origin=None, **kwargs) -> None:
    """A blog's (or account's) deletion takes its months with it: no recount per post then."""
    if not _deletes_posts(origin):
        return
    moments = {instance.stored_listed_at, listed_at(instance.__dict__)} - {None, UNKNOWN}
    if moments:
        blog = instance.blog
        archive_months.recount(blog, {archive_months.month_of(moment, blog.tzinfo) for moment in moments})


def _deletes_posts(origin) -> bool:
    """Whether the deletion started at posts (a post, or a queryset of posts), not at their blog."""
    return isinstance(origin, Post) or getattr(origin, "model", None) is Post


def _blog_before_save(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    """Remember the stored time zone when this save may change it (one query, rare writes)."""
    may_change = update_fields is None or "timezone" in update_fields
    if raw or instance._state.adding or not may_change:
        instance.stored_timezone = None
        return
    instance.stored_timezone = Blog.objects.filter(pk=instance.pk).values_list("timezone", flat=True).first()


def _blog_saved(sender, instance, raw=False, **kwargs) -> None:
    stored = getattr(instance, "stored_timezone", None)
    if stored is not None and stored != instance.timezone:
        archive_months.rebuild(instance)
