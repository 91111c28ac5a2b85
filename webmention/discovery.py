"""Webmention endpoint discovery (https://www.w3.org/TR/webmention/#sender-discovers-receiver-webmention-endpoint).

One GET of the target (redirects followed, so single-use redirect URLs such as webmention.rocks #23
work; no HEAD first), then: the Link header with rel~=webmention wins; else the first <link> or <a>
with rel~=webmention in document order, absent hrefs skipped, an empty href meaning the page
itself; relative URLs resolved against the final URL after redirects (honouring <base>), the query
string kept. The safe fetcher parses Link headers (every header, comma lists, quoted or not).
"""

from __future__ import annotations

from dataclasses import dataclass

from microhost.fetch import Response, fetch
from webmention.html_links import ParsedLinks

ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
# Pages larger than this are not read further for a <link>; the Link header still counts.
DISCOVERY_MAX_BYTES = 1024 * 1024


@dataclass
class Discovered:
    endpoint: str | None
    status_code: int  # the target's answer, for the owner's status table


def endpoint_in(response: Response) -> str | None:
    """The endpoint a fetched target advertises, or None."""
    from_header = response.links.get("webmention")
    if from_header is not None:
        return from_header
    content_type = response.headers.get("Content-Type", "text/html").lower()
    if "html" not in content_type:
        return None
    return ParsedLinks(response.text, response.url).endpoint


def discover_endpoint(target: str) -> Discovered:
    """Fetch target and find its endpoint; FetchError subclasses propagate to the caller."""
    response = fetch(target, headers={"Accept": ACCEPT}, max_bytes=DISCOVERY_MAX_BYTES)
    return Discovered(endpoint_in(response), response.status_code)
