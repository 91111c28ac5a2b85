"""Fake Bluesky PDS (docs.bsky.app): createSession/refreshSession/deleteSession with JWTs that
expire (400 ExpiredToken), createRecord with grapheme and facet checks, uploadBlob, deleteRecord."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field

import regex

from tests.syndication.fakes.base import FakeSilo

DID = "did:plc:alice123"


def jwt(subject: str, seconds: int) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'ES256K'})}.{part({'sub': subject, 'exp': int(time.time()) + seconds})}.c2ln"


@dataclass
class FakeBluesky(FakeSilo):
    ROUTES = [
        ("POST", r"/xrpc/com\.atproto\.server\.createSession", "create_session"),
        ("POST", r"/xrpc/com\.atproto\.server\.refreshSession", "refresh_session"),
        ("POST", r"/xrpc/com\.atproto\.server\.deleteSession", "delete_session"),
        ("POST", r"/xrpc/com\.atproto\.repo\.uploadBlob", "upload_blob"),
        ("POST", r"/xrpc/com\.atproto\.repo\.createRecord", "create_record"),
        ("POST", r"/xrpc/com\.atproto\.repo\.deleteRecord", "delete_record"),
    ]
    password: str = "abcd-efgh-ijkl-mnop"
    access_seconds: int = 7200
    access: dict = field(default_factory=dict)  # token -> expiry epoch
    refresh: set = field(default_factory=set)
    records: dict = field(default_factory=dict)
    blobs: list = field(default_factory=list)
    logins: int = 0

    def _pair(self):
        access, refresh = jwt(DID, self.access_seconds), jwt(DID + self.new_id(), 90 * 86400)
        self.access[access] = time.time() + self.access_seconds
        self.refresh.add(refresh)
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": "alice.bsky.social",
            "did": DID,
            "didDoc": {
                "id": DID,
                "service": [
                    {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": self.url}
                ],
            },
        }

    def _denied(self, request):
        expiry = self.access.get(request.bearer)
        if expiry is None:
            return 401, {"error": "AuthenticationRequired", "message": "Authentication Required"}, {}
        if expiry < time.time():
            return 400, {"error": "ExpiredToken", "message": "Token has expired"}, {}
        return None

    def create_session(self, request):
        body = request.json()
        if body.get("password") != self.password:
            return 401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, {}
        self.logins += 1
        return 200, self._pair(), {}

    def refresh_session(self, request):
        if request.bearer not in self.refresh:
            return 400, {"error": "ExpiredToken", "message": "Token has been revoked"}, {}
        self.refresh.discard(request.bearer)
        return 200, self._pair(), {}

    def delete_session(self, request):
        self.refresh.discard(request.bearer)
        return 200, b"", {}

    def upload_blob(self, request):
        denied = self._denied(request)
        if denied:
            return denied
        self.blobs.append(len(request.body))
        blob = {
            "$type": "blob",
            "ref": {"$link": f"bafkrei{self.new_id()}"},
            "mimeType": request.headers["content-type"],
            "size": len(request.body),
        }
        return 200, {"blob": blob}, {}

    def create_record(self, request):
        denied = self._denied(request)
        if denied:
            return denied
        record = request.json()["record"]
        if len(regex.findall(r"\X", record["text"])) > 300:
            return (
                400,
                {"error": "InvalidRequest", "message": "Record/text must not be longer than 300 graphemes"},
                {},
            )
        raw = record["text"].encode()
        for facet in record.get("facets", []):
            index = facet["index"]
            assert raw[index["byteStart"] : index["byteEnd"]].decode() == facet["features"][0]["uri"]
        rkey = f"3k{self.new_id()}"
        uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
        self.records[uri] = record
        return 200, {"uri": uri, "cid": f"bafyrei{rkey}"}, {}

    def delete_record(self, request):
        denied = self._denied(request)
        if denied:
            return denied
        body = request.json()
        self.records.pop(f"at://{body['repo']}/{body['collection']}/{body['rkey']}", None)
        return 200, {}, {}
