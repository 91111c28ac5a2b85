"""The one safe outbound HTTP client: every server-side fetch in the project goes through here (R1).

Webmention verification and sending, feed import, IndieAuth client_id, avatars and photos all call
`fetch` / `post_form`, and form validation calls `check_url`. What it guarantees
(security-and-reliability.md §1 and §3, R1-R5, R10-R13):
- only absolute http/https URLs, checked before anything is sent, and again on every redirect hop;
- the host is resolved once per connection and the checked IP is dialled (microhost.fetch_transport),
  with the address policy of microhost.fetch_addresses;
- at most MICROHOST_FETCH_MAX_REDIRECTS redirects, each hop re-checked; httpx's method rules
  (301/302 POST and 303 become GET, 307/308 keep method and body; Authorization dropped cross-origin);
- one total deadline (MICROHOST_FETCH_TOTAL_TIMEOUT) over DNS, connect, TLS, headers and body,
  and MICROHOST_FETCH_CONNECT_TIMEOUT per connection attempt;
- a body cap (MICROHOST_FETCH_MAX_BYTES) counted after decompression, which we do ourselves with an
  output bound so a gzip bomb never inflates past the cap;
- no environment proxies or certificate settings (trust_env=False); a User-Agent naming the platform.
HTTP error statuses are not exceptions: callers need 304, 410, 429 and friends.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from microhost.fetch_addresses import resolve_checked
from microhost.fetch_errors import (
    BadScheme,
    BlockedAddress,
    ConnectFailed,
    FetchError,
    FetchTimeout,
    TooLarge,
    TooManyRedirects,
)
from microhost.fetch_transport import Deadline, PinnedBackend, PinnedTransport

__all__ = [
    "BadScheme",
    "BlockedAddress",
    "ConnectFailed",
    "FetchError",
    "FetchTimeout",
    "Response",
    "TooLarge",
    "TooManyRedirects",
    "check_url",
    "fetch",
    "post_form",
]

ALLOWED_SCHEMES = frozenset({"http", "https"})
# We only advertise what _Inflater can undo with an output bound (no br/zstd).
ACCEPT_ENCODING = "gzip"
# One Link header entry: <target>; param=value; param="value" (RFC 8288 §3).
_LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[^;,"=]+(?:=(?:"[^"]*"|[^;,]*))?)*)')
_LINK_REL = re.compile(r';\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]*))', re.IGNORECASE)
_CHARSET = re.compile(r'charset\s*=\s*"?([\w.:-]+)', re.IGNORECASE)


@dataclass
class Response:
    """A finished fetch: final URL, status, headers and the (decompressed, size-checked) body."""

    url: str
    status_code: int
    headers: httpx.Headers
    content: bytes
    history: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The body decoded with the declared charset, else UTF-8; undecodable bytes are replaced."""
        match = _CHARSET.search(self.headers.get("Content-Type", ""))
        try:
            return self.content.decode(match.group(1) if match else "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", errors="replace")

    @property
    def links(self) -> dict[str, str]:
        """The Link header as {rel: absolute URL}; the first link per rel wins (Webmention §3.1.2)."""
        found: dict[str, str] = {}
        for value in self.headers.get_list("Link"):
            for target, params in _LINK.findall(value):
                rel = _LINK_REL.search(params)
                for name in (rel.group(1) or rel.group(2)).lower().split() if rel else ():
                    found.setdefault(name, str(httpx.URL(self.url).join(target.strip())))
        return found


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    data: Mapping[str, Any] | bytes | str | None = None,
    follow_redirects: bool = True,
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> Response:
    """Fetch url safely from the server side; raises a FetchError subclass, never for HTTP statuses."""
    target = _parse(url)
    cap = settings.MICROHOST_FETCH_MAX_BYTES if max_bytes is None else max_bytes
    deadline = Deadline(settings.MICROHOST_FETCH_TOTAL_TIMEOUT if timeout is None else timeout)
    backend = PinnedBackend(allow_private=settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES, deadline=deadline)
    try:
        with _client(backend, deadline, follow_redirects=follow_redirects) as client:
            request = client.build_request(method, target, headers=_headers(headers), **_body(data))
            return _follow(client, request, follow_redirects=follow_redirects, cap=cap)
    except httpx.TimeoutException as exc:
        raise FetchTimeout(f"{target.host} did not answer in time.") from exc
    except httpx.ConnectError as exc:
        reason = ": its HTTPS certificate is not valid" if "CERTIFICATE_VERIFY_FAILED" in str(exc) else ""
        raise ConnectFailed(f"Could not connect to {target.host}{reason}.") from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FetchError(f"Fetching {_short(url)} failed: {exc}") from exc


def post_form(url: str, data: Mapping[str, Any], **kwargs: Any) -> Response:
    """POST a form (application/x-www-form-urlencoded), e.g. to send a webmention."""
    return fetch(url, method="POST", data=data, **kwargs)


def check_url(url: str) -> None:
    """Raise FetchError if url is not http(s) or its host resolves to a refused address (form validation)."""
    target = _parse(url)
    resolve_checked(
        target.raw_host.decode("ascii"),  # IDNA-encoded, exactly as the transport will look it up
        target.port or (443 if target.scheme == "https" else 80),
        allow_private=settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES,
        timeout=settings.MICROHOST_FETCH_CONNECT_TIMEOUT,
    )


