"""Fake LinkedIn (learn.microsoft.com/linkedin): OAuth 2, userinfo, Posts API (201 + x-restli-id, empty
bodies), PARTIAL_UPDATE, DELETE 204, Images API initializeUpload + PUT, revoke."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlencode

from tests.syndication.fakes.base import FakeSilo


@dataclass
class FakeLinkedIn(FakeSilo):
    ROUTES = [
        ("GET", r"/oauth/v2/authorization", "authorize"),
        ("POST", r"/oauth/v2/accessToken", "token"),
        ("POST", r"/oauth/v2/revoke", "revoke"),
        ("GET", r"/v2/userinfo", "userinfo"),
        ("POST", r"/rest/images", "init_upload"),
        ("PUT", r"/upload/(\w+)", "upload"),
        ("POST", r"/rest/posts", "create"),
        ("POST", r"/rest/posts/(.+)", "edit"),
        ("DELETE", r"/rest/posts/(.+)", "delete"),
    ]
    tokens: set = field(default_factory=set)
    codes: set = field(default_factory=set)
    posts: dict = field(default_factory=dict)
    uploads: dict = field(default_factory=dict)

    def _denied(self, request):
        if request.bearer not in self.tokens:
            return (
                401,
                {
                    "status": 401,
                    "serviceErrorCode": 65601,
                    "code": "REVOKED_ACCESS_TOKEN",
                    "message": "The token used in the request has been revoked by the user",
                },
                {},
            )
        if not request.headers.get("linkedin-version"):
            return 426, {"status": 426, "message": "A version header is required"}, {}
        return None

    def authorize(self, request):
        code = f"lcode-{self.new_id()}"
        self.codes.add(code)
        query = urlencode({"code": code, "state": request.query["state"]})
        return 302, b"", {"Location": f"{request.query['redirect_uri']}?{query}"}

    def token(self, request):
        if request.form().get("code") not in self.codes:
            return (
                400,
                {"error": "invalid_request", "error_description": "Unable to retrieve access token"},
                {},
            )
        token = f"lacc-{self.new_id()}"
        self.tokens.add(token)
        return (
            200,
            {
                "access_token": token,
                "expires_in": 5183999,
                "scope": "openid,profile,w_member_social",
                "token_type": "Bearer",
                "id_token": "x.y.z",
            },
            {},
        )

    def revoke(self, request):
        self.tokens.discard(request.form().get("token"))
        return 200, b"", {}

    def userinfo(self, request):
        if request.bearer not in self.tokens:
            return (
                401,
                {
                    "status": 401,
                    "serviceErrorCode": 65600,
                    "code": "INVALID_ACCESS_TOKEN",
                    "message": "Invalid access token",
                },
                {},
            )
        return 200, {"sub": "782bbtaQ", "name": "Alice Example", "given_name": "Alice"}, {}

    def init_upload(self, request):
        denied = self._denied(request)
        if denied:
            return denied
        image = f"urn:li:image:C4E{self.new_id()}"
        upload_id = self.new_id()
        self.uploads[upload_id] = {"image": image, "size": 0}
        return 200, {"value": {"uploadUrl": f"{self.url}/upload/{upload_id}", "image": image}}, {}

    def upload(self, request, upload_id):
        self.uploads[upload_id]["size"] = len(request.body)
        return 201, b"", {}

    def create(self, request):
        denied = self._denied(request)
        if denied:
            return denied
        body = request.json()
        if not body.get("commentary") and "content" not in body:
            return 422, {"message": "ERROR :: /commentary :: field is required", "status": 422}, {}
        urn = f"urn:li:share:{self.new_id()}"
        self.posts[urn] = body
        return 201, b"", {"x-restli-id": urn}

    def edit(self, request, urn):
        denied = self._denied(request)
        if denied:
            return denied
        urn = unquote(urn)
        if request.headers.get("x-restli-method") != "PARTIAL_UPDATE" or urn not in self.posts:
            return 404, {"status": 404, "message": "Not found"}, {}
        self.posts[urn]["commentary"] = request.json()["patch"]["$set"]["commentary"]
        return 204, b"", {}

    def delete(self, request, urn):
        denied = self._denied(request)
        if denied:
            return denied
        self.posts.pop(unquote(urn), None)  # idempotent
        return 204, b"", {}
