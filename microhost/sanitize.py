"""The one HTML sanitiser (nh3/ammonia): a strict policy for foreign content, a wider one for owners.

security-and-reliability.md §2 (R6-R8). bleach is deprecated (mozilla/bleach#698), so nh3.
- Foreign HTML (webmentions, feeds, h-cards) gets Mastodon's strict shape (app/lib/sanitize_config.rb
  MASTODON_STRICT, plus simple inline/quote/list markup): no images, microformat classes only, links
  http/https/mailto with rel="nofollow noopener noreferrer ugc". Author photos are not HTML: render
  them as a bare <img> from a checked URL.
- The owner's own HTML (Markdown output, Micropub content.html) also keeps headings, images,
  figures, media, tables and details, with rel="noopener" on links.
Both ban script/style/iframe/form/base/meta/object/embed/svg/math, every on* and style attribute,
and every URL scheme except http, https and mailto (no javascript:, no data: at all).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString

URL_SCHEMES = frozenset({"http", "https", "mailto"})
FOREIGN_LINK_REL = "nofollow noopener noreferrer ugc"
OWNER_LINK_REL = "noopener"
# Dropped together with everything inside them (the others lose only the tag, keeping the text).
_DROP_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "noembed", "noframes", "iframe", "object", "embed",
     "svg", "math", "title", "textarea", "select", "xmp"}
)  # fmt: skip
# microformats2 class prefixes (microformats.org/wiki/microformats2-parsing): h-card, p-name, u-url...
_MF2_CLASS = re.compile(r"^(?:h|p|u|dt|e)-[a-z0-9]+(?:-[a-z0-9]+)*$")
# Markdown fenced-code classes (language-python) are allowed in the owner's posts.
_CODE_CLASS = re.compile(r"^language-[\w+#.-]+$")

FOREIGN_TAGS = frozenset(
    {"p", "br", "span", "a", "b", "strong", "i", "em", "blockquote", "code", "pre", "ul", "ol", "li"}
)
OWNER_TAGS = FOREIGN_TAGS | {
    "h1", "h2", "h3", "h4", "h5", "h6", "img", "figure", "figcaption", "video", "audio", "source",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "hr", "sup", "sub", "del", "ins",
    "abbr", "details", "summary", "div", "dl", "dt", "dd", "q", "cite", "s", "u", "mark", "small",
    "kbd", "samp", "var", "time",
}  # fmt: skip
FOREIGN_ATTRIBUTES: dict[str, set[str]] = {"*": {"class"}, "a": {"href", "title"}}
OWNER_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "video": {"src", "poster", "controls", "width", "height", "loop", "muted", "playsinline", "preload"},
    "audio": {"src", "controls", "loop", "muted", "preload"},
    "source": {"src", "type", "media"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start", "reversed"},
    "time": {"datetime"},
    "details": {"open"},
}


def _class_filter(allowed: Callable[[str], bool]) -> Callable[[str, str, str], str | None]:
    """An nh3 attribute_filter keeping only the class names `allowed` accepts (drops class="" too)."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute != "class":
            return value
        names = [name for name in value.split() if allowed(name)]
        return " ".join(names) or None

    return keep


def _is_mf2_class(name: str) -> bool:
    return bool(_MF2_CLASS.match(name))


def _is_owner_class(name: str) -> bool:
    return bool(_MF2_CLASS.match(name) or _CODE_CLASS.match(name))


def _relative_urls(base_url: str | None) -> str | tuple[str, str]:
    """Resolve relative links against an http(s) base, or drop them when there is no such base."""
    if base_url and urlsplit(base_url).scheme in {"http", "https"} and urlsplit(base_url).netloc:
        return ("rewrite_with_base", base_url)
    return "deny"


def clean_foreign_html(html: str, *, base_url: str | None = None) -> str:
    """Someone else's HTML made safe to show (R6, R7); relative links resolve against base_url or go."""
    return nh3.clean(
        html,
        tags=set(FOREIGN_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in FOREIGN_ATTRIBUTES.items()},
        attribute_filter=_class_filter(_is_mf2_class),
        link_rel=FOREIGN_LINK_REL,
        url_schemes=set(URL_SCHEMES),
        url_relative=_relative_urls(base_url),
    )


def clean_owner_html(html: str, *, base_url: str | None = None) -> str:
    """The blog owner's own HTML: a wider allowlist than foreign content, the same bans (R7)."""
    return nh3.clean(
        html,
        tags=set(OWNER_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in OWNER_ATTRIBUTES.items()},
        attribute_filter=_class_filter(_is_owner_class),
        link_rel=OWNER_LINK_REL,
        url_schemes=set(URL_SCHEMES),
        url_relative=_relative_urls(base_url) if base_url else "pass_through",
    )


class _TextCollector(HTMLParser):
    """Gathers the text of an HTML fragment, skipping scripts and styles, spacing block boundaries."""

    _BLOCKS = frozenset(
        "p br div li tr td th blockquote pre hr h1 h2 h3 h4 h5 h6 figure figcaption dt dd summary".split()
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_WITH_CONTENT:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_WITH_CONTENT:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def plain_text(html_or_text: str) -> str:
    """All tags stripped and entities decoded, whitespace collapsed: text, to be escaped when shown (R8)."""
    collector = _TextCollector()
    collector.feed(html_or_text)
    collector.close()
    return " ".join("".join(collector.parts).split())


def escape_text(text: str) -> SafeString:
    """Plain text made safe to put into HTML: escaped, never interpreted as markup (R8)."""
    return escape(text)
