"""Bearer tokens: minting, authenticating and revoking. Raw tokens are shown once, never stored."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.utils import timezone

from accounts.models import AccessToken, Blog, User

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


def authenticate(
    raw: str, *, kinds: tuple[str, ...] = ("access", "personal"), blog: Blog | None = None
) -> AccessToken | None:
    """The active token with this value, or None. Refresh tokens never authenticate requests.

    Given the `blog` a request is for (its owner loaded with it, as request.blog is), a token of
    that blog takes the owner from it and its row is read alone, without joining the user."""
    if not raw:
        return None
    now = timezone.now()
    # The digest is unique, so the row is found by it alone and checked here: no ORDER BY (Meta
    # ordering, or first()) and no WHERE clauses to compile and plan (issue 7: this lookup was a sixth
    # of a Micropub create's CPU time).
    rows = AccessToken.objects.filter(digest=digest(raw)).order_by()
    token = next(iter((rows if blog is not None else rows.select_related("user"))[:1]), None)
    if token is not None and blog is not None and token.user_id == blog.user_id:
        token.user = blog.user
    if token is None or token.kind not in kinds or not token.user.is_active or not _live(token, now):
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def _live(token: AccessToken, now: datetime.datetime) -> bool:
    """Not revoked and not expired at `now`."""
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def revoke(token: AccessToken) -> None:
    AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def revoke_issued_from_code(code_digest: str) -> int:
    """A replayed authorization code revokes every token it produced (R30)."""
    return AccessToken.objects.filter(code_digest=code_digest, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
