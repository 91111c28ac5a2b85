"""What a client says about itself at its client_id URL: name, logo, redirect URLs (IndieAuth §4.2).

Read through the one safe fetcher. Either an OAuth Client ID Metadata Document (JSON, §4.2.1) or, from
older clients, an HTML page with an h-app / h-x-app and rel=redirect_uri links (§4.2.1 note, §4.2.2).
A client we cannot read is not refused: it is shown by its client_id, and only redirect URLs on
the client_id's own origin are accepted for it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import mf2py
from django.conf import settings

from accounts.indieauth.client_ids import BadURL, canonical_client_id, is_loopback_client
from microhost.fetch import FetchError, Response, fetch
from microhost.sanitize import plain_text

ACCEPT = "application/json, text/html;q=0.9, */*;q=0.1"
MAX_BYTES = 512 * 1024  # a client page or metadata document is small
MAX_NAME = 100
APP_TYPES = ("h-app", "h-x-app")
# Link: <url>; rel="a b" ... (RFC 8288 §3); the fetcher's Response.links keeps only the first per rel.
_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_REL = re.compile(r';\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]*))', re.IGNORECASE)


@dataclass(frozen=True)
class ClientInfo:
    """What the consent page shows about a client, and the redirect URLs it published."""

    client_id: str
    name: str = ""
    uri: str = ""
    logo: str = ""
    redirect_uris: tuple[str, ...] = ()
    note: str = ""  # why we could not learn more, shown to the user

    @property
    def display_name(self) -> str:
        return self.name or urlsplit(self.client_id).netloc


def discover(client_id: str) -> ClientInfo:
    """Fetch and read the client's information; never raises for a client that cannot be read."""
    if is_loopback_client(client_id) and not settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES:
        # §4.2: a loopback client_id MUST NOT be fetched (the fetcher also refuses names resolving there).
        return ClientInfo(client_id, note="This app runs on your own computer, so it was not contacted.")
    try:
        response = fetch(client_id, headers={"Accept": ACCEPT}, max_bytes=MAX_BYTES)
    except FetchError as exc:
        return ClientInfo(client_id, note=f"The app's page could not be read: {exc}")
    if response.status_code != 200:
        return ClientInfo(client_id, note=f"The app's page answered HTTP {response.status_code}.")
    if "json" in response.headers.get("Content-Type", "").lower():
        return from_metadata_document(client_id, response)
    return from_html(client_id, response)


def from_metadata_document(client_id: str, response: Response) -> ClientInfo:
    """A Client ID Metadata Document, used only if its client_id is the URL it came from (§4.2.1)."""
    try:
        document = json.loads(response.content)
    except ValueError:
        document = None
    if not isinstance(document, dict) or not _names(document.get("client_id"), client_id):
        return ClientInfo(client_id, note="The app's metadata document does not name this client_id.")
    client_uri = _url(document.get("client_uri"), response.url)
    redirects = document.get("redirect_uris")
    return ClientInfo(
        client_id,
        name=_name(document.get("client_name")),
        uri=client_uri if client_id.startswith(client_uri) else "",  # §4.2.1: a prefix of the client_id
        logo=_url(document.get("logo_uri"), response.url),
        redirect_uris=tuple(
            urljoin(response.url, uri)
            for uri in (redirects if isinstance(redirects, list) else [])
            if isinstance(uri, str)
        ),
    )


def from_html(client_id: str, response: Response) -> ClientInfo:
    """An h-app / h-x-app and rel=redirect_uri links, as clients published before 2024 (§4.2.2)."""
    parsed = mf2py.parse(doc=response.text, url=response.url)
    app = _first_app(parsed.get("items", []))
    props = app.get("properties", {}) if app else {}
    redirects = [
        *_link_header_targets(response, "redirect_uri"),
        *parsed.get("rels", {}).get("redirect_uri", []),
    ]
    return ClientInfo(
        client_id,
        name=_name(_first(props.get("name"))),
        uri=_url(_first(props.get("url")), response.url),
        logo=_url(_first(props.get("logo")), response.url),
        redirect_uris=tuple(dict.fromkeys(redirects)),
    )


def _names(value: object, client_id: str) -> bool:
    """The document's client_id is ours, compared after the canonicalization of §3.4."""
    try:
        return isinstance(value, str) and canonical_client_id(value) == client_id
    except BadURL:
        return False


def _first_app(items: list[dict], depth: int = 0) -> dict | None:
    """The first h-app or h-x-app, searching nested items a few levels down."""
    for item in items:
        if any(kind in APP_TYPES for kind in item.get("type", [])):
            return item
        found = _first_app(item.get("children", []), depth + 1) if depth < 3 else None
        if found:
            return found
    return None


def _first(values: object) -> object:
    """The first mf2 value, with {"value": ...} objects (an img with alt) reduced to their value."""
    value = values[0] if isinstance(values, list) and values else None
    return value.get("value") if isinstance(value, dict) else value


def _name(value: object) -> str:
    return plain_text(value)[:MAX_NAME] if isinstance(value, str) else ""


def _url(value: object, base: str) -> str:
    """An absolute http(s) URL, or "" (a logo is shown as an <img>, so no other scheme)."""
    if not isinstance(value, str) or not value.strip():
        return ""
    url = urljoin(base, value.strip())
    return url if urlsplit(url).scheme in ("http", "https") else ""


def _link_header_targets(response: Response, rel: str) -> list[str]:
    """Every Link header target with this rel, resolved against the page URL."""
    targets = []
    for value in response.headers.get_list("Link"):
        for target, params in _LINK.findall(value):
            match = _REL.search(params)
            rels = (match.group(1) or match.group(2)).lower().split() if match else []
            if rel in rels:
                targets.append(urljoin(response.url, target.strip()))
    return targets
