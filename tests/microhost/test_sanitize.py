"""The one HTML sanitiser: XSS corpus under both policies, links, classes, plain text (R6-R8)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from microhost.sanitize import (
    FOREIGN_TAGS,
    OWNER_TAGS,
    clean_foreign_html,
    clean_owner_html,
    escape_text,
    plain_text,
)

CORPUS = Path(__file__).parent / "testdata" / "xss_payloads.txt"
PAYLOADS = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line and line[:2] != "# "]
POLICIES = {"foreign": (clean_foreign_html, FOREIGN_TAGS), "owner": (clean_owner_html, OWNER_TAGS)}
BANNED_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link",
    "form", "input", "button", "textarea", "select", "svg", "math", "template", "noscript", "isindex",
    "marquee", "keygen", "body", "title", "xmp", "noembed",
}  # fmt: skip
BANNED_ATTRIBUTES = {"style", "srcdoc", "srcset", "action", "formaction", "background", "ping", "id", "name"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


class MarkupAudit(HTMLParser):
    """Parses sanitised output like a browser would and lists anything executable left in it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            # Browsers ignore control characters and spaces inside a scheme (jav&#x09;ascript:).
            squeezed = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on") or name in BANNED_ATTRIBUTES or ":" in name:
                self.problems.append(f"<{tag} {name}=...>")
            if squeezed.startswith(BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def audit(html: str) -> MarkupAudit:
    parser = MarkupAudit()
    parser.feed(html)
    parser.close()
    return parser


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_executable_markup_survives(payload, policy):
    """No script, event handler, javascript:/data: URL or dangerous tag survives either policy (R6)."""
    clean, allowed_tags = POLICIES[policy]
    output = clean(payload)
    found = audit(output)
    assert found.problems == []
    assert found.tags <= allowed_tags
    assert not found.tags & BANNED_TAGS
    assert "<script" not in output.lower()
    assert clean(output) == output  # stable when parsed again: no mutation-XSS foothold


def test_corpus_is_loaded():
    """The payload corpus is read (a broken path would make the parametrised test vacuous)."""
    assert len(PAYLOADS) > 80


def test_foreign_links_get_ugc_rel_and_lose_other_attributes():
    """Foreign links get rel="nofollow noopener noreferrer ugc"; their own rel and target are dropped (R7)."""
    html = '<a href="https://x.example/" rel="me opener" target="_blank">x</a>'
    expected = '<a href="https://x.example/" rel="nofollow noopener noreferrer ugc">x</a>'
    assert clean_foreign_html(html) == expected


def test_foreign_keeps_microformat_classes_only():
    """h-/p-/u-/dt-/e- classes survive for mf2 parsing; other classes go (an empty class goes entirely)."""
    html = '<p class="e-content big"><span class="h-card p-name dt-x evil">A</span><b class="red">b</b></p>'
    assert clean_foreign_html(html) == (
        '<p class="e-content"><span class="h-card p-name dt-x">A</span><b>b</b></p>'
    )


def test_foreign_is_strict_about_tags():
    """Foreign content keeps paragraphs, quotes, lists and code, but no images, headings or tables."""
    html = (
        "<h1>Title</h1><p>a<br><em>b</em> <strong>c</strong></p><blockquote>q</blockquote>"
        '<ul><li>i</li></ul><pre><code>x</code></pre><img src="https://x.example/a.png" alt="pic">'
        "<table><tr><td>t</td></tr></table>"
    )
    assert clean_foreign_html(html) == (
        "Title<p>a<br><em>b</em> <strong>c</strong></p><blockquote>q</blockquote>"
        "<ul><li>i</li></ul><pre><code>x</code></pre>t"
    )


def test_foreign_relative_links_resolve_against_base_or_go():
    """Relative links in foreign HTML point at the source site (base_url), or are dropped without one."""
    html = '<a href="/about">a</a> <a href="mailto:me@x.example">m</a>'
    rel = 'rel="nofollow noopener noreferrer ugc"'
    assert clean_foreign_html(html) == f'<a {rel}>a</a> <a href="mailto:me@x.example" {rel}>m</a>'
    assert clean_foreign_html(html, base_url="https://x.example/notes/1") == (
        f'<a href="https://x.example/about" {rel}>a</a> <a href="mailto:me@x.example" {rel}>m</a>'
    )
    assert clean_foreign_html(html, base_url="javascript:alert(1)").startswith(f"<a {rel}>a</a>")


def test_owner_policy_keeps_rich_markup():
    """The owner's posts keep headings, figures, images with alt, media with controls, tables, details."""
    html = (
        '<h2>Trip</h2><figure><img src="/media/cat.jpg" alt="A cat" width="640" height="480">'
        "<figcaption>Cat</figcaption></figure>"
        '<video controls src="/media/v.mp4"></video><table><tr><th>k</th><td>v</td></tr></table>'
        '<details><summary>More</summary>x</details><pre><code class="language-python">1</code></pre>'
        '<p>H<sub>2</sub>O <del>old</del> <a href="/2024/01/post">link</a></p>'
    )
    assert clean_owner_html(html) == (
        '<h2>Trip</h2><figure><img src="/media/cat.jpg" alt="A cat" width="640" height="480">'
        "<figcaption>Cat</figcaption></figure>"
        '<video controls="" src="/media/v.mp4"></video>'
        "<table><tbody><tr><th>k</th><td>v</td></tr></tbody></table>"
        '<details><summary>More</summary>x</details><pre><code class="language-python">1</code></pre>'
        '<p>H<sub>2</sub>O <del>old</del> <a href="/2024/01/post" rel="noopener">link</a></p>'
    )


def test_owner_policy_has_the_same_bans():
    """Owner HTML loses scripts, handlers, style attributes, iframes and non-http(s) image sources."""
    html = (
        '<p style="color:red" onclick="x()">p</p><iframe src="https://x.example/"></iframe>'
        '<img src="data:image/png;base64,AAAA" alt="d"><script>alert(1)</script>'
    )
    assert clean_owner_html(html) == '<p>p</p><img alt="d">'


def test_plain_text_strips_tags_and_drops_script_text():
    """plain_text leaves readable text: tags gone, entities decoded, script/style contents dropped."""
    html = "<p>Fish &amp; <b>chips</b></p><p>second<script>alert(1)</script></p><style>p{}</style> 3 &lt; 4"
    assert plain_text(html) == "Fish & chips second 3 < 4"
    assert plain_text("just text, AT&T") == "just text, AT&T"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_text_fields_are_escaped_never_markup(payload):
    """A payload in a plain-text field (name, summary) renders as text once escaped (R8)."""
    shown = escape_text(plain_text(payload))
    assert "<" not in shown and ">" not in shown


def test_escape_text_escapes_html_metacharacters():
    """escape_text is Django's escape: < > & ' " become entities."""
    assert escape_text("<b title='x'>\"&\"</b>") == "&lt;b title=&#x27;x&#x27;&gt;&quot;&amp;&quot;&lt;/b&gt;"
