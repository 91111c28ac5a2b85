"""Mastodon and compatible servers (docs.joinmastodon.org: methods/apps, methods/oauth, methods/statuses,
methods/media, methods/instance#v2, api/rate-limits)."""

from __future__ import annotations

import time
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import IntegrityError

from accounts.urls_util import platform_url
from microhost.fetch import Response
from syndication import crypto
from syndication.connectors.base import Connector, PermanentFailure, PublishResult, RetryLater
from syndication.connectors.http import SiloHTTP, as_json, multipart, photo_file
from syndication.models import MastodonApp

DEFAULT_MAX_CHARS = 500  # upstream default; the instance's own comes from /api/v2/instance
URL_WEIGHT = 23  # configuration.statuses.characters_reserved_per_url
MEDIA_POLLS, MEDIA_POLL_SECONDS = 10, 0.5  # GET /api/v1/media/:id answers 206 while processing
NOT_PROCESSED = "finished processing"  # 422 "Cannot attach files that have not finished processing"
SCOPES_NEW = "write:statuses write:media profile"  # `profile` needs 4.3+ (api/oauth-scopes)
SCOPES_OLD = "write:statuses write:media read:accounts"
CALLBACK_PATH = "/settings/connections/mastodon/callback/"


def server_url(instance: str) -> str:
    """'mastodon.social', 'https://mastodon.social/@me' → 'https://mastodon.social' (scheme kept if given)."""
    text = instance.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentFailure("Enter your Mastodon server, e.g. mastodon.social.")
    # Tokens never travel over plain HTTP, except to loopback fakes in tests and development.
    scheme = parts.scheme if settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES else "https"
    return f"{scheme}://{parts.netloc.lower()}"


class MastodonHTTP(SiloHTTP):
    LABEL = "Mastodon"
    IDEMPOTENT = True  # Idempotency-Key on POST /api/v1/statuses

    def retry_at(self, response: Response) -> datetime | None:
        """X-RateLimit-Reset is an ISO 8601 time (api/rate-limits)."""
        try:
            return datetime.fromisoformat(
                response.headers.get("X-RateLimit-Reset", "").replace("Z", "+00:00")
            )
        except ValueError:
            return super().retry_at(response)

    def refine(self, response: Response, *, sends: bool) -> None:
        if response.status_code == 422 and NOT_PROCESSED in self.message(response):
            raise RetryLater("Mastodon is still processing the photos.")


def app_for(server: str) -> MastodonApp:
    """Our app on this instance, registered on first use and cached (POST /api/v1/apps)."""
    found = MastodonApp.objects.filter(server=server).first()
    if found:
        return found
    http = MastodonHTTP()
    try:  # 4.3+ publishes OAuth server metadata; older servers answer 404 (methods/oauth)
        meta = as_json(http.call("GET", f"{server}/.well-known/oauth-authorization-server")) or {}
    except PermanentFailure:
        meta = {}
    scopes = SCOPES_NEW if "profile" in (meta.get("scopes_supported") or []) else SCOPES_OLD
    redirect_uri = platform_url(CALLBACK_PATH)
    body = {
        "client_name": "microhost",
        "redirect_uris": redirect_uri,
        "scopes": scopes,
        "website": platform_url("/"),
    }
    registered = as_json(http.call("POST", f"{server}/api/v1/apps", form=body))
    try:
        return MastodonApp.objects.create(
            server=server,
            client_id=registered["client_id"],
            secret=crypto.encrypt({"client_secret": registered["client_secret"]}),
            scopes=scopes,
            redirect_uri=redirect_uri,
            pkce="S256" in (meta.get("code_challenge_methods_supported") or []),
        )
    except IntegrityError:  # registered concurrently: use the first
        return MastodonApp.objects.get(server=server)


def authorize_url(app: MastodonApp, *, state: str, challenge: str) -> str:
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": app.scopes,
        "state": state,
    }
    if app.pkce:
        query.update(code_challenge=challenge, code_challenge_method="S256")
    return f"{app.server}/oauth/authorize?{urlencode(query)}"


