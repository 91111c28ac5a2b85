"""Fake Mastodon (docs.joinmastodon.org): apps, OAuth with PKCE, verify_credentials, v2/instance,
media with processing states, statuses with Idempotency-Key, edit, delete, revoke, rate limits."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.syndication.fakes.base import FakeSilo, Request


@dataclass
class FakeMastodon(FakeSilo):
    ROUTES = [
        ("GET", r"/\.well-known/oauth-authorization-server", "meta"),
        ("POST", r"/api/v1/apps", "apps"),
        ("GET", r"/oauth/authorize", "authorize"),
        ("POST", r"/oauth/token", "token"),
        ("POST", r"/oauth/revoke", "revoke"),
        ("GET", r"/api/v1/accounts/verify_credentials", "verify"),
        ("GET", r"/api/v2/instance", "instance"),
        ("POST", r"/api/v2/media", "media"),
        ("GET", r"/api/v1/media/(\w+)", "media_status"),
        ("POST", r"/api/v1/statuses", "create"),
        ("PUT", r"/api/v1/statuses/(\w+)", "edit"),
        ("DELETE", r"/api/v1/statuses/(\w+)", "delete"),
    ]
    max_characters: int = 500
    tokens: set = field(default_factory=lambda: {"masto-token"})
    registered: dict = field(default_factory=dict)
    codes: dict = field(default_factory=dict)
    statuses: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)
    media_items: dict = field(default_factory=dict)

    def _unauthorised(self, request: Request):
        if request.bearer not in self.tokens:
            return 401, {"error": "The access token is invalid"}, {}
        return None

    def meta(self, request):
        return (
            200,
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/oauth/authorize",
                "token_endpoint": f"{self.url}/oauth/token",
                "scopes_supported": ["read", "write", "write:statuses", "write:media", "profile"],
                "code_challenge_methods_supported": ["S256"],
            },
            {},
        )

    def apps(self, request):
        form = request.form()
        client_id = f"client-{self.new_id()}"
        self.registered[client_id] = {**form, "client_secret": f"secret-{client_id}"}
        return (
            200,
            {
                "id": self.new_id(),
                "name": form["client_name"],
                "scopes": form["scopes"].split(),
                "redirect_uris": [form["redirect_uris"]],
                "client_id": client_id,
                "client_secret": f"secret-{client_id}",
                "client_secret_expires_at": 0,
            },
            {},
        )

    def authorize(self, request):
        """The user approves at once: redirect back with a code bound to the PKCE challenge."""
        code = f"code-{self.new_id()}"
        self.codes[code] = request.query
        query = urlencode({"code": code, "state": request.query["state"]})
        return 302, b"", {"Location": f"{request.query['redirect_uri']}?{query}"}

    def token(self, request):
        form = request.form()
        asked = self.codes.pop(form.get("code"), None)
        app = self.registered.get(form.get("client_id"))
        if asked is None or app is None or app["client_secret"] != form.get("client_secret"):
            return (
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The provided authorization grant is invalid",
                },
                {},
            )
        verifier = form.get("code_verifier", "").encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
        if asked.get("code_challenge") and digest != asked["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}, {}
        return (
            200,
            {"access_token": "masto-token", "token_type": "Bearer", "scope": asked["scope"], "created_at": 0},
            {},
        )

    def revoke(self, request):
        self.tokens.discard(request.form().get("token"))
        return 200, {}, {}

    def verify(self, request):
        return self._unauthorised(request) or (
            200,
            {"id": "7", "acct": "alice", "url": f"{self.url}/@alice"},
            {},
        )

    def instance(self, request):
        statuses = {
            "max_characters": self.max_characters,
            "max_media_attachments": 4,
            "characters_reserved_per_url": 23,
        }
        return 200, {"domain": "fake.example", "configuration": {"statuses": statuses}}, {}

    def media(self, request):
        denied = self._unauthorised(request)
        if denied:
            return denied
        parts = request.multipart()
        media_id = self.new_id()
        self.media_items[media_id] = {
            "description": parts["description"].decode(),
            "polls": 0,
            "size": len(parts["file"]),
        }
        return (
            202,
            {"id": media_id, "type": "image", "url": None, "description": parts["description"].decode()},
            {},
        )

    def media_status(self, request, media_id):
        item = self.media_items[media_id]
        item["polls"] += 1
        if item["polls"] < 2:
            return 206, {"id": media_id, "url": None}, {}
        return 200, {"id": media_id, "url": f"{self.url}/media/{media_id}.jpg"}, {}

    def create(self, request):
        denied = self._unauthorised(request)
        if denied:
            return denied
        key = request.headers.get("idempotency-key")
        if key and key in self.keys:
            return 200, self.statuses[self.keys[key]], {}
        body = request.json()
        if len(body["status"]) > self.max_characters:  # the real count is graphemes with URLs at 23
            return 422, {"error": "Validation failed: Text character limit of 500 exceeded"}, {}
        if any(self.media_items[m]["polls"] < 2 for m in body.get("media_ids", [])):
            return (
                422,
                {"error": "Cannot attach files that have not finished processing. Try again in a moment!"},
                {},
            )
        status_id = self.new_id()
        self.statuses[status_id] = {
            "id": status_id,
            "url": f"{self.url}/@alice/{status_id}",
            "uri": f"{self.url}/users/alice/statuses/{status_id}",
            "content": body["status"],
            "media_ids": body.get("media_ids", []),
            "in_reply_to_id": body.get("in_reply_to_id"),
        }
        if key:
            self.keys[key] = status_id
        return 200, self.statuses[status_id], {}

    def edit(self, request, status_id):
        denied = self._unauthorised(request)
        if denied:
            return denied
        if status_id not in self.statuses:
            return 404, {"error": "Record not found"}, {}
        self.statuses[status_id]["content"] = request.json()["status"]
        return 200, self.statuses[status_id], {}

    def delete(self, request, status_id):
        denied = self._unauthorised(request)
        if denied:
            return denied
        if status_id not in self.statuses:
            return 404, {"error": "Record not found"}, {}
        return 200, self.statuses.pop(status_id), {}
