"""The Jinja2 entry ({% entry post %}): the exact HTML the DTL include printed, escaping as Django does."""

from __future__ import annotations

import datetime

import pytest
from django.template import engines
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from microhost.jinja_html import printed
from posts.models import Photo, Post
from webmention.models import Received
from webmention.responses_html import responses_html

pytestmark = pytest.mark.django_db

HOSTILE = """<b>"Tom" & 'Jerry'</b>"""
ESCAPED = "&lt;b&gt;&quot;Tom&quot; &amp; &#x27;Jerry&#x27;&lt;/b&gt;"
WHEN = "2026-03-14T23:30:00+00:00"


def render(source: str, **context) -> str:
    return engines["django"].from_string("{% load blog_tags tz %}" + source).render(context)


def in_kolkata(post: Post, *, with_responses: bool = False) -> str:
    """The entry as a blog page prints it, under the blog's {% timezone %} (UTC+05:30)."""
    tag = "{% entry post with_responses=True %}" if with_responses else "{% entry post %}"
    return render('{% timezone "Asia/Kolkata" %}' + tag + "{% endtimezone %}", post=post)


def cite(url: str, name: str) -> list[dict]:
    return [{"type": ["h-cite"], "properties": {"url": [url], "name": [name]}}]


@pytest.fixture
def rich_post(alice, make_post) -> Post:
    """A reply with an RSVP, a checkin, two photos (one sized), video, audio, categories, syndication,
    an edit and an original URL; hostile characters in every text a client controls."""
    alice.display_name = HOSTILE
    alice.save()
    post = make_post(
        alice, "Hello <em>there</em> & more", name=HOSTILE, published=WHEN, rsvp="<maybe>",
        in_reply_to=cite("https://r.example/p?x=1&y=2", HOSTILE),
        checkin=[{"type": ["h-card"], "properties": {"name": ["Café <Zürich>"],
                  "url": ["https://cafe.example/?a=1&b=2"], "locality": ["Zürich & co"]}}],
        photo=["https://img.example/a.jpg?x=1&y=2"], video=["https://v.example/a.mp4"],
        audio=["https://a.example/a.mp3"], category=["a&b", "<tag>"],
        syndication=["https://x.example/1?a=1&b=2"], url=["https://elsewhere.example/o?a=1&b=2"],
    )  # fmt: skip
    Photo.objects.create(blog=alice.blog, post=post, remote_url="https://img.example/c.jpg",
                         alt="""Sized "photo" <alt> & 'q'""", width=1200, height=800, position=5)  # fmt: skip
    updated = datetime.datetime(2026, 3, 15, 23, 30, tzinfo=datetime.UTC)
    Post.objects.filter(pk=post.pk).update(updated=updated)
    return Post.objects.get(pk=post.pk)


RICH_ENTRY = f"""<article class="h-entry entry entry-rsvp">
  <h2 class="entry-title"><a class="p-name" href="http://alice.microhost.test/2026/03/14/btom-jerryb/">{ESCAPED}</a></h2>
  <p class="context">✉ RSVP <data class="p-rsvp" value="&lt;maybe&gt;">&lt;maybe&gt;</data></p>
  <p class="context">↪ In reply to <a class="u-in-reply-to" href="https://r.example/p?x=1&amp;y=2">{ESCAPED}</a></p>
  \n  \n  \n  <p class="context">📍 Checked in at <span class="p-checkin h-card"><a class="p-name u-url" href="https://cafe.example/?a=1&amp;b=2">Café &lt;Zürich&gt;</a>, <span class="p-locality">Zürich &amp; co</span></span></p>
  \n  <div class="e-content entry-content"><p>Hello <em>there</em> &amp; more</p>
</div>
  \n  <div class="photos photos-2">
    <a href="https://img.example/a.jpg?x=1&amp;y=2"><img class="u-photo" src="https://img.example/a.jpg?x=1&amp;y=2" alt="" loading="lazy"></a><a href="https://img.example/c.jpg"><img class="u-photo" src="https://img.example/c.jpg" alt="Sized &quot;photo&quot; &lt;alt&gt; &amp; &#x27;q&#x27;" width="1200" height="800" loading="lazy"></a>
  </div>
  \n  <video class="u-video" src="https://v.example/a.mp4" controls preload="metadata"></video>
  <audio class="u-audio" src="https://a.example/a.mp3" controls preload="metadata"></audio>
  <footer class="entry-meta">
    <span class="p-author h-card"><a class="u-url p-name" href="http://alice.microhost.test/">{ESCAPED}</a></span>
    <a class="u-url u-uid" href="http://alice.microhost.test/2026/03/14/btom-jerryb/"><time class="dt-published" datetime="2026-03-15T05:00:00+05:30">Mar 15, 2026 · 05:00</time></a>
    <a class="u-url original" href="https://elsewhere.example/o?a=1&amp;b=2">original</a>
    <span class="updated">edited <time class="dt-updated" datetime="2026-03-16T05:00:00+05:30">Mar 16, 2026</time></span>
    <a class="p-category tag" href="http://alice.microhost.test/category/tag/">&lt;tag&gt;</a><a class="p-category tag" href="http://alice.microhost.test/category/ab/">a&amp;b</a>
    <a class="u-syndication" rel="syndication" href="https://x.example/1?a=1&amp;b=2">copy</a>
  </footer>
  \n</article>
"""  # noqa: E501 -- the exact bytes; "\n  " keeps the lines of whitespace an editor would strip

