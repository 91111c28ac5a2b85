"""Silo credentials at rest: Fernet with the key(s) in MICROHOST_ENCRYPTION_KEY, never SECRET_KEY (R34).

Several comma-separated keys rotate: MultiFernet encrypts with the first and decrypts with any
(cryptography.io/en/latest/fernet/#cryptography.fernet.MultiFernet); `manage.py reencrypt_credentials`
rewrites old rows under the newest key. Without a key outside production, one is generated once
into var/encryption_key (production refuses to start without one: microhost/settings.py).
"""

from __future__ import annotations

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsUnreadable(Exception):
    """The stored ciphertext matches none of the configured keys (a key was dropped too early)."""


def _dev_key() -> str:
    """A key of this checkout's own under var/, so `make run` works with nothing set."""
    path = settings.VAR_DIR / "encryption_key"
    if not path.exists():
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


@lru_cache(maxsize=4)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def keyring() -> MultiFernet:
    """The configured keys, newest first."""
    keys = tuple(settings.MICROHOST_ENCRYPTION_KEY) or (_dev_key(),)
    return _multi(keys)


def encrypt(data: dict) -> str:
    """Ciphertext of a JSON-able dict; what the database column holds."""
    return keyring().encrypt(json.dumps(data, sort_keys=True).encode()).decode() if data else ""


def decrypt(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(keyring().decrypt(token.encode()))
    except InvalidToken as exc:
        raise CredentialsUnreadable(
            "No configured MICROHOST_ENCRYPTION_KEY opens these credentials."
        ) from exc


def rotate(token: str) -> str:
    """The same secret under the newest key (MultiFernet.rotate keeps the original timestamp)."""
    return keyring().rotate(token.encode()).decode() if token else ""
