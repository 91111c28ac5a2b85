"""Tumblr: OAuth 2 with offline_access, NPF posts (www.tumblr.com/docs/en/api/v2, www.tumblr.com/docs/npf)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.utils import timezone

from accounts.urls_util import platform_url
from microhost.fetch import Response
from syndication.conf import conf
from syndication.connectors import text as text_rules
from syndication.connectors.base import Connector, NeedsReauth, PermanentFailure, PublishResult, RetryLater
from syndication.connectors.http import SiloHTTP, as_json, multipart, photo_file

SCOPES = "basic write offline_access"
CALLBACK_PATH = "/settings/connections/tumblr/callback/"
REFRESH_MARGIN = timedelta(minutes=15)  # refresh this long before expiry (R36); the sweep runs each minute
MAX_TEXT_BLOCK = 4096  # code points per NPF text block
DAILY_CAP_CODES = {8004, 8023}  # 403: daily media/post cap, retry tomorrow


class TumblrHTTP(SiloHTTP):
    LABEL = "Tumblr"

    def message(self, response: Response) -> str:
        body = as_json(response) or {}
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors and isinstance(errors, list) and isinstance(errors[0], dict):
            return str(errors[0].get("detail") or errors[0].get("title") or errors[0])
        meta = body.get("meta") if isinstance(body, dict) else None
        return str(meta.get("msg")) if isinstance(meta, dict) else super().message(response)

    def retry_at(self, response: Response) -> datetime | None:
        """X-Ratelimit-Perhour-Reset / -Perday-Reset: seconds until the budget resets."""
        for name in ("X-Ratelimit-Perhour-Reset", "X-Ratelimit-Perday-Reset"):
            if response.headers.get(name, "").isdigit():
                return timezone.now() + timedelta(seconds=int(response.headers[name]))
        return super().retry_at(response)

    def refine(self, response: Response, *, sends: bool) -> None:
        body = as_json(response) or {}
        codes = (
            {e.get("code") for e in body.get("errors") or [] if isinstance(e, dict)}
            if isinstance(body, dict)
            else set()
        )
        if response.status_code == 403 and codes & DAILY_CAP_CODES:
            raise RetryLater(f"Tumblr: {self.message(response)}", after=timezone.now() + timedelta(hours=24))


def authorize_url(*, state: str) -> str:
    query = {
        "client_id": conf("TUMBLR_CLIENT_ID"),
        "response_type": "code",
        "scope": SCOPES,
        "state": state,
        "redirect_uri": platform_url(CALLBACK_PATH),
    }
    return f"{conf('TUMBLR_AUTHORIZE_URL')}?{urlencode(query)}"


def _token(form: dict) -> dict:
    """POST /v2/oauth2/token → credentials; every refresh brings a new refresh token too."""
    form = {**form, "client_id": conf("TUMBLR_CLIENT_ID"), "client_secret": conf("TUMBLR_CLIENT_SECRET")}
    body = as_json(TumblrHTTP().call("POST", f"{conf('TUMBLR_API_URL')}/v2/oauth2/token", form=form))
    expires = timezone.now() + timedelta(seconds=int(body.get("expires_in") or 2520))
    return {
        "access_token": body["access_token"],
        "refresh_token": body.get("refresh_token", ""),
        "expires": expires,
    }


def finish_connect(*, code: str) -> dict:
    """Exchange the code, list the user's blogs; the primary blog receives copies until changed."""
    token = _token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": platform_url(CALLBACK_PATH)}
    )
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    user = as_json(TumblrHTTP().call("GET", f"{conf('TUMBLR_API_URL')}/v2/user/info", headers=auth))[
        "response"
    ]["user"]
    blogs = [
        {"name": b["name"], "url": b.get("url", ""), "uuid": b.get("uuid", b["name"])} for b in user["blogs"]
    ]
    primary = next((b for b in user["blogs"] if b.get("primary")), user["blogs"][0])
    return {
        "remote_id": user["name"],
        "account_name": primary["name"],
        "account_url": primary.get("url", ""),
        "options": {"blogs": blogs, "blog": primary["name"]},
        "expires_at": token["expires"],
        "credentials": {"access_token": token["access_token"], "refresh_token": token["refresh_token"]},
    }


