"""Reading mf2 properties (the one canonical input shape) into Post fields."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# Properties stored as columns; everything else (not mp-*) is kept in Post.extra_properties.
MODELLED = {
    "content",
    "name",
    "summary",
    "category",
    "published",
    "updated",
    "photo",
    "in-reply-to",
    "like-of",
    "repost-of",
    "bookmark-of",
    "syndication",
    "post-status",
    "visibility",
}
URL_PROPERTIES = {
    "in-reply-to": "in_reply_to",
    "like-of": "like_of",
    "repost-of": "repost_of",
    "bookmark-of": "bookmark_of",
}


def first(properties: dict[str, list], name: str, default=None):
    values = properties.get(name) or []
    return values[0] if values else default


def text_value(value) -> str:
    """A plain string from a string or an mf2 object ({"value": …} or nested h-* with a name)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        if "value" in value:
            return str(value["value"])
        props = value.get("properties", {})
        return str((props.get("url") or props.get("name") or [""])[0])
    return str(value).strip()


def http_url(value, *, field: str) -> str:
    """Validate an absolute http(s) URL, or raise with the property named."""
    url = text_value(value).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(f"{field} must be an absolute http(s) URL.", code="invalid_url")
    return url


def parse_when(value, *, tz: datetime.tzinfo, field: str) -> datetime.datetime:
    """An ISO 8601 date-time; without an offset it is read in the blog's time zone."""
    moment = parse_datetime(text_value(value))
    if moment is None:
        raise ValidationError(f"{field} must be an ISO 8601 date and time.", code="invalid_date")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, tz)
    return moment


def content_of(properties: dict[str, list]) -> tuple[str, bool]:
    """(source, is_html): HTML content arrives as {"html": …}, text as a string or {"value": …}."""
    value = first(properties, "content")
    if isinstance(value, dict) and "html" in value:
        return str(value["html"]), True
    return text_value(value), False


def category_names(properties: dict[str, list]) -> list[str]:
    names = []
    for value in properties.get("category") or []:
        name = text_value(value).strip().lstrip("#")
        if name and name not in names:
            names.append(name[:100])
    return names


def extra_properties(properties: dict[str, list]) -> dict[str, list]:
    return {
        key: list(values)
        for key, values in properties.items()
        if key not in MODELLED and not key.startswith("mp-") and key not in ("h", "type", "access_token")
    }
