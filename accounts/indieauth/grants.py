"""Access and refresh tokens issued by the token endpoint, and what we say about them.

Lifetimes: an access token lasts ACCESS_TOKEN_LIFETIME, a refresh token REFRESH_TOKEN_LIFETIME
from its issue; each refresh rotates the refresh token, so a client in use stays signed in and one
unused for that long must ask again (IndieAuth §5.5). Every token of one approval (its code, and
all refreshes after it) carries the code's digest: that family is what a replayed code, a revocation
or Settings → App tokens ends together.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.indieauth.client_ids import BadURL, canonical_client_id
from accounts.indieauth.codes import Redeemed
from accounts.indieauth.errors import OAuthError, invalid_grant, invalid_request
from accounts.indieauth.metadata import profile_url
from accounts.indieauth.scopes import split_scope
from accounts.models import AccessToken, User
from accounts.tokens import digest, mint_token, revoke

ACCESS_TOKEN_LIFETIME = datetime.timedelta(days=14)
REFRESH_TOKEN_LIFETIME = datetime.timedelta(days=90)


def profile(user: User, scopes: set[str] | list[str]) -> dict | None:
    """The `profile` object of §5.3.4: name, url, photo with `profile`; email only with `email` too."""
    if "profile" not in scopes:
        return None
    blog = user.blog
    info = {"name": user.name, "url": profile_url(blog)}
    if user.avatar:
        info["photo"] = user.avatar_url
    if "email" in scopes and user.email:
        info["email"] = user.email
    return info


def profile_response(redeemed: Redeemed) -> dict:
    """The authorization endpoint's answer to a code: who signed in, never a token (§5.3.2)."""
    body: dict = {"me": profile_url(redeemed.user.blog)}
    info = profile(redeemed.user, split_scope(redeemed.scope))
    if info:
        body["profile"] = info
    return body


def token_response(redeemed: Redeemed) -> dict:
    """The token endpoint's answer to a code: an access and a refresh token (§5.3.3)."""
    if not redeemed.scope:
        # §5.3.3: a code issued without scope MUST NOT yield an access token; it is still good
        # (unused: this runs inside the redemption's transaction) at the authorization endpoint.
        raise invalid_grant(
            "This code was issued without any scope: redeem it at the authorization endpoint."
        )
    return _issue_pair(
        user=redeemed.user,
        client_id=redeemed.client_id,
        client_name=redeemed.client_name,
        scope=redeemed.scope,
        refresh_scope=redeemed.scope,
        code_digest=redeemed.code_digest,
    )


def refresh(*, refresh_token: str, client_id: str, scope: str) -> dict:
    """grant_type=refresh_token (§5.5.1): same or fewer scopes; the refresh token is rotated."""
    if not refresh_token or not client_id:
        raise invalid_request("The refresh_token and client_id parameters are required.")
    old = AccessToken.objects.select_related("user__blog").filter(digest=digest(refresh_token)).first()
    if old is None or old.kind != AccessToken.Kind.REFRESH:
        raise invalid_grant("The refresh token is not valid.")
    if old.revoked_at is not None:  # a rotated-out token came back: someone else holds the family
        revoke_family(old)
        raise invalid_grant("The refresh token was already used or revoked.")
    wanted = _narrowed_scope(old, scope)
    if not old.is_active or not old.user.is_active or _canonical(client_id) != old.client_id:
        raise invalid_grant("The refresh token has expired or was issued to another client.")
    with transaction.atomic():
        if not AccessToken.objects.filter(pk=old.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        ):
            raise invalid_grant("The refresh token was already used.")
        return _issue_pair(
            user=old.user,
            client_id=old.client_id,
            client_name=old.client_name,
            scope=wanted,
            refresh_scope=old.scope,
            code_digest=old.code_digest,
        )


def revoke_family(token: AccessToken) -> None:
    """End a token and, for tokens from an approval, every token of that approval (RFC 7009 §2.1)."""
    if token.code_digest:
        AccessToken.objects.filter(
            user_id=token.user_id, code_digest=token.code_digest, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    revoke(token)


def find_any(raw: str) -> AccessToken | None:
    """The stored token with this value, of any kind and state (for revocation)."""
    return AccessToken.objects.filter(digest=digest(raw)).first() if raw else None


def verification(token: AccessToken) -> dict:
    """The legacy token endpoint GET answer (IndieAuth 2020 §6.3)."""
    return {"me": profile_url(token.blog), "client_id": token.client_id, "scope": token.scope}


def introspection(token: AccessToken | None, caller: AccessToken) -> dict:
    """RFC 7662 plus `me` (IndieAuth §6.2); another user's token is simply inactive to this caller."""
    if token is None or token.user_id != caller.user_id or not token.user.is_active:
        return {"active": False}
    body = {"active": True, **verification(token), "iat": int(token.created_at.timestamp())}
    if token.expires_at:
        body["exp"] = int(token.expires_at.timestamp())
    return body


def active(queryset=None):
    """Tokens neither revoked nor expired."""
    now = timezone.now()
    queryset = AccessToken.objects.all() if queryset is None else queryset
    return queryset.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def _issue_pair(
    *, user: User, client_id: str, client_name: str, scope: str, refresh_scope: str, code_digest: str
) -> dict:
    """Mint an access token and a refresh token of one family and describe them (§5.3.3)."""
    common = {"user": user, "client_id": client_id, "client_name": client_name, "code_digest": code_digest}
    access, _ = mint_token(
        scope=scope, kind=AccessToken.Kind.ACCESS, expires_in=ACCESS_TOKEN_LIFETIME, **common
    )
    refresh_raw, _ = mint_token(
        scope=refresh_scope, kind=AccessToken.Kind.REFRESH, expires_in=REFRESH_TOKEN_LIFETIME, **common
    )
    body = {
        "access_token": access,
        "token_type": "Bearer",
        "scope": scope,
        "me": profile_url(user.blog),
        "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
        "refresh_token": refresh_raw,
    }
    info = profile(user, split_scope(scope))
    if info:
        body["profile"] = info
    return body


def _narrowed_scope(old: AccessToken, scope: str) -> str:
    """The requested scope if it is within the refresh token's; omitted means all of it (§5.5.1)."""
    wanted = split_scope(scope) or split_scope(old.scope)
    if not set(wanted) <= old.scopes:
        raise OAuthError("invalid_scope", "A refresh can keep or narrow the scope, never widen it.")
    return " ".join(wanted)


def _canonical(client_id: str) -> str:
    try:
        return canonical_client_id(client_id)
    except BadURL:
        return ""
