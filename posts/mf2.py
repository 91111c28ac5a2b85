"""A Post as microformats2 JSON: what Micropub q=source returns (https://www.w3.org/TR/micropub/#source-content).

Pure conversion, no queries beyond the post's prefetched photos and categories.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from posts.properties import URL_PROPERTIES, text_value

if TYPE_CHECKING:
    from posts.models import Post


def _content(post: Post) -> list:
    """HTML-authored content comes back as {"html": …}, plain text (Markdown) as a string (§3.7.2)."""
    if not post.content:
        return []
    return [{"html": post.content}] if post.content_is_html else [post.content]


def _photos(post: Post) -> list:
    """Each photo's URL, as {"value", "alt"} when it has alt text (§3.3.2)."""
    return [{"value": photo.url, "alt": photo.alt} if photo.alt else photo.url for photo in post.photos.all()]


def _when(post: Post, moment) -> list[str]:
    return [moment.astimezone(post.blog.tzinfo).isoformat()] if moment else []


def _responses(post: Post) -> dict[str, list]:
    """in-reply-to, like-of, …: the h-cite object the client sent when there was one, else the URL."""
    found = {}
    for prop, attr in URL_PROPERTIES.items():
        url = getattr(post, attr)
        cited = post.extra_properties.get(prop)
        if url:
            found[prop] = cited if cited else [url]
    return found


def post_to_mf2(post: Post) -> dict:
    """{"type": ["h-entry"], "properties": {...}} with every property the post has, none empty."""
    properties: dict[str, list] = {
        "content": _content(post),
        "name": [post.name] if post.name else [],
        "summary": [post.summary] if post.summary else [],
        "published": _when(post, post.published),
        "updated": _when(post, post.updated),
        "category": [category.name for category in post.categories.all()],
        "photo": _photos(post),
        "syndication": list(post.syndication),
        "post-status": [post.status],
        "visibility": [post.visibility],
        "url": [post.get_absolute_url()],
    }
    properties.update(_responses(post))
    for key, values in post.extra_properties.items():
        properties.setdefault(key, values)
    return {"type": ["h-entry"], "properties": {key: values for key, values in properties.items() if values}}


def select_properties(mf2: dict, names: list[str]) -> dict:
    """Only the asked-for properties, and no type (§3.7.2: "properties[]" limits the response)."""
    return {"properties": {name: mf2["properties"][name] for name in names if name in mf2["properties"]}}


def _safe_url(value) -> str:
    """An http(s) URL for an href/src, or "" (javascript:, data: and friends never reach a page)."""
    url = text_value(value).strip()
    return url if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc else ""


def _properties_of(value) -> dict:
    """The properties of a nested mf2 object; {} for strings or malformed values."""
    properties = value.get("properties") if isinstance(value, dict) else None
    return properties if isinstance(properties, dict) else {}


def _first(values) -> object:
    return values[0] if isinstance(values, list) and values else ""


def _cite_name(value) -> str:
    """The title a client gave in an h-cite (e.g. the liked post's name)."""
    return text_value(_first(_properties_of(value).get("name")))


def _card(value) -> dict | None:
    """name/url/locality of an h-card or h-adr (checkin, location); a bare URL becomes a link."""
    card = _properties_of(value)
    if card:
        first = {key: text_value(_first(card.get(key))) for key in ("name", "url", "locality")}
        url = _safe_url(first["url"])
        return {"name": first["name"] or url, "url": url, "locality": first["locality"]}
    url = _safe_url(value)
    return {"name": url, "url": url, "locality": ""} if url else None


def _geo(value) -> str:
    """ "geo:37.78,-122.39;u=35" → "37.78, -122.39" (RFC 5870); anything else → ""."""
    text = text_value(value)
    if not text.startswith("geo:"):
        return ""
    return ", ".join(part.strip() for part in text[4:].split(";")[0].split(",")[:2])


def _nothing_to_display() -> dict:
    """display_context() of a post without extra properties (most of them), built without parsing."""
    return {
        "cites": {attr: "" for attr in URL_PROPERTIES.values()},
        "checkin": None,
        "location": None,
        "geo": "",
        "geo_uri": "",
        "rsvp": "",
        "video": [],
        "audio": [],
    }


def display_context(post: Post) -> dict:
    """What the entry partial (posts/jinja2/posts/_entry.html) shows beside the content: cited titles,
    checkin, location, rsvp, media."""
    extra = post.extra_properties
    if not extra:
        return _nothing_to_display()
    cites = {prop.replace("-", "_"): _cite_name((extra.get(prop) or [None])[0]) for prop in URL_PROPERTIES}
    location = (extra.get("location") or [None])[0]
    return {
        "cites": cites,
        "checkin": _card((extra.get("checkin") or [None])[0]),
        "location": _card(location) if isinstance(location, dict) else None,
        "geo": _geo(location) if isinstance(location, str) else "",
        "geo_uri": location if isinstance(location, str) and location.startswith("geo:") else "",
        "rsvp": text_value((extra.get("rsvp") or [""])[0]),
        "video": [url for url in map(_safe_url, extra.get("video") or []) if url],
        "audio": [url for url in map(_safe_url, extra.get("audio") or []) if url],
    }
