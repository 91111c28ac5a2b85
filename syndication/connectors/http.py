"""Silo calls through the one safe fetcher (microhost.fetch, R1), with the shared error rules.

Celery rule from docs/silos.md: retry network errors, 5xx and 429 (at the silo's reset time);
never retry validation errors; 401/403 ask the owner to reconnect; for silos without an idempotency
key a timeout or 5xx after the request went out is `Unknown` (R18), never retried blindly.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from django.utils import timezone

from microhost.fetch import ConnectFailed, FetchError, FetchTimeout, Response, fetch
from syndication.conf import conf
from syndication.connectors.base import (
    Gone,
    NeedsReauth,
    PermanentFailure,
    RetryLater,
    Unknown,
)

MAX_BYTES = 4 * 1024 * 1024


class SiloHTTP:
    """Error classification shared by connectors; each overrides message()/retry_at()/refine()."""

    LABEL = ""
    IDEMPOTENT = False

    def message(self, response: Response) -> str:
        """The silo's own words for an error (shown to the owner)."""
        body = as_json(response)
        if isinstance(body, dict):
            for key in ("error_description", "message", "error"):
                if isinstance(body.get(key), str):
                    return body[key]
        return f"HTTP {response.status_code}"

    def retry_at(self, response: Response) -> datetime | None:
        """When a 429 lifts: Retry-After (seconds or an HTTP date, RFC 9110 §10.2.3) unless the silo
        has its own reset header (subclasses); None = use our backoff."""
        value = response.headers.get("Retry-After", "").strip()
        if value.isdigit():
            return timezone.now() + timedelta(seconds=int(value))
        try:
            return parsedate_to_datetime(value) if value else None
        except (TypeError, ValueError):
            return None

    def refine(self, response: Response, *, sends: bool) -> None:
        """Silo-specific statuses before the shared rules (e.g. Tumblr's daily caps)."""

    def call(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        content_type: str = "",
        sends: bool = False,
    ) -> Response:
        """One request; `sends` marks a create whose repeat could post twice (R18)."""
        sent_headers = dict(headers or {})
        data: Any = None
        if json_body is not None:
            data, sent_headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            data = dict(form)
        elif content is not None:
            data = content
            if content_type:
                sent_headers["Content-Type"] = content_type
        try:
            response = fetch(
                url,
                method=method,
                headers=sent_headers,
                data=data,
                follow_redirects=False,
                max_bytes=MAX_BYTES,
                timeout=float(conf("CALL_TIMEOUT_SECONDS")),
            )
        except ConnectFailed as exc:  # nothing was sent
            raise RetryLater(str(exc)) from exc
        except FetchTimeout as exc:
            if sends and not self.IDEMPOTENT:
                raise Unknown(f"{self.LABEL} did not answer after the copy was sent: {exc}") from exc
            raise RetryLater(str(exc)) from exc
        except FetchError as exc:
            raise PermanentFailure(str(exc)) from exc
        self.check(response, sends=sends)
        return response

    def check(self, response: Response, *, sends: bool) -> None:
        status = response.status_code
        if status < 400:
            return
        self.refine(response, sends=sends)
        said = f"{self.LABEL}: {self.message(response)}"
        if status == 429:
            raise RetryLater(said, after=self.retry_at(response))
        if status in (401, 403):
            raise NeedsReauth(said)
        if status == 404:
            raise Gone(said)
        if status >= 500:
            if sends and not self.IDEMPOTENT and status != 503:
                raise Unknown(said)
            raise RetryLater(said)
        raise PermanentFailure(said)


def as_json(response: Response) -> Any:
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def multipart(fields: Mapping[str, str], files: list[tuple[str, str, str, bytes]]) -> tuple[bytes, str]:
    """multipart/form-data body (RFC 7578) for fields and (name, filename, content type, bytes) files."""
    boundary = secrets.token_hex(16)
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        parts.append(value.encode() + b"\r\n")
    for name, filename, content_type, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.extend([head.encode(), data, b"\r\n"])
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def photo_file(photo, *, max_bytes: int | None = None) -> tuple[bytes, str, str] | None:
    """(bytes, content type, filename) of an uploaded photo, the largest copy under max_bytes."""
    names = [photo.file.name, *(photo.variants.get(w) for w in sorted(photo.variants, key=int, reverse=True))]
    for name in filter(None, names):
        with photo.file.storage.open(name, "rb") as handle:
            data = handle.read()
        if max_bytes is None or len(data) <= max_bytes:
            return data, photo.content_type or "image/jpeg", name.rsplit("/", 1)[-1]
    return None