def user_agent() -> str:
    """How we introduce ourselves to other sites, with a page they can read about us."""
    return f"microhost/0.1 (+https://{settings.MICROHOST_DOMAIN}/)"


def _short(url: object, limit: int = 80) -> str:
    """A URL trimmed for an error message."""
    text = str(url)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse(url: str | httpx.URL) -> httpx.URL:
    """Refuse anything but an absolute http(s) URL before any DNS lookup or socket (R4, R10)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise BadScheme(f"{_short(url)} is not a valid web address.") from exc
    if parsed.scheme not in ALLOWED_SCHEMES or not parsed.host:
        raise BadScheme(f"Only http and https addresses can be fetched, not {_short(url)}.")
    return parsed


def _client(backend: PinnedBackend, deadline: Deadline, *, follow_redirects: bool) -> httpx.Client:
    """A client for one fetch: its own connection pool, no redirects of its own, no environment."""
    return httpx.Client(
        transport=PinnedTransport(backend),
        trust_env=False,
        follow_redirects=False,  # _follow does it, one checked hop at a time
        timeout=httpx.Timeout(deadline.seconds, connect=settings.MICROHOST_FETCH_CONNECT_TIMEOUT),
        event_hooks={"response": [_refuse_bad_redirect] if follow_redirects else []},
    )


def _refuse_bad_redirect(response: httpx.Response) -> None:
    """Refuse a redirect to file:, data: etc. before httpx builds (and may choke on) the next request."""
    if response.has_redirect_location:
        location = response.headers["Location"]
        scheme = urlsplit(location.strip()).scheme.lower()
        if scheme and scheme not in ALLOWED_SCHEMES:
            raise BadScheme(f"Redirected to {_short(location)}, which is not an http(s) address.")


def _headers(extra: Mapping[str, str] | None) -> dict[str, str]:
    """Caller's headers over our User-Agent; Accept-Encoding is always ours (see _Inflater)."""
    merged = {"User-Agent": user_agent()}
    merged.update({k: v for k, v in (extra or {}).items() if k.lower() != "accept-encoding"})
    merged["Accept-Encoding"] = ACCEPT_ENCODING
    return merged


def _body(data: Mapping[str, Any] | bytes | str | None) -> dict[str, Any]:
    """httpx keyword for the request body: a mapping is form-encoded, bytes/str are sent as they are."""
    if data is None:
        return {}
    if isinstance(data, bytes | str):
        return {"content": data}
    return {"data": dict(data)}


def _follow(client: httpx.Client, request: httpx.Request, *, follow_redirects: bool, cap: int) -> Response:
    """Send request and, if asked, its redirects one hop at a time, each hop checked afresh (R4)."""
    history: list[str] = []
    while True:
        if request.url.scheme not in ALLOWED_SCHEMES:  # also checked in _refuse_bad_redirect
            raise BadScheme(f"Redirected to {_short(request.url)}, which is not an http(s) address.")
        response = client.send(request, stream=True)
        try:
            following = response.next_request if follow_redirects else None
            if following is None:
                content = _read_body(response, cap)
                return Response(str(request.url), response.status_code, response.headers, content, history)
        finally:
            response.close()
        if len(history) >= settings.MICROHOST_FETCH_MAX_REDIRECTS:
            raise TooManyRedirects(f"Gave up after {len(history)} redirects.")
        history.append(str(request.url))
        request = following


class _Inflater:
    """Undoes gzip/deflate with an output bound, so a gzip bomb stops at the cap (R12).

    httpx's own decoder inflates each network chunk completely: one 64 KB chunk of a gzip bomb
    becomes ~64 MB in memory before any cap could look at it.
    """

    def __init__(self, content_encoding: str, cap: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise FetchError(f"The response uses stacked compression ({content_encoding}), which is refused.")
        # The "+32" window takes gzip and zlib-wrapped deflate; unknown codings pass through raw.
        known = bool(codings) and codings[0] in {"gzip", "x-gzip", "deflate"}
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 32) if known else None
        self.cap = cap
        self.size = 0

    def feed(self, chunk: bytes) -> bytes:
        """Decompressed bytes for chunk; raises TooLarge as soon as the total passes the cap."""
        room = self.cap - self.size
        try:
            if self._zlib is None:
                out = chunk
            elif chunk:  # at most room + 1 bytes come out: one byte over tells us it is too large
                out = self._zlib.decompress(chunk, room + 1)
            else:  # the body has ended: whatever zlib still holds
                out = self._zlib.flush()
        except zlib.error as exc:
            raise FetchError("The response could not be decompressed.") from exc
        if len(out) > room:
            raise TooLarge(f"The response is larger than the {self.cap:,} bytes microhost reads.")
        self.size += len(out)
        return out


def _read_body(response: httpx.Response, cap: int) -> bytes:
    """Read the body up to cap bytes after decompression; a declared length over cap is never read."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge(f"The response is larger than the {cap:,} bytes microhost reads.")
    inflater = _Inflater(response.headers.get("Content-Encoding", ""), cap)
    body = bytearray()
    for chunk in response.iter_raw():
        body += inflater.feed(chunk)
    body += inflater.feed(b"")  # the end of the body: let zlib hand over what it still holds
    return bytes(body)
