"""Reading links out of HTML with a real parser (html.parser): comments and escaped text are never
markup, so webmention.rocks discovery tests #13 and #14 cannot trap us."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# Elements whose href/src count as a link to the target (Webmention §3.2.2: a, img, video, …).
LINKING_ATTRIBUTES = {
    "a": "href", "area": "href", "link": "href", "img": "src", "video": "src", "audio": "src",
    "source": "src", "iframe": "src", "blockquote": "cite", "q": "cite", "ins": "cite", "del": "cite",
}  # fmt: skip


class _LinkParser(HTMLParser):
    """One pass over a document: <base>, the first rel~=webmention link/a, every linking attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.endpoint: str | None = None  # raw href of the first <link>/<a> rel~="webmention"
        self.links: list[str] = []  # raw href/src values in document order
        self.anchors: list[str] = []  # raw <a href> values only
        self.meta_status: str = ""  # <meta http-equiv="Status" content="410 Gone">

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        if tag in ("link", "a") and self.endpoint is None and values.get("href") is not None:
            if "webmention" in (values.get("rel") or "").lower().split():
                self.endpoint = values["href"]
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "status":
            self.meta_status = values.get("content") or ""
        attribute = LINKING_ATTRIBUTES.get(tag)
        if attribute and values.get(attribute):
            self.links.append(values[attribute].strip())
            if tag == "a":
                self.anchors.append(values[attribute].strip())

    handle_startendtag = handle_starttag


class ParsedLinks:
    """What _LinkParser found, with URLs resolved against the document's base (or <base href>)."""

    def __init__(self, html: str, url: str) -> None:
        parser = _LinkParser()
        parser.feed(html)
        parser.close()
        self.base = urljoin(url, parser.base) if parser.base else url
        self._parser = parser

    def _resolve(self, href: str) -> str:
        return urljoin(self.base, href.strip())

    @property
    def endpoint(self) -> str | None:
        """The first rel=webmention <link>/<a> in document order; an empty href means the page itself."""
        raw = self._parser.endpoint
        return None if raw is None else self._resolve(raw)

    @property
    def links(self) -> list[str]:
        return [self._resolve(href) for href in self._parser.links]

    @property
    def anchors(self) -> list[str]:
        return [self._resolve(href) for href in self._parser.anchors]

    @property
    def gone(self) -> bool:
        """webmention.rocks accepts <meta http-equiv="Status" content="410 Gone"> as a deletion."""
        return self._parser.meta_status.strip().startswith("410")


def http_links(html: str, base_url: str) -> list[str]:
    """Absolute http(s) <a href> URLs of an HTML fragment, first occurrence order, no duplicates."""
    found = [url for url in ParsedLinks(html, base_url).anchors if urlsplit(url).scheme in ("http", "https")]
    return list(dict.fromkeys(found))


def body_links_to(
    content: str, content_type: str, final_url: str, target: str, *, links: ParsedLinks | None = None
) -> bool:
    """Does the source body link to target exactly? HTML by href/src, JSON by value, text by substring.
    `links`: the body's ParsedLinks when the caller has them already (one parse per verification)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            return target in _json_strings(json.loads(content))
        except ValueError:
            return False
    if kind == "text/plain":
        return target in content
    return target in (links or ParsedLinks(content, final_url)).links


def _json_strings(value: object) -> set[str]:
    """Every string value anywhere in a JSON document."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set().union(*(_json_strings(item) for item in value)) if value else set()
    return set()