PLAIN_ENTRY = """<article class="h-entry entry entry-note">
  \n  \n  <div class="e-content entry-content"><p>Just a note</p>
</div>
  \n  <footer class="entry-meta">
    <span class="p-author h-card"><a class="u-url p-name" href="http://alice.microhost.test/">alice</a></span>
    <a class="u-url u-uid" href="http://alice.microhost.test/2026/03/14/just-a-note/"><time class="dt-published" datetime="2026-03-15T05:00:00+05:30">Mar 15, 2026 · 05:00</time></a>
    \n  </footer>
  \n</article>
"""  # noqa: E501


def test_rich_entry_is_printed_exactly(rich_post):
    """Every part of a rich entry, byte for byte as the DTL include printed it, in the active time zone."""
    assert in_kolkata(rich_post) == RICH_ENTRY


def test_plain_note_is_printed_exactly(alice, make_post):
    """A note without extras (most posts) skips the context, media and extra-meta blocks."""
    assert in_kolkata(make_post(alice, "Just a note", published=WHEN)) == PLAIN_ENTRY


@pytest.mark.parametrize(
    ("properties", "line"),
    [
        ({"like_of": cite("https://l.example/1", "Liked <thing>")},
         '★ Liked <a class="u-like-of" href="https://l.example/1">Liked &lt;thing&gt;</a></p>'),
        ({"like_of": "https://l.example/2"},
         '★ Liked <a class="u-like-of" href="https://l.example/2">https://l.example/2</a></p>'),
        ({"repost_of": "https://rp.example/1?a&b"},
         '♻ Reposted <a class="u-repost-of" href="https://rp.example/1?a&amp;b">https://rp.example/1?a&amp;b</a>'),
        ({"bookmark_of": "https://bm.example/1", "name": "It's <here>"},
         '🔖 Bookmarked <a class="u-bookmark-of" href="https://bm.example/1">It&#x27;s &lt;here&gt;</a>'
         ' <small class="context-url">https://bm.example/1</small></p>'),
        ({"bookmark_of": cite("https://bm.example/2", "Cited & bm")},
         '🔖 Bookmarked <a class="u-bookmark-of" href="https://bm.example/2">Cited &amp; bm</a>'
         ' <small class="context-url">https://bm.example/2</small></p>'),
        ({"bookmark_of": "https://bm.example/3"},
         '🔖 Bookmarked <a class="u-bookmark-of" href="https://bm.example/3">https://bm.example/3</a></p>'),
        ({"location": [{"type": ["h-adr"], "properties": {"name": ['Home "sweet"'], "locality": ["Town"]}}]},
         '📍 <span class="p-location h-card"><span class="p-name">Home &quot;sweet&quot;</span>,'
         ' <span class="p-locality">Town</span></span></p>'),
        ({"location": "geo:37.78,-122.39;u=35"},
         '📍 <data class="p-location" value="geo:37.78,-122.39;u=35">37.78, -122.39</data></p>'),
        ({"checkin": [{"type": ["h-card"], "properties": {"name": ["No url place"]}}]},
         '📍 Checked in at <span class="p-checkin h-card"><span class="p-name">No url place</span>'
         "</span></p>"),
    ],
)  # fmt: skip
def test_context_lines(alice, make_post, properties, line):
    """Likes, reposts, bookmarks (titled by the cite, else the post's name, else the URL), places."""
    html = in_kolkata(make_post(alice, "", **properties))
    assert f'<p class="context">{line}' in html


def test_permalink_responses_sit_inside_the_entry(alice, make_post):
    """with_responses=True prints the post's responses (webmention/responses_html.py) before </article>."""
    post = make_post(alice, "Responses welcome", published=WHEN)
    Received.objects.create(
        blog=alice.blog, post=post, target=post.get_absolute_url(), source="https://s.example/1",
        source_host="s.example", kind="reply", author_name="Ann <&>", author_url="https://s.example/",
        content_html="<p>Nice</p>", state="accepted", approved=True, url="https://s.example/1",
    )  # fmt: skip
    with timezone.override("Asia/Kolkata"):
        responses = responses_html(post)
    assert "Ann &lt;&amp;&gt;" in responses and "<p>Nice</p>" in responses
    expected = in_kolkata(post).replace("  \n</article>", f"  {responses}\n</article>")
    assert in_kolkata(post, with_responses=True) == expected


@pytest.mark.parametrize(
    "value",
    ["""plain <&>"' text""", mark_safe("<b>safe</b>"), 1200, None,
     lazy(lambda: "lazy <x>", str)(), ["<list>"]],
)  # fmt: skip
def test_printed_escapes_as_django(value):
    """{{ x }} in the Jinja2 entry prints what Django's {{ x }} prints for the values an entry holds."""
    assert printed(value) == conditional_escape(value)
