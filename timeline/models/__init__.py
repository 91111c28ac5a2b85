"""The timeline app's rows: feeds and their entries, follows and mutes, the materialised timeline,
imported blogs and featured posts."""

from timeline.models.feeds import Feed, FeedEntry
from timeline.models.follows import Channel, Follow, Mute
from timeline.models.imports import ImportedEntry, ImportSource
from timeline.models.timeline import FeaturedPost, TimelineItem, TimelineState

__all__ = [
    "Channel",
    "FeaturedPost",
    "Feed",
    "FeedEntry",
    "Follow",
    "ImportSource",
    "ImportedEntry",
    "Mute",
    "TimelineItem",
    "TimelineState",
]
