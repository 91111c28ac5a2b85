"""RSS 2.0, Atom 1.0 and JSON Feed 1.1 of a blog or one of its categories (issue 2, "Feeds").

One declarative syndication Feed describes the posts; the three formats differ only in their
generator and in how an untitled note is titled. Items are the newest listed posts, full content
with every photo appended as <img alt>, so a reader never needs to visit the page.
"""

from __future__ import annotations

import datetime
import mimetypes
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import format_html

from accounts.models import Blog
from posts import selectors
from posts.jsonfeed import JsonFeed
from posts.models import Category, Photo, Post
from posts.xml_writer import XmlWriter

# The reply / like / repost / bookmark a post is about, shown above its content like the page does.
CONTEXT_LABELS = (
    ("in_reply_to", "In reply to"),
    ("like_of", "Liked"),
    ("repost_of", "Reposted"),
    ("bookmark_of", "Bookmarked"),
)
# RSS Best Practices Profile, <enclosure>: "use a length of 0" when the size is unknown; asking the
# storage for every photo's size would cost a disk stat or an object-storage request per item.
UNKNOWN_LENGTH = "0"


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

    def posts(self) -> list[Post]:
        """The newest page of listed posts: one query, plus one each for photos and categories if any."""
        return selectors.newest_listed(self.blog, settings.MICROHOST_PAGE_SIZE, category=self.category)


def entry_html(post: Post) -> str:
    """What a feed reader shows: the context link, the content, then every photo with its alt text."""
    parts = [
        format_html('<p>{} <a href="{}">{}</a></p>', label, url, url)
        for attr, label in CONTEXT_LABELS
        if (url := getattr(post, attr))
    ]
    parts.append(post.content_html)
    parts.extend(
        format_html('<p><img src="{}" alt="{}"></p>', photo.display_url, photo.alt)
        for photo in selectors.photos_of(post)
    )
    return "".join(parts)


def photo_enclosure(photo: Photo) -> Enclosure:
    mime = photo.content_type or mimetypes.guess_type(photo.url)[0] or "application/octet-stream"
    return Enclosure(photo.url, UNKNOWN_LENGTH, mime)


def avatar_url(blog: Blog) -> str | None:
    """Local media URLs are paths on the blog's host; object storage URLs are absolute already."""
    return blog.user.avatar_url or None


def local_time(post: Post, value: datetime.datetime | None) -> datetime.datetime | None:
    """Dates in the blog's own time zone, as its pages show them."""
    return value.astimezone(post.blog.tzinfo) if value is not None else None


class _UntitledItem:
    """Forwards to the XML writer but drops an empty <title>: RSS 2.0 needs a title OR a description."""

    def __init__(self, handler: Any) -> None:
        self._handler = handler

    def addQuickElement(self, name: str, contents: str | None = None, attrs: dict | None = None) -> None:
        if name != "title":
            self._handler.addQuickElement(name, contents, attrs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handler, name)


class _OneWrite:
    """Writes the document with posts/xml_writer.py (the bytes SimplerXMLGenerator writes, in a list)
    and hands the response one write: Django's generator otherwise sends each of the ~40 pieces of
    every item through HttpResponse.write (issue 7). `write_document` is the generator's own write()
    with the writer as its handler."""

    def write(self, outfile, encoding: str) -> None:
        handler = XmlWriter(encoding)
        self.write_document(handler)
        # The same errors= as the generator's own TextIOWrapper around a binary output.
        outfile.write(handler.text().encode(encoding, "xmlcharrefreplace"))


