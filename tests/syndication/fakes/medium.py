"""Fake Medium API (github.com/Medium/medium-api-docs): /v1/me and create; no update or delete."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.syndication.fakes.base import FakeSilo


@dataclass
class FakeMedium(FakeSilo):
    ROUTES = [("GET", r"/v1/me", "me"), ("POST", r"/v1/users/(\w+)/posts", "create")]
    tokens: set = field(default_factory=lambda: {"medium-token"})
    posts: dict = field(default_factory=dict)

    def me(self, request):
        if request.bearer not in self.tokens:
            return 401, {"errors": [{"message": "Token was invalid.", "code": 6003}]}, {}
        return (
            200,
            {
                "data": {
                    "id": "5303d74c64f66366f00cb9b2a94f3251bf5",
                    "username": "alice",
                    "name": "Alice",
                    "url": "https://medium.com/@alice",
                }
            },
            {},
        )

    def create(self, request, author):
        if request.bearer not in self.tokens:
            return 401, {"errors": [{"message": "Token was invalid.", "code": 6003}]}, {}
        body = request.json()
        if len(body.get("title", "")) > 100:
            return 400, {"errors": [{"message": "Title is too long", "code": 2004}]}, {}
        post_id = f"e6f36a{self.new_id()}"
        self.posts[post_id] = body
        return (
            201,
            {
                "data": {
                    "id": post_id,
                    "title": body["title"],
                    "authorId": author,
                    "url": f"https://medium.com/@alice/{post_id}",
                    "canonicalUrl": body.get("canonicalUrl"),
                    "publishStatus": body.get("publishStatus"),
                    "publishedAt": 1442286338435,
                }
            },
            {},
        )
