"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) behind Django's feed-generator interface.

Being a SyndicationFeed subclass, it plugs into the same declarative syndication.views.Feed as RSS
and Atom, so all three formats are built from one description of a blog's posts.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.utils.feedgenerator import SyndicationFeed, rfc3339_date

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
JSON_FEED_CONTENT_TYPE = "application/feed+json"


def _without_empty(data: dict[str, Any]) -> dict[str, Any]:
    """JSON Feed marks optional keys as absent, not null: drop None, "" and []."""
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def _date(value: datetime.datetime | None) -> str | None:
    """RFC 3339 with an explicit offset, as §items date_published requires."""
    return rfc3339_date(value) if value is not None else None


class JsonFeed(SyndicationFeed):
    """Items carry the full HTML as `description` and `summary` / `image` as extra keywords."""

    content_type = f"{JSON_FEED_CONTENT_TYPE}; charset=utf-8"

    def write(self, outfile, encoding: str) -> None:
        # One write: json.dump() would send every token through HttpResponse.write.
        outfile.write(json.dumps(self.as_dict(), ensure_ascii=False, indent=2))

    def as_dict(self) -> dict[str, Any]:
        """The top-level object (§top-level); `items` is required even when empty."""
        top = _without_empty(
            {
                "version": JSON_FEED_VERSION,
                "title": self.feed["title"],
                "home_page_url": self.feed["link"],
                "feed_url": self.feed["feed_url"],
                "description": self.feed["description"],
                "language": self.feed["language"],
                "authors": [self._author()],
            }
        )
        return {**top, "items": [self._item(item) for item in self.items]}

    def _author(self) -> dict[str, str]:
        return _without_empty(
            {
                "name": self.feed["author_name"],
                "url": self.feed["author_link"],
                "avatar": self.feed.get("author_avatar"),
            }
        )

    def _item(self, item: dict[str, Any]) -> dict[str, Any]:
        """One post; title only for articles, date_modified only once it was edited (§items)."""
        return _without_empty(
            {
                "id": item["unique_id"] or item["link"],
                "url": item["link"],
                "title": item["title"],
                "content_html": item["description"],
                "summary": item.get("summary"),
                "image": item.get("image"),
                "date_published": _date(item["pubdate"]),
                "date_modified": _date(item["updateddate"]),
                "tags": list(item["categories"]),
            }
        )
