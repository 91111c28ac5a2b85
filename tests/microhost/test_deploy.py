"""Production settings pass Django's deployment checklist (R40) and hide tracebacks (R41)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def prod_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY="p" * 20 + "-prod-secret-key-for-the-deploy-check-0123456789",
        MICROHOST_DOMAIN="example.org",
        MICROHOST_SCHEME="https",
        MICROHOST_PRODUCTION="1",
        MICROHOST_ENCRYPTION_KEY="mFcWv5rx0Gr8VvO6dBf3nS0m4o1qG2cRk7yYbq5Jz3o=",
        MICROHOST_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="microhost.settings",
    )
    return env


def test_check_deploy_passes_with_production_settings(tmp_path):
    """`manage.py check --deploy --fail-level WARNING` exits 0 with production settings."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=prod_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_cookies_are_host_only_and_prefixed(tmp_path):
    """In production, session and CSRF cookies are __Host- prefixed, Secure, with no Domain (R24)."""
    code = (
        "from django.conf import settings as s; import django; django.setup(); "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_DOMAIN, s.CSRF_COOKIE_DOMAIN, s.CSRF_TRUSTED_ORIGINS, s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=prod_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "None",
        "None",
        "[]",
        "False",
    ], result.stderr


def test_short_secret_key_refused_in_production(tmp_path):
    """A production start with a short SECRET_KEY fails loudly."""
    env = prod_env(tmp_path) | {"SECRET_KEY": "short"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
