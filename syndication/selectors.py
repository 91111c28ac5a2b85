"""Reads for pages and Micropub: connections, copies per post, composer previews."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from accounts.models import Blog
from posts.models import Post
from posts.paths import assign_path
from posts.rendering import render_content
from syndication.connectors import CONNECTORS, connector_for
from syndication.connectors.base import Preview
from syndication.models import Connection, Syndication

SERVICE_URLS = {
    "tumblr": "https://www.tumblr.com/",
    "medium": "https://medium.com/",
    "linkedin": "https://www.linkedin.com/",
    "bluesky": "https://bsky.app/",
}


def connections_of(user) -> list[Connection]:
    return list(Connection.objects.filter(user=user))


def micropub_targets(blog: Blog) -> list[dict]:
    """q=syndicate-to entries (Micropub §3.7.3 + micropub-extensions#3: service and user objects)."""
    targets = []
    for connection in Connection.objects.filter(user_id=blog.user_id):
        service_url = (
            connection.server + "/" if connection.silo == "mastodon" else SERVICE_URLS[connection.silo]
        )
        targets.append(
            {
                "uid": connection.uid,
                "name": f"{connection.account_name} on {connection.get_silo_display()}",
                "service": {"name": connection.get_silo_display(), "url": service_url},
                "user": {"name": connection.account_name, "url": connection.account_url},
            }
        )
    return targets


@dataclass
class Target:
    """One checkbox in the composer: the connection, whether ticked, the preview, the owner's text."""

    connection: Connection
    checked: bool
    preview: Preview | None
    text: str
    note: str


def _as_typed(user, post: Post | None, data) -> Post | None:
    """The post as the form now stands (unsaved): what the preview shows after "Preview copies"."""
    if data is None or not (data.get("content", "").strip() or data.get("name", "").strip()):
        return post
    typed = (
        Post(blog=user.blog, published=timezone.now())
        if post is None
        else Post(**{f.attname: getattr(post, f.attname) for f in Post._meta.concrete_fields})
    )
    typed.name, typed.content = data.get("name", "").strip(), data.get("content", "").strip()
    typed.content_is_html = False
    typed.content_html = render_content(typed.content, is_html=False)
    if not typed.path:
        assign_path(typed)  # the permalink it will get (the count of a Bluesky copy depends on it)
    return typed


def composer_targets(user, post=None, data=None) -> list[Target]:
    """Checkboxes with a server-side preview of the exact copy (the saved post, or the typed one)."""
    targets = []
    shown = _as_typed(user, post, data)
    chosen = set(data.getlist("syndicate_to")) if data is not None and data.get("syndication_form") else None
    rows = {row.connection_id: row for row in Syndication.objects.filter(post=post)} if post else {}
    for connection in connections_of(user):
        connector = connector_for(connection)
        text = (data.get(f"copy_text_{connection.pk}", "") if data is not None else "") or getattr(
            rows.get(connection.pk), "text", ""
        )
        if post is not None and not post.is_draft:
            checked = connection.pk in rows  # published: the copies it has (the boxes are disabled)
        elif chosen is not None:
            checked = connection.uid in chosen
        elif post is not None and post.syndicate_to:
            checked = connection.uid in post.syndicate_to
        else:
            checked = connection.on_by_default
        preview = connector.preview(shown, text or None) if shown is not None else None
        targets.append(Target(connection, checked, preview, text, CONNECTORS[connection.silo].NOTE))
    return targets


def copies_of(post) -> list[Syndication]:
    """The post's copies, each with what its silo cannot do (`note`), for the owner's status list."""
    rows = Syndication.objects.filter(post=post).select_related("connection").order_by("connection__silo")
    copies = list(rows)
    for copy in copies:
        copy.note = CONNECTORS[copy.connection.silo].NOTE
    return copies
