"""Post Type Discovery (https://www.w3.org/TR/post-type-discovery/), on mf2 properties."""

from __future__ import annotations

from microhost.sanitize import plain_text

# Response types in the algorithm's order of precedence (§4).
RESPONSE_TYPES = (
    ("rsvp", "rsvp"),
    ("in-reply-to", "reply"),
    ("repost-of", "repost"),
    ("like-of", "like"),
    ("bookmark-of", "bookmark"),
    ("checkin", "checkin"),
    ("video", "video"),
    ("photo", "photo"),
)


def _first_text(values: list) -> str:
    if not values:
        return ""
    value = values[0]
    if isinstance(value, dict):
        return value.get("value") or plain_text(value.get("html", ""))
    return str(value)


def _normalise(text: str) -> str:
    return " ".join(text.split())


def discover_type(properties: dict[str, list]) -> str:
    """Return note, article, photo, video, reply, like, repost, bookmark, checkin or rsvp."""
    for prop, kind in RESPONSE_TYPES:
        if properties.get(prop):
            return kind
    name = _normalise(_first_text(properties.get("name", [])))
    content = _normalise(_first_text(properties.get("content", []) or properties.get("summary", [])))
    # §4 step 9-11: a name that is not a prefix of the content makes an article.
    if name and not content.startswith(name):
        return "article"
    return "note"