class RssGenerator(_OneWrite, Rss201rev2Feed):
    """Notes go out without a title (https://www.rssboard.org/rss-specification#hrelementsOfLtitemgt)."""

    def write_document(self, handler: XmlWriter) -> None:  # Rss201rev2Feed.write's steps
        handler.startDocument()
        self.add_stylesheets(handler)
        handler.startElement("rss", self.rss_attributes())
        handler.startElement("channel", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        self.endChannelElement(handler)
        handler.endElement("rss")

    def add_item_elements(self, handler, item: dict[str, Any]) -> None:
        super().add_item_elements(handler if item["title"] else _UntitledItem(handler), item)


class AtomGenerator(_OneWrite, Atom1Feed):
    """Full HTML in <content> (Django's Atom1Feed would put it in <summary>) and <updated> on every entry."""

    def write_document(self, handler: XmlWriter) -> None:  # Atom1Feed.write's steps
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def add_item_elements(self, handler, item: dict[str, Any]) -> None:
        # RFC 4287 §4.1.2: an entry MUST carry atom:updated; unedited posts use their publication date.
        base = {**item, "description": None, "updateddate": item["updateddate"] or item["pubdate"]}
        super().add_item_elements(handler, base)
        if item.get("summary"):
            handler.addQuickElement("summary", item["summary"], {"type": "text"})
        handler.addQuickElement("content", item["description"], {"type": "html"})


class BlogRssFeed(Feed):
    """RSS 2.0; the Atom and JSON feeds below change only the generator and the item title."""

    feed_type = RssGenerator
    extension = "xml"
    item_guid_is_permalink = True

    def get_object(self, request: HttpRequest, slug: str | None = None) -> FeedSource:
        category = selectors.category_or_404(request.blog, slug) if slug else None
        return FeedSource(request.blog, category)

    def items(self, source: FeedSource) -> list[Post]:
        return source.posts()

    def title(self, source: FeedSource) -> str:
        return source.title

    def link(self, source: FeedSource) -> str:
        return source.home_url

    def feed_url(self, source: FeedSource) -> str:
        return source.feed_url(self.extension)

    def description(self, source: FeedSource) -> str:
        return source.blog.description or f"Posts by {source.blog.user.name}"

    def author_name(self, source: FeedSource) -> str:
        return source.blog.user.name

    def author_link(self, source: FeedSource) -> str:
        return source.blog.absolute("/")

    def feed_extra_kwargs(self, source: FeedSource) -> dict[str, Any]:
        return {"author_avatar": avatar_url(source.blog)}

    def item_title(self, post: Post) -> str:
        return post.name

    def item_description(self, post: Post) -> str:
        return entry_html(post)

    def item_link(self, post: Post) -> str:
        return post.get_absolute_url()

    def item_guid(self, post: Post) -> str:
        return post.get_absolute_url()

    def item_pubdate(self, post: Post) -> datetime.datetime | None:
        return local_time(post, post.published)

    def item_updateddate(self, post: Post) -> datetime.datetime | None:
        return local_time(post, post.updated)

    def item_categories(self, post: Post) -> list[str]:
        return [category.name for category in selectors.categories_of(post)]

    def item_author_name(self, post: Post) -> str:
        return post.blog.user.name

    def item_author_link(self, post: Post) -> str:
        return post.blog.absolute("/")

    def item_enclosures(self, post: Post) -> list[Enclosure]:
        """RSS allows one enclosure per item: the first photo (all of them are in the content)."""
        return [photo_enclosure(photo) for photo in selectors.photos_of(post)[:1]]

    def item_extra_kwargs(self, post: Post) -> dict[str, Any]:
        photos = selectors.photos_of(post)
        return {"summary": post.summary, "image": photos[0].display_url if photos else None}


class BlogAtomFeed(BlogRssFeed):
    """Atom 1.0: every entry needs a title, so notes get a short plain-text excerpt."""

    feed_type = AtomGenerator
    extension = "atom"

    def item_title(self, post: Post) -> str:
        return post.title_or_excerpt or post.get_kind_display()

    def item_enclosures(self, post: Post) -> list[Enclosure]:
        """Atom allows any number of rel=enclosure links (RFC 4287 §4.2.7.2)."""
        return [photo_enclosure(photo) for photo in selectors.photos_of(post)]


class BlogJsonFeed(BlogRssFeed):
    """JSON Feed 1.1: titles for articles only, photos as `image` and in content_html."""

    feed_type = JsonFeed
    extension = "json"
