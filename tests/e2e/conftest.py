"""Browser fixtures: Playwright driving Debian's Chromium against the live test server.

The browser resolves the test platform domain and every blog subdomain to the live server with
--host-resolver-rules, so host routing is exercised exactly as in production.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
# Playwright's sync API runs an event loop in this thread; Django's ORM calls from fixtures are still
# synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def site(live_server, settings):
    """Point absolute URLs at the live server's port."""
    port = urlsplit(live_server.url).port
    settings.MICROHOST_PORT = str(port)
    return f"http://{settings.MICROHOST_DOMAIN}:{port}"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: apt-get install chromium chromium-driver"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP microhost.test 127.0.0.1, MAP *.microhost.test 127.0.0.1",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def shoot():
    """shoot(page, name): save a full-page screenshot under tests/e2e/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