class Tumblr(Connector):
    NAME, LABEL = "tumblr", "Tumblr"
    MAX_CHARS, MAX_MEDIA = MAX_TEXT_BLOCK, 10
    FULL_ARTICLES = True
    NOTE = "Posts go over whole with a link back; edits and deletes reach the copy."

    def __init__(self, connection) -> None:
        super().__init__(connection)
        self.http = TumblrHTTP()

    def refresh_if_expiring(self) -> None:
        """Refresh before expiry (R36); a refused refresh flags the connection, never loops."""
        expires = self.connection.expires_at
        if expires and expires - timezone.now() > REFRESH_MARGIN:
            return
        refresh = self.connection.credentials.get("refresh_token")
        if not refresh:
            raise NeedsReauth("Tumblr: the session expired; reconnect.")
        try:
            token = _token({"grant_type": "refresh_token", "refresh_token": refresh})
        except PermanentFailure as exc:  # 400 invalid_grant: the refresh token is dead
            raise NeedsReauth(f"Tumblr refused to renew access: {exc}") from exc
        self.connection.expires_at = token["expires"]
        self.connection.set_credentials(
            {"access_token": token["access_token"], "refresh_token": token["refresh_token"]}
        )

    def _auth(self) -> dict[str, str]:
        self.refresh_if_expiring()
        return {"Authorization": f"Bearer {self.connection.credentials['access_token']}"}

    def _blog(self) -> str:
        return self.connection.options.get("blog") or self.connection.account_name

    def _text_blocks(self, post, text: str | None) -> list[dict]:
        """Heading, paragraphs and a link home, as NPF text blocks (formatting offsets in code points)."""
        link = post.get_absolute_url()
        blocks: list[dict] = [{"type": "text", "subtype": "heading1", "text": post.name}] if post.name else []
        body = text.strip() if text else text_rules.post_text(post)
        blocks += [{"type": "text", "text": p[:MAX_TEXT_BLOCK]} for p in body.split("\n\n") if p.strip()]
        note = "Originally published at "
        formatting = [{"start": len(note), "end": len(note) + len(link), "type": "link", "url": link}]
        return [*blocks, {"type": "text", "text": note + link, "formatting": formatting}]

    def _content(self, post, text: str | None) -> tuple[list[dict], list[tuple]]:
        """The text blocks with image blocks before the link home, and the image files to send."""
        blocks = self._text_blocks(post, text)
        images, files = [], []
        for index, photo in enumerate(self.photos(post)):
            found = photo_file(photo)
            if found:
                ident = f"img{index}"
                media = {"type": found[1], "identifier": ident, "width": photo.width, "height": photo.height}
                images.append({"type": "image", "media": [media], "alt_text": photo.alt})
                files.append((ident, found[2], found[1], found[0]))
        return [*blocks[:-1], *images, blocks[-1]], files

    def _send(self, method: str, url: str, post, text, *, sends: bool):
        blocks, files = self._content(post, text)
        body = {"content": blocks, "state": "published", "source_url": post.get_absolute_url()}
        tags = ",".join(category.name for category in post.categories.all())
        if tags:
            body["tags"] = tags
        if not files:
            return self.http.call(method, url, headers=self._auth(), json_body=body, sends=sends)
        data, content_type = multipart({"json": json.dumps(body)}, files)
        return self.http.call(
            method, url, headers=self._auth(), content=data, content_type=content_type, sends=sends
        )

    def compose(self, post, text=None) -> str:
        return "\n\n".join(block["text"] for block in self._text_blocks(post, text))

    def count(self, text: str) -> int:
        return len(text)  # code points

    def limit(self) -> int:
        return MAX_TEXT_BLOCK * 30

    def publish(self, post, *, text=None, key="", reply_to=None) -> PublishResult:
        url = f"{conf('TUMBLR_API_URL')}/v2/blog/{self._blog()}/posts"
        created = as_json(self._send("POST", url, post, text, sends=True))
        post_id = str(created["response"]["id"])
        return PublishResult(
            url=f"https://{self._blog()}.tumblr.com/post/{post_id}",
            remote_id=post_id,
            extra={"blog": self._blog()},
        )

    def update(self, post, copy, *, text=None) -> None:
        blog = copy.extra.get("blog", self._blog())
        self._send(
            "PUT", f"{conf('TUMBLR_API_URL')}/v2/blog/{blog}/posts/{copy.remote_id}", post, text, sends=False
        )

    def delete(self, copy) -> None:
        blog = copy.extra.get("blog", self._blog())
        url = f"{conf('TUMBLR_API_URL')}/v2/blog/{blog}/post/delete"
        self.http.call("POST", url, headers=self._auth(), form={"id": copy.remote_id})
