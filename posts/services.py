"""Side effects on posts. The composer, Micropub and feed import all call these."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Blog
from posts import properties as props
from posts.images import ProcessedImage, save_processed
from posts.models import Category, Photo, Post
from posts.paths import assign_path
from posts.post_types import discover_type
from posts.rendering import render_content
from posts.signals import post_changed

# File names save_processed gives uploads: a random UUID, so URLs are unguessable.
UPLOAD_NAME = re.compile(r"[0-9a-f]{32}\.[a-z0-9]{2,5}")


logger = logging.getLogger(__name__)
# Takes the sending of post_changed and runs it when the caller chooses (see create_post).
Defer = Callable[[Callable[[], None]], None]
# Properties whose change alone does not make a post "edited" (dt-updated).
BOOKKEEPING_PROPERTIES = {"syndication"}


@dataclass
class NewPhoto:
    """An already validated upload and its alt text."""

    image: ProcessedImage
    alt: str = ""


def _apply(post: Post, properties: dict[str, list]) -> None:
    """Set the fields the given properties name (replace semantics per property)."""
    tz = post.blog.tzinfo
    if "content" in properties:
        post.content, post.content_is_html = props.content_of(properties)
        post.content_html = render_content(post.content, is_html=post.content_is_html)
    if "name" in properties:
        post.name = props.text_value(props.first(properties, "name"))[:300]
    if "summary" in properties:
        post.summary = props.text_value(props.first(properties, "summary"))
    if "published" in properties and props.first(properties, "published"):
        post.published = props.parse_when(props.first(properties, "published"), tz=tz, field="published")
    if "post-status" in properties:
        status = props.text_value(props.first(properties, "post-status")) or Post.Status.PUBLISHED
        if status not in Post.Status.values:
            raise ValidationError("post-status must be draft or published.", code="invalid_status")
        post.status = status
    if "visibility" in properties:
        visibility = props.text_value(props.first(properties, "visibility")) or Post.Visibility.PUBLIC
        if visibility not in Post.Visibility.values:
            raise ValidationError(
                "visibility must be public, unlisted or private.", code="invalid_visibility"
            )
        post.visibility = visibility
    for prop, attr in props.URL_PROPERTIES.items():
        if prop in properties:
            value = props.first(properties, prop)
            setattr(post, attr, props.http_url(value, field=prop) if value else "")
    if "syndication" in properties:
        post.syndication = [props.http_url(v, field="syndication") for v in properties["syndication"] or []]
    _apply_micropub_only(post, properties)
    _set_extra(post, properties)


def _apply_micropub_only(post: Post, properties: dict[str, list]) -> None:
    """Properties only Micropub clients send: updated, media URLs, mp-syndicate-to."""
    updated = props.first(properties, "updated")
    if post.pk is None and updated:
        post.updated = props.parse_when(updated, tz=post.blog.tzinfo, field="updated")
    for prop in ("video", "audio"):
        for value in properties.get(prop) or []:
            props.http_url(value, field=prop)  # src attributes on our pages: http(s) only
    if "mp-syndicate-to" in properties:
        uids = (props.text_value(v) for v in properties["mp-syndicate-to"] or [])
        post.syndicate_to = list(dict.fromkeys(uid for uid in uids if uid))


def _set_extra(post: Post, properties: dict[str, list]) -> None:
    """Keep unknown properties verbatim (an empty list removes one), and h-cite objects given for
    in-reply-to/like-of/… so q=source returns them and pages can show the cited title."""
    extra = props.extra_properties(properties)
    for prop in props.URL_PROPERTIES:
        if prop in properties:
            values = properties[prop] or []
            extra[prop] = values if any(isinstance(v, dict) for v in values) else []
    for key, values in extra.items():
        if values:
            post.extra_properties[key] = values
        else:
            post.extra_properties.pop(key, None)


def _kind_properties(post: Post, properties: dict[str, list], has_photos: bool) -> dict[str, list]:
    """The properties Post Type Discovery looks at, from the post as it now stands."""
    merged = {"name": [post.name] if post.name else [], "content": [post.content] if post.content else []}
    for prop, attr in props.URL_PROPERTIES.items():
        merged[prop] = [getattr(post, attr)] if getattr(post, attr) else []
    for prop in ("rsvp", "checkin", "video"):
        merged[prop] = post.extra_properties.get(prop, [])
    merged["photo"] = [True] if has_photos else []
    return merged


def _set_categories(post: Post, names: list[str], *, new: bool = False) -> None:
    """Find or create the named categories in a fixed number of queries, however many there are."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(slugify(name, allow_unicode=True)[:100] or "tag", name)
    if new:
        _link_new_post(post, wanted)
        return
    found = {c.slug: c for c in Category.objects.filter(blog=post.blog, slug__in=wanted)}
    missing = [Category(blog=post.blog, slug=s, name=n) for s, n in wanted.items() if s not in found]
    if missing:
        # ignore_conflicts: a concurrent request may create the same category first.
        Category.objects.bulk_create(missing, ignore_conflicts=True)
        found = {c.slug: c for c in Category.objects.filter(blog=post.blog, slug__in=wanted)}
    post.categories.set([found[slug] for slug in wanted])


