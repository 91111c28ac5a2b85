"""Shared fixtures: users with blogs, clients bound to the platform or a blog host, post factories."""

from __future__ import annotations

import atexit
import io
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from PIL import Image

from accounts.services import create_account
from microhost import celery_app
from posts.services import NewPhoto, create_post

PASSWORD = "a-long-test-password-1"


def _isolate_embedded_broker() -> None:
    """Jobs enqueued by tests never land in the development queue under var/celery-broker/, where
    `make run`'s worker would run them against the development database's rows with the same ids.
    Each test process gets its own broker and result folders (removed at exit); Redis runs use the
    CI database, which CI flushes."""
    if settings.REDIS_URL:
        return
    root = Path(settings.VAR_DIR) / f"test-broker-{os.getpid()}"
    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    for key, sub in (("data_folder_in", "queue"), ("data_folder_out", "queue"),
                     ("processed_folder", "processed"), ("control_folder", "control")):  # fmt: skip
        (root / sub).mkdir(parents=True, exist_ok=True)
        options[key] = str(root / sub)
    (root / "results").mkdir(exist_ok=True)
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
    settings.CELERY_RESULT_BACKEND = f"file://{root / 'results'}"
    celery_app.conf.broker_transport_options = options
    celery_app.conf.result_backend = settings.CELERY_RESULT_BACKEND
    atexit.register(shutil.rmtree, root, ignore_errors=True)


_isolate_embedded_broker()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Each test writes uploads to its own folder; absolute URLs use plain http on the test host."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MICROHOST_SCHEME = "http"
    settings.MICROHOST_PORT = ""
    settings.MICROHOST_DOMAIN = "microhost.test"
    settings.SECURE_SSL_REDIRECT = False
    # A new response shows on a cached permalink at once, unless a test is about the grace period.
    settings.MICROHOST_RESPONSES_GRACE = 0
    cache.clear()  # rate-limit counters and cached pages must not leak between tests
    # Password hashing is deliberately slow; tests that are not about it use a fast hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db):
    def make(username: str = "alice", **kwargs):
        return create_account(
            username=username,
            email=kwargs.get("email", f"{username}@example.com"),
            password=kwargs.get("password", PASSWORD),
        )

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def platform_client(settings) -> Client:
    """A browser on the platform host."""
    return Client(HTTP_HOST=settings.MICROHOST_DOMAIN)


@pytest.fixture
def logged_in(platform_client, alice) -> Client:
    platform_client.force_login(alice)
    return platform_client


@pytest.fixture
def blog_client(settings):
    """blog_client(user) → a client whose requests go to that user's blog host."""

    def for_user(user) -> Client:
        return Client(HTTP_HOST=user.blog.host)

    return for_user


def jpeg_bytes(
    width: int = 1600, height: int = 1200, color: str = "teal", exif: bytes | None = None
) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), color)
    image.save(out, "JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


@pytest.fixture
def make_post(db):
    """make_post(user, content=..., **mf2 properties as kwargs with _ for -) → a published post."""

    def make(user, content: str = "Hello world", photos: list[NewPhoto] = (), **properties):
        props: dict[str, list] = {"content": [content]}
        for key, value in properties.items():
            props[key.replace("_", "-")] = value if isinstance(value, list) else [value]
        return create_post(blog=user.blog, properties=props, photos=photos)

    return make
