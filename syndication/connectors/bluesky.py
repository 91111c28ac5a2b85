"""Bluesky with a handle and app password (docs.bsky.app: createSession, refreshSession, createRecord,
uploadBlob, deleteRecord; richtext facets with UTF-8 byte offsets)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from microhost.fetch import Response
from syndication.conf import conf
from syndication.connectors import text as text_rules
from syndication.connectors.base import Connector, NeedsReauth, PermanentFailure, PublishResult
from syndication.connectors.http import SiloHTTP, as_json, photo_file

MAX_GRAPHEMES = 300
MAX_IMAGE_BYTES = 1_000_000
COLLECTION = "app.bsky.feed.post"
ACCESS_MARGIN = timedelta(minutes=2)  # refresh an access JWT this close to its exp


class ExpiredToken(Exception):
    """400 {"error": "ExpiredToken"}: refresh the session, then retry once."""


class BlueskyHTTP(SiloHTTP):
    LABEL = "Bluesky"

    def retry_at(self, response: Response) -> datetime | None:
        """RateLimit-Reset is epoch seconds."""
        reset = response.headers.get("RateLimit-Reset", "")
        return datetime.fromtimestamp(int(reset), tz=UTC) if reset.isdigit() else super().retry_at(response)

    def refine(self, response: Response, *, sends: bool) -> None:
        body = as_json(response)
        if response.status_code == 400 and isinstance(body, dict) and body.get("error") == "ExpiredToken":
            raise ExpiredToken()


def _pds(session: dict, fallback: str) -> str:
    """The account's PDS from its DID document (#atproto_pds), else the entryway we logged in at."""
    for service in (session.get("didDoc") or {}).get("service", []):
        if service.get("id", "").endswith("#atproto_pds"):
            return service["serviceEndpoint"].rstrip("/")
    return fallback


def connect(*, handle: str, app_password: str) -> dict:
    """createSession once (30/5 min, 300/day per account): the session is stored and refreshed."""
    entry = conf("BLUESKY_SERVICE_URL").rstrip("/")
    form = {"identifier": handle.strip().lstrip("@"), "password": app_password.strip()}
    try:
        session = as_json(
            BlueskyHTTP().call("POST", f"{entry}/xrpc/com.atproto.server.createSession", json_body=form)
        )
    except (PermanentFailure, NeedsReauth) as exc:
        raise PermanentFailure(f"Bluesky refused the handle or app password ({exc}).") from exc
    return {
        "server": _pds(session, entry),
        "remote_id": session["did"],
        "account_name": f"@{session['handle']}",
        "account_url": f"https://bsky.app/profile/{session['handle']}",
        "options": {},
        "credentials": {"access_jwt": session["accessJwt"], "refresh_jwt": session["refreshJwt"]},
    }


def jwt_expiry(token: str) -> datetime | None:
    """`exp` of a JWT, read without verifying (we only decide when to refresh)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def facets(text: str) -> list[dict]:
    """Link facets for every URL, with UTF-8 byte offsets (URLs are not auto-linked)."""
    found = []
    for match in text_rules.URL.finditer(text):
        start = len(text[: match.start()].encode())
        found.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(match.group().encode())},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": match.group()}],
            }
        )
    return found


def card(post) -> dict | None:
    """An article's link card, built by us (Bluesky does not unfurl): app.bsky.embed.external."""
    if not post.name:
        return None
    external = {"uri": post.get_absolute_url(), "title": post.name, "description": post.summary[:300]}
    return {"$type": "app.bsky.embed.external", "external": external}


