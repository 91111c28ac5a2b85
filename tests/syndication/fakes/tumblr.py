"""Fake Tumblr API v2 (github.com/tumblr/docs api.md): OAuth 2 with rotating refresh tokens,
user/info, NPF create (JSON or multipart), edit, delete, meta/errors envelopes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.syndication.fakes.base import FakeSilo


@dataclass
class FakeTumblr(FakeSilo):
    ROUTES = [
        ("GET", r"/oauth2/authorize", "authorize"),
        ("POST", r"/v2/oauth2/token", "token"),
        ("GET", r"/v2/user/info", "user_info"),
        ("POST", r"/v2/blog/([\w-]+)/posts", "create"),
        ("PUT", r"/v2/blog/([\w-]+)/posts/(\w+)", "edit"),
        ("POST", r"/v2/blog/([\w-]+)/post/delete", "delete"),
    ]
    expires_in: int = 2520
    access: set = field(default_factory=set)
    refresh: set = field(default_factory=set)
    codes: set = field(default_factory=set)
    posts: dict = field(default_factory=dict)
    images: dict = field(default_factory=dict)

    def _meta(self, status: int, msg: str, response=None, errors=None):
        body = {"meta": {"status": status, "msg": msg}, "response": response if response is not None else []}
        if errors:
            body["errors"] = errors
        return status, body, {}

    def _ok(self, request) -> bool:
        return request.bearer in self.access

    def authorize(self, request):
        code = f"tcode-{self.new_id()}"
        self.codes.add(code)
        query = urlencode({"code": code, "state": request.query["state"]})
        return 302, b"", {"Location": f"{request.query['redirect_uri']}?{query}"}

    def issue(self):
        access, refresh = f"tacc-{self.new_id()}", f"tref-{self.new_id()}"
        self.access.add(access)
        self.refresh.add(refresh)
        return (
            200,
            {
                "access_token": access,
                "expires_in": self.expires_in,
                "refresh_token": refresh,
                "scope": "basic write offline_access",
                "token_type": "bearer",
            },
            {},
        )

    def token(self, request):
        form = request.form()
        if form.get("grant_type") == "authorization_code" and form.get("code") in self.codes:
            self.codes.discard(form["code"])
            return self.issue()
        if form.get("grant_type") == "refresh_token" and form.get("refresh_token") in self.refresh:
            self.refresh.discard(form["refresh_token"])  # each refresh token works once
            return self.issue()
        return 400, {"error": "invalid_grant", "error_description": "Invalid grant"}, {}

    def user_info(self, request):
        if not self._ok(request):
            return self._meta(401, "Unauthorized")
        blogs = [
            {
                "name": "alicewrites",
                "url": "https://alicewrites.tumblr.com/",
                "primary": True,
                "uuid": "t:abc",
            },
            {
                "name": "alicephotos",
                "url": "https://alicephotos.tumblr.com/",
                "primary": False,
                "uuid": "t:def",
            },
        ]
        return self._meta(200, "OK", {"user": {"name": "alice", "blogs": blogs}})

    def _body(self, request) -> dict:
        if request.headers.get("content-type", "").startswith("multipart/"):
            parts = request.multipart()
            body = json.loads(parts.pop("json"))
            body["_files"] = {name: len(data) for name, data in parts.items()}
            return body
        return request.json()

    def create(self, request, blog):
        if not self._ok(request):
            return self._meta(401, "Unauthorized")
        body = self._body(request)
        if not body.get("content"):
            return self._meta(400, "Bad Request", errors=[{"title": "Invalid NPF content", "code": 8001}])
        post_id = self.new_id() + "000000"
        self.posts[post_id] = {"blog": blog, **body}
        return self._meta(201, "Created", {"id": post_id})

    def edit(self, request, blog, post_id):
        if not self._ok(request):
            return self._meta(401, "Unauthorized")
        if post_id not in self.posts:
            return self._meta(404, "Not Found")
        self.posts[post_id] = {"blog": blog, **self._body(request)}
        return self._meta(200, "OK", {"id": post_id})

    def delete(self, request, blog):
        if not self._ok(request):
            return self._meta(401, "Unauthorized")
        if self.posts.pop(request.form().get("id"), None) is None:
            return self._meta(404, "Not Found")
        return self._meta(200, "OK", {"id": request.form()["id"]})

    def text_of(self, post_id: str) -> str:
        return "\n\n".join(b["text"] for b in self.posts[post_id]["content"] if b["type"] == "text")
