"""Authorization codes: issued on approval, redeemed once, with PKCE S256 (IndieAuth §5.2.1, §5.3).

Only the code's SHA-256 digest is stored. A code is good for ten minutes and one redemption; a
second redemption fails and revokes every token the first one produced (R30, RFC 6749 §4.1.2).
A redemption that fails its checks (wrong code_verifier, client_id or redirect_uri) does not use
the code up.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from accounts.indieauth.client_ids import BadURL, canonical_client_id
from accounts.indieauth.errors import invalid_grant, invalid_request
from accounts.models import AuthorizationCode, User
from accounts.tokens import digest, revoke_issued_from_code

CODE_LIFETIME = datetime.timedelta(minutes=10)  # the spec's recommended maximum (§5.2.1)
# Used and expired codes are kept this long, so a late replay still revokes what the code issued.
CODE_RETENTION = datetime.timedelta(days=1)
# RFC 7636 §4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~].
CODE_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# RFC 7636 §4.2: BASE64URL(SHA256(verifier)) without padding is always 43 characters.
S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")

T = TypeVar("T")


@dataclass(frozen=True)
class Redeemed:
    """What a valid code stood for: who approved which client, with which scopes."""

    user: User
    client_id: str
    client_name: str
    scope: str
    code_digest: str


def issue(
    *, user: User, client_id: str, client_name: str, redirect_uri: str, code_challenge: str, scope: str
) -> str:
    """Store a new code's digest and return the raw code, which goes only into the redirect."""
    AuthorizationCode.objects.filter(created_at__lt=timezone.now() - CODE_RETENTION).delete()
    raw = secrets.token_urlsafe(32)
    AuthorizationCode.objects.create(
        digest=digest(raw),
        user=user,
        client_id=client_id,
        client_name=client_name,
        redirect_uri=redirect_uri,
        code_challenge=code_challenge,
        scope=scope,
    )
    return raw


def exchange(
    *, code: str, client_id: str, redirect_uri: str, code_verifier: str, then: Callable[[Redeemed], T]
) -> T:
    """Check and use up a code, then build the answer with `then` in the same transaction (R29, R30)."""
    for name, value in (
        ("code", code),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("code_verifier", code_verifier),
    ):
        if not value:
            raise invalid_request(f"The {name} parameter is missing.")
    code_digest = digest(code)
    row = AuthorizationCode.objects.select_related("user__blog").filter(digest=code_digest).first()
    if row is None:
        raise invalid_grant("The authorization code is not valid.")
    if row.used_at is None:
        _check(row, client_id=client_id, redirect_uri=redirect_uri, code_verifier=code_verifier)
        with transaction.atomic():  # a concurrent second redemption waits here, then counts as a replay
            if AuthorizationCode.objects.filter(pk=row.pk, used_at__isnull=True).update(
                used_at=timezone.now()
            ):
                return then(Redeemed(row.user, row.client_id, row.client_name, row.scope, code_digest))
    revoke_issued_from_code(code_digest)
    raise invalid_grant("The authorization code was already used; the tokens issued from it are revoked.")


def pkce_matches(code_verifier: str, code_challenge: str) -> bool:
    """RFC 7636 §4.6 with the S256 method, the only one we accept (R29)."""
    if not CODE_VERIFIER.fullmatch(code_verifier):
        return False
    computed = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode("ascii")).digest())
    return hmac.compare_digest(computed.rstrip(b"=").decode("ascii"), code_challenge)


def _check(row: AuthorizationCode, *, client_id: str, redirect_uri: str, code_verifier: str) -> None:
    """The code is fresh and was issued to this client, for this redirect, with this PKCE secret (§5.3.2)."""
    if not row.user.is_active:
        raise invalid_grant("The account that approved this code is deactivated.")
    if timezone.now() - row.created_at > CODE_LIFETIME:
        raise invalid_grant("The authorization code has expired (codes are valid for ten minutes).")
    try:
        same_client = canonical_client_id(client_id) == row.client_id
    except BadURL:
        same_client = False
    if not same_client:
        raise invalid_grant("The client_id does not match the one the code was issued to.")
    if redirect_uri != row.redirect_uri:
        raise invalid_grant("The redirect_uri does not match the one in the authorization request.")
    if not pkce_matches(code_verifier, row.code_challenge):
        raise invalid_grant("The code_verifier does not match the code_challenge.")