def finish_connect(app: MastodonApp, *, code: str, verifier: str) -> dict:
    """Exchange the code; read the account and the instance's limits. Returns Connection fields."""
    http = MastodonHTTP()
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": app.redirect_uri,
    }
    if app.pkce:
        form["code_verifier"] = verifier
    token = as_json(http.call("POST", f"{app.server}/oauth/token", form=form))["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    account = as_json(http.call("GET", f"{app.server}/api/v1/accounts/verify_credentials", headers=auth))
    instance = as_json(http.call("GET", f"{app.server}/api/v2/instance"))
    config = (instance or {}).get("configuration") or {}
    statuses = config.get("statuses") or {}
    return {
        "server": app.server,
        "remote_id": str(account["id"]),
        "account_name": f"@{account['acct']}@{urlsplit(app.server).hostname}",
        "account_url": account.get("url", ""),
        "options": {
            "max_characters": int(statuses.get("max_characters") or DEFAULT_MAX_CHARS),
            "url_weight": int(statuses.get("characters_reserved_per_url") or URL_WEIGHT),
            "max_media": int(statuses.get("max_media_attachments") or 4),
        },
        "credentials": {"access_token": token},
    }


class Mastodon(Connector):
    NAME, LABEL = "mastodon", "Mastodon"
    MAX_CHARS, URL_LENGTH, MAX_MEDIA = DEFAULT_MAX_CHARS, URL_WEIGHT, 4
    IDEMPOTENT = True
    NOTE = "Edits and deletes reach the copy; replies to your own copied posts thread there."

    def __init__(self, connection) -> None:
        super().__init__(connection)
        self.http = MastodonHTTP()
        self.URL_LENGTH = connection.options.get("url_weight", URL_WEIGHT)
        self.MAX_MEDIA = connection.options.get("max_media", 4)

    def limit(self) -> int:
        return int(self.connection.options.get("max_characters") or DEFAULT_MAX_CHARS)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.connection.credentials.get('access_token', '')}"}

    def _api(self, path: str) -> str:
        return f"{self.connection.server}{path}"

    def _upload(self, photo) -> str:
        """POST /api/v2/media with the alt text; 202 means poll GET /api/v1/media/:id until 200."""
        found = photo_file(photo)
        if found is None:
            raise PermanentFailure("A photo could not be read.")
        data, content_type, name = found
        body, body_type = multipart({"description": photo.alt[:1500]}, [("file", name, content_type, data)])
        response = self.http.call(
            "POST", self._api("/api/v2/media"), headers=self._auth(), content=body, content_type=body_type
        )
        media_id = str(as_json(response)["id"])
        for _ in range(MEDIA_POLLS if response.status_code == 202 else 0):
            polled = self.http.call("GET", self._api(f"/api/v1/media/{media_id}"), headers=self._auth())
            if polled.status_code == 200:
                break
            time.sleep(MEDIA_POLL_SECONDS)
        return media_id

    def publish(self, post, *, text=None, key="", reply_to=None) -> PublishResult:
        media_ids = [self._upload(photo) for photo in self.photos(post)]
        body: dict = {"status": self.compose(post, text), "media_ids": media_ids, "visibility": "public"}
        if post.visibility != "public":
            body["visibility"] = "unlisted"
        if reply_to is not None:
            body["in_reply_to_id"] = reply_to.remote_id
        headers = {**self._auth(), "Idempotency-Key": key}  # same key on every attempt (R17)
        status = as_json(
            self.http.call("POST", self._api("/api/v1/statuses"), headers=headers, json_body=body, sends=True)
        )
        return PublishResult(url=status["url"], remote_id=str(status["id"]), extra={"media_ids": media_ids})

    def update(self, post, copy, *, text=None) -> None:
        """PUT /api/v1/statuses/:id (3.5+); media ids are resent so the photos stay."""
        body = {"status": self.compose(post, text), "media_ids": copy.extra.get("media_ids", [])}
        self.http.call(
            "PUT", self._api(f"/api/v1/statuses/{copy.remote_id}"), headers=self._auth(), json_body=body
        )

    def delete(self, copy) -> None:
        self.http.call("DELETE", self._api(f"/api/v1/statuses/{copy.remote_id}"), headers=self._auth())

    def revoke(self) -> bool:
        """POST /oauth/revoke (methods/oauth#revoke)."""
        app = MastodonApp.objects.filter(server=self.connection.server).first()
        token = self.connection.credentials.get("access_token")
        if not (app and token):
            return False
        form = {"client_id": app.client_id, "client_secret": app.client_secret, "token": token}
        self.http.call("POST", self._api("/oauth/revoke"), form=form)
        return True
