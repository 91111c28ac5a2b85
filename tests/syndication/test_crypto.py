"""Silo credentials at rest (R34, R35): ciphertext in the database, own key, rotation, prod check."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from syndication import crypto
from syndication.models import Connection
from tests.syndication.conftest import KEY

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stored(alice) -> Connection:
    connection = Connection(
        user=alice, silo="mastodon", account_name="@a", remote_id="1", server="https://m.example"
    )
    connection.set_credentials({"access_token": "very-secret-token"}, save=False)
    connection.save()
    return connection


def test_raw_sql_shows_only_ciphertext(stored) -> None:
    """R34: reading the column with raw SQL returns Fernet ciphertext, never the token."""
    with db.cursor() as cursor:
        cursor.execute("SELECT secret FROM syndication_connection WHERE id = %s", [stored.pk])
        raw = cursor.fetchone()[0]
    assert "very-secret-token" not in raw and raw.startswith("gAAAA")
    assert Connection.objects.get(pk=stored.pk).credentials == {"access_token": "very-secret-token"}


def test_key_is_its_own_not_secret_key(stored, settings) -> None:
    """R34: the ciphertext opens with MICROHOST_ENCRYPTION_KEY and not with anything else."""
    assert Fernet(KEY.encode()).decrypt(stored.secret.encode())
    settings.MICROHOST_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.CredentialsUnreadable):
        Connection.objects.get(pk=stored.pk).credentials  # noqa: B018


def test_rotation_keeps_old_rows_readable_and_command_rewrites_them(stored, settings) -> None:
    """R35: with a new key first, old rows still decrypt; reencrypt_credentials moves them to the new key."""
    new = Fernet.generate_key().decode()
    settings.MICROHOST_ENCRYPTION_KEY = [new, KEY]
    assert Connection.objects.get(pk=stored.pk).credentials["access_token"] == "very-secret-token"
    out = StringIO()
    call_command("reencrypt_credentials", stdout=out)
    assert "Re-encrypted 1" in out.getvalue()
    settings.MICROHOST_ENCRYPTION_KEY = [new]
    assert Connection.objects.get(pk=stored.pk).credentials["access_token"] == "very-secret-token"


def test_production_refuses_to_start_without_the_key(tmp_path) -> None:
    """R35: with MICROHOST_PRODUCTION and no MICROHOST_ENCRYPTION_KEY, settings fail to load."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "MICROHOST_"))
    }
    env.update(
        SECRET_KEY="p" * 60,
        MICROHOST_PRODUCTION="1",
        MICROHOST_VAR_DIR=str(tmp_path),
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="microhost.settings",
    )
    code = "import django; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "MICROHOST_ENCRYPTION_KEY" in result.stderr
    env["MICROHOST_ENCRYPTION_KEY"] = KEY
    ok = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert ok.returncode == 0, ok.stderr