class Bluesky(Connector):
    NAME, LABEL = "bluesky", "Bluesky"
    MAX_CHARS, MAX_MEDIA = MAX_GRAPHEMES, 4
    CAN_UPDATE = False  # putRecord is accepted but bsky.app never shows edits (social-app #673)
    NOTE = "Edits do not show on Bluesky; deletes reach the copy."

    def __init__(self, connection) -> None:
        super().__init__(connection)
        self.http = BlueskyHTTP()

    def refresh_if_expiring(self) -> None:
        expires = jwt_expiry(self.connection.credentials.get("access_jwt", ""))
        if expires is not None and expires - timezone.now() <= ACCESS_MARGIN:
            self._refresh()

    def _refresh(self) -> None:
        """refreshSession with the refresh JWT → a new pair; a dead refresh JWT means reconnect (R36)."""
        refresh = self.connection.credentials.get("refresh_jwt", "")
        url = f"{self.connection.server}/xrpc/com.atproto.server.refreshSession"
        try:
            session = as_json(self.http.call("POST", url, headers={"Authorization": f"Bearer {refresh}"}))
        except (ExpiredToken, PermanentFailure) as exc:
            raise NeedsReauth("Bluesky: the session ended; reconnect with an app password.") from exc
        self.connection.set_credentials(
            {"access_jwt": session["accessJwt"], "refresh_jwt": session["refreshJwt"]}
        )

    def _xrpc(
        self, method: str, body=None, *, content: bytes | None = None, content_type: str = "", sends=False
    ):
        """Call with the access JWT; on ExpiredToken refresh once and repeat."""
        self.refresh_if_expiring()
        for attempt in (1, 2):
            auth = {"Authorization": f"Bearer {self.connection.credentials.get('access_jwt', '')}"}
            url = f"{self.connection.server}/xrpc/{method}"
            try:
                if content is not None:
                    return as_json(
                        self.http.call("POST", url, headers=auth, content=content, content_type=content_type)
                    )
                return as_json(self.http.call("POST", url, headers=auth, json_body=body, sends=sends))
            except ExpiredToken:
                if attempt == 2:
                    raise NeedsReauth("Bluesky: the session could not be renewed.") from None
                self._refresh()
        raise AssertionError("unreachable")

    def _images(self, post) -> dict | None:
        images = []
        for photo in self.photos(post):
            found = photo_file(photo, max_bytes=MAX_IMAGE_BYTES)
            if found:
                blob = self._xrpc("com.atproto.repo.uploadBlob", content=found[0], content_type=found[1])[
                    "blob"
                ]
                image = {"alt": photo.alt, "image": blob}
                if photo.width and photo.height:
                    image["aspectRatio"] = {"width": photo.width, "height": photo.height}
                images.append(image)
        return {"$type": "app.bsky.embed.images", "images": images} if images else None

    def publish(self, post, *, text=None, key="", reply_to=None) -> PublishResult:
        copy = self.compose(post, text)
        record: dict = {
            "$type": COLLECTION,
            "text": copy,
            "createdAt": timezone.now().isoformat().replace("+00:00", "Z"),
        }
        if facets(copy):
            record["facets"] = facets(copy)
        embed = self._images(post) or card(post)
        if embed:
            record["embed"] = embed
        if reply_to is not None and reply_to.extra.get("cid"):
            parent = {"uri": reply_to.remote_id, "cid": reply_to.extra["cid"]}
            record["reply"] = {"root": reply_to.extra.get("root") or parent, "parent": parent}
        body = {"repo": self.connection.remote_id, "collection": COLLECTION, "record": record}
        created = self._xrpc("com.atproto.repo.createRecord", body, sends=True)
        rkey = created["uri"].rsplit("/", 1)[-1]
        root = record.get("reply", {}).get("root") or {"uri": created["uri"], "cid": created["cid"]}
        url = f"https://bsky.app/profile/{self.connection.remote_id}/post/{rkey}"
        return PublishResult(url=url, remote_id=created["uri"], extra={"cid": created["cid"], "root": root})

    def delete(self, copy) -> None:
        rkey = copy.remote_id.rsplit("/", 1)[-1]
        body = {"repo": self.connection.remote_id, "collection": COLLECTION, "rkey": rkey}
        self._xrpc("com.atproto.repo.deleteRecord", body)

    def revoke(self) -> bool:
        """deleteSession with the refresh JWT ends the stored session."""
        refresh = self.connection.credentials.get("refresh_jwt", "")
        url = f"{self.connection.server}/xrpc/com.atproto.server.deleteSession"
        self.http.call("POST", url, headers={"Authorization": f"Bearer {refresh}"})
        return True
