"""What a blog's (or a category's) feed says, whatever its format: a Channel and the newest listed
posts as Items, full content with every photo appended as <img alt>, so a reader never needs to visit
the page. posts/feed_formats.py writes them as RSS 2.0, Atom 1.0 or JSON Feed 1.1.

Each item's URLs come from the blog's base URL and are made ASCII as Django's iri_to_uri makes them (a
check first: almost every URL already is). feed() joins the items as stored with the post, rendering
only the stale ones (posts/stored_renderings.py).
"""

from __future__ import annotations

import datetime
import mimetypes
import re
from dataclasses import dataclass
from html import escape

from django.conf import settings
from django.utils.encoding import iri_to_uri
from django.utils.translation import get_language

from accounts.models import Blog
from posts import selectors, stored_renderings
from posts.feed_formats import FORMATS, latest_date
from posts.models import Category, Photo, Post

# The reply / like / repost / bookmark a post is about, shown above its content like the page does.
CONTEXT_LABELS = (
    ("in_reply_to", "In reply to"),
    ("like_of", "Liked"),
    ("repost_of", "Reposted"),
    ("bookmark_of", "Bookmarked"),
)
# What iri_to_uri leaves as it is (urllib's unreserved characters and its own safe list).
_URI_AS_IS = re.compile(r"[A-Za-z0-9_.\-~/#%\[\]=:;$&()+,!?*@']*")


@dataclass(frozen=True)
class FeedSource:
    """What a feed is of: a whole blog, or one of its categories."""

    blog: Blog
    category: Category | None = None

    @property
    def home_url(self) -> str:
        return self.category.get_absolute_url() if self.category else self.blog.absolute("/")

    @property
    def title(self) -> str:
        title = self.blog.display_title
        return f"{self.category.name} · {title}" if self.category else title

    def feed_url(self, extension: str) -> str:
        return f"{self.home_url}feed.{extension}"

    def posts(self, column: str) -> list[Post]:
        """The newest page of listed posts, each with its dates and its item stored in `column`."""
        return selectors.newest_in_feed(
            self.blog, settings.MICROHOST_PAGE_SIZE, column, category=self.category
        )


@dataclass(frozen=True)
class Channel:
    """The feed itself; its author is the author of every item."""

    title: str
    link: str  # the blog's (category's) home page, as a URI
    guid: str  # … as stored: Atom's feed id
    feed_url: str
    description: str
    language: str | None
    author_name: str
    author_link: str
    avatar: str | None


@dataclass(frozen=True)
class Item:
    """One post as every format shows it."""

    post: Post
    link: str  # the permalink, as a URI
    guid: str  # the permalink as stored (id and guid never change once readers have seen them)
    html: str
    published: datetime.datetime | None  # in the blog's time zone, as its pages show dates
    updated: datetime.datetime | None
    categories: list[str]
    enclosures: list[tuple[str, str]]  # (URL, MIME type) of every photo
    image: str | None  # the first photo at the size pages show

    @property
    def name(self) -> str:
        """The title of an article, "" for a note (RSS and JSON Feed leave it out)."""
        return self.post.name

    @property
    def summary(self) -> str:
        return self.post.summary

    def atom_title(self) -> str:
        """Atom needs a title: the name, else the first words, else the kind ("Like")."""
        return self.post.title_or_excerpt or self.post.get_kind_display()


def uri(url: str) -> str:
    """Django's iri_to_uri(), skipped for a URL it would leave as it is."""
    return url if _URI_AS_IS.fullmatch(url) else iri_to_uri(url)


def entry_html(post: Post) -> str:
    """What a feed reader shows: the context link, the content, then every photo with its alt text."""
    parts = [
        f'<p>{label} <a href="{escape(url)}">{escape(url)}</a></p>'
        for attr, label in CONTEXT_LABELS
        if (url := getattr(post, attr))
    ]
    parts.append(post.content_html)
    parts.extend(
        f'<p><img src="{escape(photo.display_url)}" alt="{escape(photo.alt)}"></p>'
        for photo in selectors.photos_of(post)
    )
    return "".join(parts)


def photo_enclosure(photo: Photo) -> tuple[str, str]:
    """(URL, MIME type). The writers give every enclosure length 0, as the RSS Best Practices Profile
    says to when the size is unknown: asking the storage for every photo's size would cost a stat or
    an object-storage request per item."""
    url = photo.url
    return uri(url), photo.content_type or mimetypes.guess_type(url)[0] or "application/octet-stream"


def channel(source: FeedSource, extension: str) -> Channel:
    blog = source.blog
    author_name = blog.user.name
    return Channel(
        title=source.title,
        link=uri(source.home_url),
        guid=source.home_url,
        feed_url=uri(source.feed_url(extension)),
        description=blog.description or f"Posts by {author_name}",
        language=get_language(),
        author_name=author_name,
        author_link=uri(blog.absolute("/")),
        avatar=blog.user.avatar_url or None,  # local media: a path on the blog's host; else absolute
    )


def _in_zone(value: datetime.datetime | None, zone: datetime.tzinfo) -> datetime.datetime | None:
    return value.astimezone(zone) if value is not None else None


def item(post: Post, blog: Blog) -> Item:
    """The post (read whole, with its photos and categories) as a feed item, dates in the blog's zone."""
    zone = blog.tzinfo
    permalink = blog.base_url + post.path if post.path else post.get_absolute_url()
    photos = selectors.photos_of(post)
    return Item(
        post=post,
        link=uri(permalink),
        guid=permalink,
        html=entry_html(post),
        published=_in_zone(post.published, zone),
        updated=_in_zone(post.updated, zone),
        categories=[category.name for category in selectors.categories_of(post)],
        enclosures=[photo_enclosure(photo) for photo in photos],
        image=photos[0].display_url if photos else None,
    )


def feed(source: FeedSource, extension: str) -> str:
    """The feed in the format of `extension` (posts/feed_formats.FORMATS), its items as stored."""
    form, blog = FORMATS[extension], source.blog
    about = channel(source, extension)
    shown = stored_renderings.rendered(
        blog, source.posts(form.column), form.column, lambda post: form.item(about, item(post, blog))
    )
    dates = [date for post, _text in shown for date in (post.updated, post.published)]
    return form.feed(about, [text for _post, text in shown], latest_date(dates, blog.tzinfo))
