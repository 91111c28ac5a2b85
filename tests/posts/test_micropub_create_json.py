"""Micropub create, JSON: micropub.rocks 200-series, HTML sanitising (R6) and the q=source golden file."""

from __future__ import annotations

import json
from pathlib import Path

import mf2py
import pytest

from posts.models import Post

pytestmark = pytest.mark.django_db
TESTDATA = Path(__file__).parent / "testdata"
JPG1, JPG2 = "https://photos.example.com/one.jpg", "https://photos.example.com/two.jpg"


def create(client, properties: dict, **body) -> str:
    """POST a JSON h-entry; assert 201 + absolute Location and return it."""
    payload = {"type": ["h-entry"], "properties": properties, **body}
    response = client.post("/micropub", json.dumps(payload), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response["Location"].startswith("http://alice.microhost.test/")
    return response["Location"]


def page(client, location: str):
    response = client.get(location.removeprefix("http://alice.microhost.test"))
    assert response.status_code == 200
    return response


def entry(client, location: str) -> dict:
    parsed = mf2py.parse(doc=page(client, location).content.decode(), url=location)
    return next(item for item in parsed["items"] if "h-entry" in item["type"])["properties"]


def source(client, location: str) -> dict:
    response = client.get("/micropub", {"q": "source", "url": location})
    assert response.status_code == 200
    return response.json()


def test_200_json_h_entry(client):
    """A JSON h-entry with content is created and shown."""
    location = create(client, {"content": ["Hello from JSON"]})
    assert entry(client, location)["content"][0]["value"] == "Hello from JSON"


def test_201_json_multiple_categories(client):
    """A JSON category array gives the post both categories."""
    location = create(client, {"content": ["Tagged"], "category": ["test1", "test2"]})
    assert sorted(entry(client, location)["category"]) == ["test1", "test2"]


def test_202_json_html_content(client):
    """content {"html"} is rendered as HTML, not escaped, and comes back as {"html"} from q=source."""
    html = "<p>This post has <b>bold</b> and <i>italic</i> text.</p>"
    location = create(client, {"content": [{"html": html}]})
    assert entry(client, location)["content"][0]["html"] == html
    assert source(client, location)["properties"]["content"] == [{"html": html}]


def test_203_json_photo_by_url(client):
    """A JSON photo URL is shown on the post (hotlinked)."""
    location = create(client, {"content": ["Pic"], "photo": [JPG1]})
    assert [photo["value"] for photo in entry(client, location)["photo"]] == [JPG1]


def test_204_json_nested_checkin(client):
    """The nested checkin h-card is stored whole and returned by q=source; the page names the place."""
    body = json.loads((TESTDATA / "micropub_204_checkin.json").read_text())
    location = create(client, body["properties"])
    stored = source(client, location)["properties"]
    assert stored["checkin"] == body["properties"]["checkin"]
    assert stored["content"] == ["Lunch meeting"] and stored["published"] == ["2017-05-31T19:03:36+00:00"]
    checkin = entry(client, location)["checkin"][0]
    assert checkin["type"] == ["h-card"] and checkin["properties"]["name"] == ["Los Gorditos"]
    assert Post.objects.get().kind == "checkin"


def test_205_json_photo_with_alt(client):
    """photo {"value", "alt"} is shown with that alt text and returned the same way."""
    location = create(client, {"content": ["Sunset"], "photo": [{"value": JPG1, "alt": "Photo of a sunset"}]})
    assert entry(client, location)["photo"] == [{"value": JPG1, "alt": "Photo of a sunset"}]
    assert source(client, location)["properties"]["photo"] == [{"value": JPG1, "alt": "Photo of a sunset"}]


def test_206_json_multiple_photos(client):
    """Two photo URLs are both shown, in order."""
    location = create(client, {"content": ["Two"], "photo": [JPG1, JPG2]})
    assert [photo["value"] for photo in entry(client, location)["photo"]] == [JPG1, JPG2]


def test_json_without_type_is_h_entry_and_mp_commands_not_stored(client):
    """No type means h-entry; mp-* inside properties are commands, never stored."""
    response = client.post(
        "/micropub",
        json.dumps(
            {
                "properties": {
                    "content": ["Typeless"],
                    "mp-slug": ["typeless-post"],
                    "mp-syndicate-to": ["mastodon"],
                }
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201 and response["Location"].endswith("/typeless-post/")
    post = Post.objects.get()
    assert post.syndicate_to == ["mastodon"] and not any(k.startswith("mp-") for k in post.extra_properties)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("{not json", "JSON"),
        ("[1, 2]", "object"),
        ('{"type": ["h-entry"], "properties": {"content": "not an array"}}', "array"),
        ('{"type": ["h-entry"], "properties": []}', "object"),
        ('{"type": "h-entry", "properties": {"content": ["x"]}}', "type"),
        ('{"action": "frobnicate", "url": "http://alice.microhost.test/x/"}', "action"),
    ],
)
def test_json_malformed_is_invalid_request(client, body, why):
    """Bad JSON, non-array values and unknown actions are 400 invalid_request saying what is wrong."""
    response = client.post("/micropub", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request" and why in response.json()["error_description"]
    assert not Post.objects.exists()


PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt&#58;alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example/"></iframe>',
    "<style>body{display:none}</style>",
    '<form action="https://evil.example/"><input></form>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_json_html_content_is_sanitised_on_the_page(client, payload):
    """R6: owner Micropub content.html never puts executable markup on the page."""
    location = create(client, {"content": [{"html": f"<p>safe</p>{payload}"}]})
    body = page(client, location).content.decode().lower()
    article = body[body.index("<article") : body.index("</article>")]
    for banned in (
        "<script",
        "onerror",
        "javascript:",
        "data:text",
        "<svg",
        "<iframe",
        "<style",
        "<form",
        "<base",
        "http-equiv",
        "onload",
    ):
        assert banned not in article


def test_json_reply_with_h_cite_shows_its_title(client):
    """An in-reply-to h-cite keeps its URL as u-in-reply-to and shows the cited name."""
    cite = {"type": ["h-cite"], "properties": {"url": ["https://example.com/post"], "name": ["Their post"]}}
    location = create(client, {"content": ["Replying"], "in-reply-to": [cite]})
    assert entry(client, location)["in-reply-to"] == ["https://example.com/post"]
    assert ">Their post</a>" in page(client, location).content.decode()
    assert source(client, location)["properties"]["in-reply-to"] == [cite]


def test_json_like_repost_video_and_location_render(client):
    """A like shows what was liked, a repost its URL, a video plays, a geo location is shown."""
    like = create(client, {"like-of": ["https://example.com/liked"]})
    repost = create(client, {"repost-of": ["https://example.com/shared"]})
    video = create(
        client,
        {
            "content": ["Clip"],
            "video": ["https://cdn.example.com/v.mp4"],
            "location": ["geo:45.52,-122.68;u=35"],
        },
    )
    assert (
        'Liked <a class="u-like-of" href="https://example.com/liked"' in page(client, like).content.decode()
    )
    assert entry(client, repost)["repost-of"] == ["https://example.com/shared"]
    props = entry(client, video)
    assert props["video"] == ["https://cdn.example.com/v.mp4"] and props["location"] == [
        "geo:45.52,-122.68;u=35"
    ]
    assert [p.kind for p in Post.objects.order_by("id")] == ["like", "repost", "video"]


def test_json_video_url_must_be_http(client):
    """A javascript: video URL is refused (it would become a src attribute)."""
    response = client.post(
        "/micropub",
        json.dumps({"properties": {"video": ["javascript:alert(1)"]}}),
        content_type="application/json",
    )
    assert response.status_code == 400 and not Post.objects.exists()


def test_source_golden_file(client):
    """A post with every kind of property round-trips to exactly tests/posts/testdata/…full.mf2.json."""
    expected = json.loads((TESTDATA / "micropub_source_full.mf2.json").read_text())
    sent = {key: value for key, value in expected["properties"].items() if key != "url"}
    location = create(client, sent)
    assert location == expected["properties"]["url"][0]
    assert source(client, location) == expected