def _link_new_post(post: Post, wanted: dict[str, str]) -> None:
    """A new post has no links yet: link the blog's existing categories in one INSERT … SELECT; only
    when some are new, create them (ignoring ones a concurrent request made) and link again
    (issue 7: one query for the usual create instead of a read, a read of the links and an insert)."""
    if not wanted:
        return
    if _insert_links(post, list(wanted)) == len(wanted):
        return
    Category.objects.bulk_create(
        [Category(blog=post.blog, slug=s, name=n) for s, n in wanted.items()], ignore_conflicts=True
    )
    _insert_links(post, list(wanted))


def _insert_links(post: Post, slugs: list[str]) -> int:
    """INSERT INTO post_categories SELECT the post, the blog's categories with these slugs; links that
    exist already are skipped. Returns the links made. Names come from the models' metadata."""
    q, through, category = connection.ops.quote_name, Post.categories.through._meta, Category._meta
    links, post_col, cat_col = (
        q(through.db_table),
        *(q(through.get_field(f).column) for f in ("post", "category")),
    )
    table, blog_col, slug_col = q(category.db_table), q(category.get_field("blog").column), q("slug")
    marks = ", ".join(["%s"] * len(slugs))
    sql = f"INSERT INTO {links} ({post_col}, {cat_col}) SELECT %s, {q(category.pk.column)} FROM {table} "  # noqa: S608
    sql += f"WHERE {blog_col} = %s AND {slug_col} IN ({marks}) ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, [post.pk, post.blog_id, *slugs])
        return cursor.rowcount


def _add_photos(post: Post, photos: Sequence[NewPhoto], remote: Sequence, start: int, written: list) -> None:
    position = start
    for new in photos:
        name, variants = save_processed(new.image, blog_id=post.blog_id, storage=default_storage)
        written.extend([name, *variants.values()])
        Photo.objects.create(
            blog=post.blog,
            post=post,
            file=name,
            alt=new.alt[:1500],
            width=new.image.width,
            height=new.image.height,
            content_type=new.image.content_type,
            variants=variants,
            position=position,
        )
        position += 1
    for value in remote:
        _add_photo_by_url(post, value, position)
        position += 1


def _own_upload(blog: Blog, url: str) -> Photo | None:
    """The blog's own uploaded image at this URL (e.g. from the media endpoint), if it is one."""
    name = url.rsplit("/", 1)[-1]
    if not UPLOAD_NAME.fullmatch(name):
        return None
    photo = Photo.objects.filter(blog=blog, file=f"photos/{blog.pk}/{name}").first()
    if photo is None or not photo.content_type.startswith("image/"):
        return None
    photo.blog = blog
    return photo if photo.url == url else None


def _add_photo_by_url(post: Post, value, position: int) -> None:
    """Attach our own upload (a copy of the row if another post uses it); hotlink anything else.

    Remote photos are never fetched (Micropub §3.3.1 says MAY; our rule: only the safe fetcher, and
    only when needed)."""
    alt = str(value.get("alt", "")) if isinstance(value, dict) else ""
    url = props.http_url(value, field="photo")
    upload = _own_upload(post.blog, url)
    if upload is None:
        Photo.objects.create(blog=post.blog, post=post, remote_url=url, alt=alt[:1500], position=position)
        return
    if upload.post_id is not None:
        upload.pk = None  # the file is shared; each post gets its own row (alt, position)
    upload.post, upload.alt, upload.position = post, alt[:1500], position
    upload.save()


