"""Reads for pages: responses under a post (one query), the owner's mentions, a post's sending status."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Window
from django.db.models.functions import Coalesce, RowNumber

from accounts.models import Blog
from posts.models import Post
from posts.prepared import PreparedQuery
from webmention.models import Outgoing, Received

THREADED = {Received.Kind.REPLY, Received.Kind.RSVP, Received.Kind.QUOTATION}
FACEPILE = {Received.Kind.LIKE: "likes", Received.Kind.REPOST: "reposts", Received.Kind.BOOKMARK: "bookmarks"}
MAX_DEPTH = 3  # a reply to a reply at this depth is listed at the top level instead
# At most this many responses of each kind are listed under a post: the latest ones (the counts are of
# all of them). A post that goes viral gets a thousand likes or replies (Bridgy brings every one from
# a silo); listing them all made an 800 KB permalink that took half a second to render and was too big
# for the page cache, so every visitor paid that again (issue 7, seen after scenario 7's bursts).
SHOWN_PER_KIND = 100


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
    counts: dict[str, int] = field(default_factory=dict)  # every visible response, by kind

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def reply_count(self) -> int:
        return sum(self.counts.get(kind, 0) for kind in THREADED)

    @property
    def like_count(self) -> int:
        return self.counts.get(Received.Kind.LIKE, 0)

    @property
    def repost_count(self) -> int:
        return self.counts.get(Received.Kind.REPOST, 0)

    @property
    def bookmark_count(self) -> int:
        return self.counts.get(Received.Kind.BOOKMARK, 0)

    @property
    def mention_count(self) -> int:
        return self.total - self.reply_count - self.like_count - self.repost_count - self.bookmark_count

    @property
    def shown_replies(self) -> int:
        return sum(min(self.counts.get(kind, 0), SHOWN_PER_KIND) for kind in THREADED)

    @property
    def more_likes(self) -> int:
        return self.like_count - len(self.likes)

    @property
    def more_reposts(self) -> int:
        return self.repost_count - len(self.reposts)

    @property
    def more_bookmarks(self) -> int:
        return self.bookmark_count - len(self.bookmarks)

    @property
    def more_mentions(self) -> int:
        return self.mention_count - len(self.mentions)


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


# What a shown response prints (webmention/jinja2/webmention/responses.html) and threading reads: the
# other columns (states, times, the token) cost their conversion on every row of a busy permalink.
SHOWN_FIELDS = ("kind", "source", "source_host", "author_name", "author_url", "author_photo",
                "content_html", "title", "url", "rsvp", "reply_to", "published")  # fmt: skip


def _shown_responses(post: int, shown: int):
    newest_first = [F("received_at").desc(), F("id").desc()]
    return (
        Received.objects.visible()
        .filter(post=post)
        .only(*SHOWN_FIELDS)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("kind")], order_by=newest_first),
            of_kind=Window(Count("id"), partition_by=[F("kind")]),
        )
        .filter(rank__lte=shown)
        # Undated responses by when they came: databases disagree on where NULLs sort.
        .order_by(Coalesce("published", "received_at"), "received_at", "id")
    )


# Compiled once per process: the window functions and their filter took longer to compile than to run.
_SHOWN = PreparedQuery(Received, _shown_responses, markers={"post": -7_200_001, "shown": -7_200_002})


def responses_for(post: Post) -> Responses:
    """What is shown under a post, oldest first (by published date, else arrival), in one query (none
    if annotated as having none): the latest SHOWN_PER_KIND of each kind, each row carrying its kind's
    count. Only SHOWN_FIELDS are loaded."""
    if getattr(post, "has_responses", True) is False:
        return Responses()
    rows = _SHOWN(post=post.pk, shown=SHOWN_PER_KIND)
    found = Responses()
    threaded = []
    for row in rows:
        found.counts[row.kind] = row.of_kind
        if row.kind in THREADED:
            threaded.append(row)
        elif row.kind in FACEPILE:
            getattr(found, FACEPILE[row.kind]).append(row)
        else:
            found.mentions.append(row)
    found.replies = _thread(threaded)
    return found


def mentions_for_blog(blog: Blog, limit: int = 100) -> list[Received]:
    """The owner's notifications: verified mentions (shown or held), newest first."""
    states = [Received.State.ACCEPTED, Received.State.HELD]
    rows = Received.objects.filter(blog=blog, state__in=states).select_related("post")
    return list(rows.order_by("-received_at", "-id")[:limit])


def outgoing_for(post: Post) -> list[Outgoing]:
    return list(Outgoing.objects.filter(post=post).order_by("id"))
