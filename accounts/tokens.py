"""Bearer tokens: minting, authenticating and revoking. Raw tokens are shown once, never stored."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db.models import Q
from django.utils import timezone

from accounts.models import AccessToken, User

# Seconds between last_used_at writes for one token, so every request does not cost an UPDATE.
LAST_USED_RESOLUTION = 60


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def mint_token(
    *,
    user: User,
    scope: str,
    client_id: str = "",
    client_name: str = "",
    kind: str = AccessToken.Kind.PERSONAL,
    expires_in: datetime.timedelta | None = None,
    code_digest: str = "",
) -> tuple[str, AccessToken]:
    """Create a token and return (raw value to hand out once, stored row)."""
    raw = secrets.token_urlsafe(32)
    row = AccessToken.objects.create(
        digest=digest(raw),
        kind=kind,
        user=user,
        blog=user.blog,
        client_id=client_id,
        client_name=client_name,
        scope=" ".join(dict.fromkeys(scope.split())),
        expires_at=timezone.now() + expires_in if expires_in else None,
        code_digest=code_digest,
    )
    return raw, row


def authenticate(raw: str, *, kinds: tuple[str, ...] = ("access", "personal")) -> AccessToken | None:
    """The active token with this value, or None. Refresh tokens never authenticate requests."""
    if not raw:
        return None
    now = timezone.now()
    # The digest is unique: no ORDER BY (first() would add one), and only the user joined, since
    # every caller reads token.user but only introspection reads token.blog (issue 7: this lookup
    # was a third of a Micropub create's Python time, mostly compiling a four-table select).
    found = (
        AccessToken.objects.select_related("user")
        .filter(digest=digest(raw), kind__in=kinds, revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))[:1]
    )
    token = next(iter(found), None)
    if token is not None and (
        token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION
    ):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke(token: AccessToken) -> None:
    AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def revoke_issued_from_code(code_digest: str) -> int:
    """A replayed authorization code revokes every token it produced (R30)."""
    return AccessToken.objects.filter(code_digest=code_digest, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
