"""A fetched (or WebSub-pushed) feed document → stored entries → timelines and imported posts."""

from __future__ import annotations

from timeline.entries import Stored, store_entries
from timeline.fanout import fan_out_entries
from timeline.models import Feed
from timeline.parsers import parse_document


def ingest(feed: Feed, content: bytes, *, content_type: str) -> Stored:
    """Parse (raises ParseError), store, fan out, import; updates the feed's metadata but does not save it."""
    parsed = parse_document(content, url=feed.final_url or feed.url, content_type=content_type)
    feed.format = parsed.format
    feed.title = parsed.title or feed.title
    feed.site_url = parsed.site_url or feed.site_url
    feed.last_warning = parsed.warning
    if parsed.hub and parsed.hub != feed.websub_hub:
        feed.websub_hub, feed.websub_topic = parsed.hub, parsed.self_url or feed.url
        feed.websub_expires_at = feed.websub_requested_at = None  # a new hub: subscribe after this poll
    stored = store_entries(feed, parsed.entries)
    fan_out_entries(feed, stored.new)
    if feed.import_sources.exists():
        from timeline.imports import import_entries

        import_entries(feed, stored)
    return stored
