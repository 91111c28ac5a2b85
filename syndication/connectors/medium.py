"""Medium: integration tokens pasted by the owner; create only (github.com/Medium/medium-api-docs,
archived 2023: no new tokens since 2025, no update or delete endpoints)."""

from __future__ import annotations

from django.utils.html import escape

from microhost.fetch import Response
from syndication.conf import conf
from syndication.connectors import text as text_rules
from syndication.connectors.base import Connector, PublishResult
from syndication.connectors.http import SiloHTTP, as_json

MAX_TITLE = 100  # characters; the title is not rendered, so it is repeated in the content
MAX_TAGS, MAX_TAG_LENGTH = 3, 25


class MediumHTTP(SiloHTTP):
    LABEL = "Medium"

    def message(self, response: Response) -> str:
        body = as_json(response)
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors and isinstance(errors[0], dict):
            return str(errors[0].get("message"))
        return super().message(response)


def check_token(token: str) -> dict:
    """GET /v1/me with the pasted token → Connection fields (raises NeedsReauth if refused)."""
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    me = as_json(MediumHTTP().call("GET", f"{conf('MEDIUM_API_URL')}/v1/me", headers=auth))["data"]
    return {
        "remote_id": me["id"],
        "account_name": f"@{me['username']}",
        "account_url": me.get("url", ""),
        "options": {},
        "credentials": {"access_token": token},
    }


class Medium(Connector):
    NAME, LABEL = "medium", "Medium"
    MAX_CHARS, MAX_MEDIA = 100_000, 0  # images stay as <img> in the HTML, side-loaded by Medium
    FULL_ARTICLES = True
    CAN_UPDATE = CAN_DELETE = False
    NOTE = (
        "Medium only lets us create copies: edits and deletes do not reach Medium (its API is archived), "
        "and it issues no new tokens, so this needs an integration token you already have."
    )

    def __init__(self, connection) -> None:
        super().__init__(connection)
        self.http = MediumHTTP()

    def compose(self, post, text=None) -> str:
        return text.strip() if text else text_rules.post_text(post)

    def count(self, text: str) -> int:
        return len(text)

    def _html(self, post, text: str | None) -> str:
        link = post.get_absolute_url()
        title = post.name or post.title_or_excerpt
        body = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n")) if text else post.content_html
        photos = "".join(f'<img src="{escape(p.url)}" alt="{escape(p.alt)}">' for p in post.photos.all())
        footer = f'<p>Originally published at <a href="{escape(link)}">{escape(link)}</a>.</p>'
        return f"<h1>{escape(title)}</h1>{body}{photos}{footer}"

    def publish(self, post, *, text=None, key="", reply_to=None) -> PublishResult:
        body = {
            "title": (post.name or post.title_or_excerpt)[:MAX_TITLE],
            "contentFormat": "html",
            "content": self._html(post, text),
            "canonicalUrl": post.get_absolute_url(),
            "tags": [c.name[:MAX_TAG_LENGTH] for c in post.categories.all()][:MAX_TAGS],
            "publishStatus": "public" if post.visibility == "public" else "unlisted",
        }
        auth = {"Authorization": f"Bearer {self.connection.credentials['access_token']}"}
        url = f"{conf('MEDIUM_API_URL')}/v1/users/{self.connection.remote_id}/posts"
        created = as_json(self.http.call("POST", url, headers=auth, json_body=body, sends=True))["data"]
        return PublishResult(url=created["url"], remote_id=str(created["id"]))
