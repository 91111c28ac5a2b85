"""Settings → App tokens: the apps a user let in, and personal tokens for apps that take a pasted one."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from accounts.indieauth.grants import active, revoke_family
from accounts.indieauth.scopes import known
from accounts.models import AccessToken, User
from accounts.tokens import mint_token

PERSONAL_CLIENT_NAME_MAX = 100


@dataclass(frozen=True)
class AppAccess:
    """One row of the page: an approval (its access and refresh tokens) or one personal token."""

    token_id: int  # the row a revoke button names; revoking it ends the whole approval
    client_name: str
    client_id: str
    scope: str
    personal: bool
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    expires_at: datetime.datetime | None


def apps_with_access(user: User) -> list[AppAccess]:
    """Active tokens grouped by approval, newest first; raw values are never stored, so never shown."""
    groups: dict[str, list[AccessToken]] = {}
    for token in active(AccessToken.objects.filter(user=user)).order_by("-created_at"):
        groups.setdefault(token.code_digest or f"token-{token.pk}", []).append(token)
    return [_row(tokens) for tokens in groups.values()]


def create_personal_token(*, user: User, name: str, scopes: list[str]) -> str:
    """A token that never expires until revoked, for apps that ask to paste one; returns the raw value."""
    raw, _ = mint_token(
        user=user,
        scope=" ".join(known(scopes)),
        client_name=name.strip()[:PERSONAL_CLIENT_NAME_MAX],
        kind=AccessToken.Kind.PERSONAL,
    )
    return raw


def revoke_for_user(*, user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens with its approval; False if no such token is theirs."""
    token = AccessToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        return False
    revoke_family(token)
    return True


def _row(tokens: list[AccessToken]) -> AppAccess:
    """Describe an approval by its newest token: the access token's scope if there is one."""
    shown = next((t for t in tokens if t.kind != AccessToken.Kind.REFRESH), tokens[0])
    used = [t.last_used_at for t in tokens if t.last_used_at]
    expiries = [t.expires_at for t in tokens]
    return AppAccess(
        token_id=shown.pk,
        client_name=shown.client_name,
        client_id=shown.client_id,
        scope=shown.scope,
        personal=shown.kind == AccessToken.Kind.PERSONAL,
        created_at=min(t.created_at for t in tokens),
        last_used_at=max(used) if used else None,
        expires_at=None if None in expiries else max(expiries),
    )