def _replace_photos(post: Post, values: list) -> int:
    """Micropub replace/delete of `photo`: rows whose URL stays are kept, others dropped, new ones
    added. Returns the next free position."""
    existing = {photo.url: photo for photo in post.photos.select_related("blog")}
    for position, value in enumerate(values):
        url = props.text_value(value)
        kept = existing.pop(url, None)
        if kept is None:
            _add_photo_by_url(post, value, position)
            continue
        kept.alt = str(value.get("alt", ""))[:1500] if isinstance(value, dict) else ""
        kept.position = position
        kept.save(update_fields=["alt", "position"])
    Photo.objects.filter(id__in=[photo.id for photo in existing.values()]).delete()
    return len(values)


def _notify(post: Post, action: str) -> None:
    """The post is saved whatever a receiver does: failures are logged, never raised to the caller."""
    for receiver, result in post_changed.send_robust(sender=Post, post=post, action=action):
        if isinstance(result, Exception):
            logger.error("post_changed receiver %r failed for post %s", receiver, post.pk, exc_info=result)


def _finish(post: Post, action: str, defer: Defer | None = None) -> None:
    post.blog.touch()
    notify = partial(_notify, post, action)
    transaction.on_commit(notify if defer is None else partial(defer, notify))


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def create_post(
    *, blog: Blog, properties: dict[str, list], photos: Sequence[NewPhoto] = (), defer: Defer | None = None
) -> Post:
    """Validate, save and return a new post; nothing is saved if anything is wrong.

    post_changed is sent once the post is committed; `defer(send)`, if given, is handed the sending
    instead (Micropub runs it after its answer has gone out)."""
    written: list[str] = []
    try:
        with transaction.atomic():
            post = Post(blog=blog, created_at=timezone.now())
            _apply(post, properties)
            remote = properties.get("photo") or []
            post.kind = discover_type(_kind_properties(post, properties, bool(photos or remote)))
            if post.status == Post.Status.PUBLISHED:
                post.published = post.published or post.created_at
                assign_path(post, props.text_value(props.first(properties, "mp-slug")))
            post.save()
            _set_categories(post, props.category_names(properties), new=True)
            _add_photos(post, photos, remote, 0, written)
            _finish(post, "created", defer)
    except Exception:
        _delete_files(written)
        raise
    return post


def update_post(
    *,
    post: Post,
    properties: dict[str, list],
    photos: Sequence[NewPhoto] = (),
    remove_photo_ids: Sequence[int] = (),
    photo_alts: dict[int, str] | None = None,
) -> Post:
    """Replace the named properties (`photo` too: the list given becomes the post's photos);
    the post's URL never changes once published."""
    written: list[str] = []
    try:
        with transaction.atomic():
            post = Post.objects.select_for_update().select_related("blog__user").get(pk=post.pk)
            was_published = post.status == Post.Status.PUBLISHED
            _apply(post, properties)
            if "category" in properties:
                _set_categories(post, props.category_names(properties))
            post.photos.filter(id__in=remove_photo_ids).delete()
            for photo_id, alt in (photo_alts or {}).items():
                post.photos.filter(id=photo_id).update(alt=alt[:1500])
            if "photo" in properties:
                start = _replace_photos(post, properties["photo"] or [])
            else:
                last = post.photos.order_by("-position").values_list("position", flat=True).first()
                start = (last or 0) + 1
            _add_photos(post, photos, (), start, written)
            has_photos = post.photos.exists()
            post.kind = discover_type(_kind_properties(post, properties, has_photos))
            now = timezone.now()
            if post.status == Post.Status.PUBLISHED and not post.path:
                post.published = post.published or now
                assign_path(post, props.text_value(props.first(properties, "mp-slug")))
            # Recording where copies went (u-syndication) is not an edit of the post.
            if was_published and set(properties) - BOOKKEEPING_PROPERTIES:
                post.updated = now
            post.save()
            _finish(post, "updated")
    except Exception:
        _delete_files(written)
        raise
    return post


def delete_post(*, post: Post) -> Post:
    """Soft delete: the permalink answers 410 Gone until undeleted."""
    with transaction.atomic():
        post.deleted_at = timezone.now()
        post.save(update_fields=["deleted_at"])
        _finish(post, "deleted")
    return post


def undelete_post(*, post: Post) -> Post:
    with transaction.atomic():
        post.deleted_at = None
        post.save(update_fields=["deleted_at"])
        _finish(post, "undeleted")
    return post
