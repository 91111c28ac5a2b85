"""Post Type Discovery on mf2 properties (W3C Note, §4)."""

import pytest

from posts.post_types import discover_type


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"content": ["hi"]}, "note"),
        ({"name": ["Title"], "content": ["Body text"]}, "article"),
        ({"name": ["Same start"], "content": ["Same start and more"]}, "note"),
        ({"name": ["  spaced   title "], "content": ["spaced title with more"]}, "note"),
        ({"content": [{"html": "<p>x</p>"}], "name": ["Head"]}, "article"),
        ({"in-reply-to": ["https://e.com/"], "content": ["hi"]}, "reply"),
        ({"like-of": ["https://e.com/"]}, "like"),
        ({"repost-of": ["https://e.com/"], "like-of": ["https://e.com/"]}, "repost"),
        ({"bookmark-of": ["https://e.com/"]}, "bookmark"),
        ({"rsvp": ["yes"], "in-reply-to": ["https://e.com/"]}, "rsvp"),
        ({"checkin": [{"type": ["h-card"], "properties": {"name": ["Cafe"]}}]}, "checkin"),
        ({"video": ["https://e.com/v.mp4"], "photo": ["https://e.com/p.jpg"]}, "video"),
        ({"photo": ["https://e.com/p.jpg"], "content": ["caption"]}, "photo"),
    ],
)
def test_discover_type(properties, expected):
    """Each response property wins in the algorithm's order; name vs content decides article."""
    assert discover_type(properties) == expected
