"""Reads for pages: responses under a post (one query), the owner's mentions, a post's sending status."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from accounts.models import Blog
from posts.models import Post
from webmention.models import Outgoing, Received

THREADED = {Received.Kind.REPLY, Received.Kind.RSVP, Received.Kind.QUOTATION}
FACEPILE = {Received.Kind.LIKE: "likes", Received.Kind.REPOST: "reposts", Received.Kind.BOOKMARK: "bookmarks"}
MAX_DEPTH = 3  # deeper replies are shown at this depth


@dataclass
class Reply:
    mention: Received
    children: list[Reply] = field(default_factory=list)


@dataclass
class Responses:
    replies: list[Reply] = field(default_factory=list)
    likes: list[Received] = field(default_factory=list)
    reposts: list[Received] = field(default_factory=list)
    bookmarks: list[Received] = field(default_factory=list)
    mentions: list[Received] = field(default_factory=list)
    reply_count: int = 0

    @property
    def total(self) -> int:
        return (
            self.reply_count + len(self.likes) + len(self.reposts) + len(self.bookmarks) + len(self.mentions)
        )


def _thread(rows: list[Received]) -> list[Reply]:
    """Nest replies whose in-reply-to names another shown reply (by its u-url or source)."""
    nodes = [Reply(row) for row in rows]
    by_url: dict[str, Reply] = {}
    for node in nodes:
        by_url.setdefault(node.mention.link, node)
        by_url.setdefault(node.mention.source, node)
    depth: dict[int, int] = {}
    top: list[Reply] = []
    for node in nodes:
        parent = next(
            (by_url[u] for u in node.mention.reply_to if u in by_url and by_url[u] is not node), None
        )
        if parent is not None and id(parent) in depth and depth[id(parent)] < MAX_DEPTH:
            parent.children.append(node)
            depth[id(node)] = depth[id(parent)] + 1
        else:
            top.append(node)
            depth[id(node)] = 1
    return top


def has_visible_responses() -> Exists:
    """Annotates posts with whether responses_for() would find anything, so a permalink without
    responses (most of them) costs no query of its own (issue 7)."""
    return Exists(Received.objects.visible().filter(post=OuterRef("pk")))


def responses_for(post: Post) -> Responses:
    """Everything shown under a post, oldest first, in one query (none if annotated as having none)."""
    if getattr(post, "has_responses", True) is False:
        return Responses()
    rows = list(Received.objects.visible().filter(post=post).order_by("published", "received_at", "id"))
    found = Responses()
    threaded = []
    for row in rows:
        if row.kind in THREADED:
            threaded.append(row)
        elif row.kind in FACEPILE:
            getattr(found, FACEPILE[row.kind]).append(row)
        else:
            found.mentions.append(row)
    found.replies, found.reply_count = _thread(threaded), len(threaded)
    return found


def mentions_for_blog(blog: Blog, limit: int = 100) -> list[Received]:
    """The owner's notifications: verified mentions (shown or held), newest first."""
    states = [Received.State.ACCEPTED, Received.State.HELD]
    rows = Received.objects.filter(blog=blog, state__in=states).select_related("post")
    return list(rows.order_by("-received_at", "-id")[:limit])


def outgoing_for(post: Post) -> list[Outgoing]:
    return list(Outgoing.objects.filter(post=post).order_by("id"))
