"""Fixtures for syndication: the five fake silo servers on loopback, settings pointing at them, and
one connected account per silo (made by the connectors' own connect functions)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from syndication.connectors import bluesky, medium
from syndication.models import Connection
from syndication.services.connections import save_connection
from tests.syndication.fakes.base import FakeSilo
from tests.syndication.fakes.bluesky import FakeBluesky
from tests.syndication.fakes.linkedin import FakeLinkedIn
from tests.syndication.fakes.mastodon import FakeMastodon
from tests.syndication.fakes.medium import FakeMedium
from tests.syndication.fakes.tumblr import FakeTumblr

KEY = "mFcWv5rx0Gr8VvO6dBf3nS0m4o1qG2cRk7yYbq5Jz3o="


@pytest.fixture(autouse=True)
def syndication_settings(settings):
    """Loopback allowed (fake silos), a test encryption key, copies sent at once, short calls."""
    settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = True
    settings.MICROHOST_ENCRYPTION_KEY = [KEY]
    settings.MICROHOST_SYNDICATION_DELAY_SECONDS = 0
    settings.SYNDICATION_CALL_TIMEOUT_SECONDS = 2
    settings.SYNDICATION_TUMBLR_CLIENT_ID = "tumblr-client"
    settings.SYNDICATION_TUMBLR_CLIENT_SECRET = "tumblr-secret"
    settings.SYNDICATION_LINKEDIN_CLIENT_ID = "li-client"
    settings.SYNDICATION_LINKEDIN_CLIENT_SECRET = "li-secret"
    return settings


@pytest.fixture
def fakes(settings) -> Iterator[dict[str, FakeSilo]]:
    """All five fake silos, started, with settings pointing the fixed-URL silos at them."""
    started = {
        "mastodon": FakeMastodon().start(),
        "tumblr": FakeTumblr().start(),
        "medium": FakeMedium().start(),
        "linkedin": FakeLinkedIn().start(),
        "bluesky": FakeBluesky().start(),
    }
    settings.SYNDICATION_TUMBLR_AUTHORIZE_URL = f"{started['tumblr'].url}/oauth2/authorize"
    settings.SYNDICATION_TUMBLR_API_URL = started["tumblr"].url
    settings.SYNDICATION_MEDIUM_API_URL = started["medium"].url
    settings.SYNDICATION_LINKEDIN_OAUTH_URL = f"{started['linkedin'].url}/oauth/v2"
    settings.SYNDICATION_LINKEDIN_API_URL = started["linkedin"].url
    settings.SYNDICATION_BLUESKY_SERVICE_URL = started["bluesky"].url
    yield started
    for fake in started.values():
        fake.stop()


def _mastodon(fake: FakeMastodon) -> dict:
    return {
        "server": fake.url,
        "remote_id": "7",
        "account_name": "@alice@127.0.0.1",
        "account_url": f"{fake.url}/@alice",
        "options": {"max_characters": 500, "url_weight": 23, "max_media": 4},
        "credentials": {"access_token": "masto-token"},
    }


def _tumblr(fake: FakeTumblr) -> dict:
    status, body, _ = fake.issue()
    return {
        "remote_id": "alice",
        "account_name": "alicewrites",
        "options": {"blog": "alicewrites"},
        "expires_at": None,
        "credentials": {"access_token": body["access_token"], "refresh_token": body["refresh_token"]},
    }


def _linkedin(fake: FakeLinkedIn) -> dict:
    fake.tokens.add("li-token")
    return {
        "remote_id": "782bbtaQ",
        "account_name": "Alice Example",
        "credentials": {"access_token": "li-token"},
    }


CONNECT: dict[str, Callable[[Any], dict]] = {
    "mastodon": _mastodon,
    "tumblr": _tumblr,
    "medium": lambda fake: medium.check_token("medium-token"),
    "linkedin": _linkedin,
    "bluesky": lambda fake: bluesky.connect(handle="alice.bsky.social", app_password=fake.password),
}


@pytest.fixture
def connect(fakes) -> Callable[..., Connection]:
    """connect(user, silo) → a saved Connection to that fake silo."""

    def make(user, silo: str, **fields) -> Connection:
        connection = save_connection(user=user, silo=silo, found=CONNECT[silo](fakes[silo]))
        for name, value in fields.items():
            setattr(connection, name, value)
        connection.save()
        return connection

    return make


@dataclass
class Remote:
    """How a contract test reads the fake silo's state for one connector."""

    fake: FakeSilo
    create_path: str
    store: str = "posts"

    def copies(self) -> dict:
        return getattr(self.fake, self.store)


REMOTES = {
    "mastodon": lambda f: Remote(f, r"/api/v1/statuses$", "statuses"),
    "tumblr": lambda f: Remote(f, r"/v2/blog/[\w-]+/posts$"),
    "medium": lambda f: Remote(f, r"/v1/users/\w+/posts$"),
    "linkedin": lambda f: Remote(f, r"/rest/posts$"),
    "bluesky": lambda f: Remote(f, r"createRecord$", "records"),
}


@dataclass
class Sent:
    """A message this process published: task name, args and countdown."""

    task: str
    args: list
    countdown: float | None


@pytest.fixture(autouse=True)
def broker(monkeypatch) -> Iterator[list[Sent]]:
    """Messages go to kombu's in-memory transport (never var/ or the shared Redis), and are listed."""
    from celery.signals import before_task_publish

    from microhost.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "memory://")
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    sent: list[Sent] = []

    def record(sender=None, body=None, headers=None, **kwargs) -> None:
        eta = (headers or {}).get("eta")
        countdown = None
        if eta:
            from datetime import datetime

            countdown = (datetime.fromisoformat(eta) - timezone.now()).total_seconds()
        if str(sender).startswith("syndication."):  # other apps enqueue too (webmention on every post)
            sent.append(Sent(sender, list(body[0]), countdown))

    before_task_publish.connect(record, weak=False)
    yield sent
    before_task_publish.disconnect(record)


def drain(sent: list[Sent], *, steps: int = 2000, until: Callable[[], bool] | None = None) -> int:
    """Run the published lane messages that are due now, in order, as one worker would; messages
    with a countdown stay in `sent` (a test moves time by editing rows). Returns how many ran."""
    from syndication.tasks import run_lane

    ran = 0
    while ran < steps and not (until and until()):
        runnable = [m for m in sent if m.task == "syndication.run_lane" and (m.countdown or 0) <= 1]
        if not runnable:
            break
        sent.remove(runnable[0])
        run_lane(*runnable[0].args)
        ran += 1
    return ran
