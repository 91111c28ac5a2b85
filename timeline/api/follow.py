"""Following from the API: the same rules as the web form (local user, else feed discovery)."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError

from accounts.models import User
from microhost.fetch import FetchError
from timeline import services
from timeline.discovery import DiscoveryError, discover
from timeline.models import Follow


def follow_target(user: User, text: str) -> Follow:
    """A username or platform blog URL follows the user; anything else follows its first feed."""
    text = text.strip()
    blog = services.local_blog(text)
    if blog is not None:
        return services.follow_blog(user=user, blog=blog)
    try:
        url = discover(text if "://" in text else f"https://{text}")[0].url
        return services.follow_feed(user=user, feed=services.feed_for_url(url))
    except (DiscoveryError, FetchError) as exc:
        raise ValidationError({"target": [str(exc)]}) from exc
