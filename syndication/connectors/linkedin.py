"""LinkedIn: OAuth 2 (openid profile w_member_social), Posts API (learn.microsoft.com/en-us/linkedin/
consumer/integrations/self-serve/sign-in-with-linkedin-v2; community-management/shares/posts-api)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote, urlencode

from django.utils import timezone

from accounts.urls_util import platform_url
from syndication.conf import conf
from syndication.connectors.base import Connector, PublishResult, RetryLater
from syndication.connectors.http import SiloHTTP, as_json, photo_file

SCOPES = "openid profile w_member_social"
CALLBACK_PATH = "/settings/connections/linkedin/callback/"
TOKEN_LIFETIME = timedelta(days=60)  # no refresh tokens for self-serve apps: the owner reconnects
REMIND_BEFORE = timedelta(days=7)
# "little" text: these must be backslash-escaped or the commentary is silently cut there.
LITTLE_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")


class LinkedInHTTP(SiloHTTP):
    LABEL = "LinkedIn"


def little(text: str) -> str:
    return LITTLE_RESERVED.sub(r"\\\1", text)


def authorize_url(*, state: str) -> str:
    query = {
        "response_type": "code",
        "client_id": conf("LINKEDIN_CLIENT_ID"),
        "redirect_uri": platform_url(CALLBACK_PATH),
        "state": state,
        "scope": SCOPES,
    }
    return f"{conf('LINKEDIN_OAUTH_URL')}/authorization?{urlencode(query)}"


def finish_connect(*, code: str) -> dict:
    """Exchange the code; the member URN comes from userinfo's `sub`."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": platform_url(CALLBACK_PATH),
        "client_id": conf("LINKEDIN_CLIENT_ID"),
        "client_secret": conf("LINKEDIN_CLIENT_SECRET"),
    }
    token = as_json(LinkedInHTTP().call("POST", f"{conf('LINKEDIN_OAUTH_URL')}/accessToken", form=form))
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    info = as_json(LinkedInHTTP().call("GET", f"{conf('LINKEDIN_API_URL')}/v2/userinfo", headers=auth))
    lifetime = timedelta(seconds=int(token.get("expires_in") or TOKEN_LIFETIME.total_seconds()))
    return {
        "remote_id": info["sub"],
        "account_name": info.get("name") or info["sub"],
        "account_url": "",
        "options": {},
        "expires_at": timezone.now() + lifetime,
        "credentials": {"access_token": token["access_token"]},
    }


class LinkedIn(Connector):
    NAME, LABEL = "linkedin", "LinkedIn"
    MAX_CHARS, MAX_MEDIA = 3000, 1
    NOTE = "Access lasts 60 days; we remind you a week before. Edits and deletes reach the copy."

    def __init__(self, connection) -> None:
        super().__init__(connection)
        self.http = LinkedInHTTP()

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.connection.credentials['access_token']}",
            "LinkedIn-Version": conf("LINKEDIN_VERSION"),
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def _author(self) -> str:
        return f"urn:li:person:{self.connection.remote_id}"

    def _image(self, photo) -> str | None:
        """initializeUpload, then PUT the bytes to uploadUrl (images-api)."""
        found = photo_file(photo)
        if found is None:
            return None
        url = f"{conf('LINKEDIN_API_URL')}/rest/images?action=initializeUpload"
        body = {"initializeUploadRequest": {"owner": self._author()}}
        value = as_json(self.http.call("POST", url, headers=self._headers(), json_body=body))["value"]
        self.http.call(
            "PUT", value["uploadUrl"], headers=self._headers(), content=found[0], content_type=found[1]
        )
        return value["image"]

    def publish(self, post, *, text=None, key="", reply_to=None) -> PublishResult:
        body: dict = {
            "author": self._author(),
            "commentary": little(self.compose(post, text)),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        photos = self.photos(post)
        image = self._image(photos[0]) if photos else None
        if image:
            body["content"] = {"media": {"id": image, "altText": photos[0].alt}}
        elif post.name:  # an article's link card: the Posts API does not scrape URLs
            article = {"source": post.get_absolute_url(), "title": post.name, "description": post.summary}
            body["content"] = {"article": article}
        url = f"{conf('LINKEDIN_API_URL')}/rest/posts"
        response = self.http.call("POST", url, headers=self._headers(), json_body=body, sends=True)
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise RetryLater("LinkedIn accepted the post without naming it.")
        return PublishResult(url=f"https://www.linkedin.com/feed/update/{urn}/", remote_id=urn)

    def update(self, post, copy, *, text=None) -> None:
        url = f"{conf('LINKEDIN_API_URL')}/rest/posts/{quote(copy.remote_id, safe='')}"
        headers = {**self._headers(), "X-RestLi-Method": "PARTIAL_UPDATE"}
        body = {"patch": {"$set": {"commentary": little(self.compose(post, text))}}}
        self.http.call("POST", url, headers=headers, json_body=body)

    def delete(self, copy) -> None:
        url = f"{conf('LINKEDIN_API_URL')}/rest/posts/{quote(copy.remote_id, safe='')}"
        self.http.call("DELETE", url, headers=self._headers())

    def revoke(self) -> bool:
        """POST /oauth/v2/revoke (token, client_id, client_secret)."""
        form = {
            "token": self.connection.credentials.get("access_token", ""),
            "client_id": conf("LINKEDIN_CLIENT_ID"),
            "client_secret": conf("LINKEDIN_CLIENT_SECRET"),
        }
        self.http.call("POST", f"{conf('LINKEDIN_OAUTH_URL')}/revoke", form=form)
        return True
