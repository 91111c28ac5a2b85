"""Forgetting credentials nobody can use any more: tokens long dead and authorization codes long spent.

Until now every token and code ever issued stayed in its table: a client refreshing every hour adds
two rows an hour (an access and a refresh token), forever. A daily beat job deletes:

- access and personal tokens that stopped working (revoked, or expired) more than DEAD_KEEP ago:
  they authenticate nothing, and Settings → App tokens lists only live ones;
- refresh tokens the same, but only once their approval has no live token left, or their own
  lifetime ended DEAD_KEEP ago. A rotated-out refresh token is what detects a stolen copy: when it
  comes back, the whole approval is revoked (grants.refresh). It is kept while that can still matter,
  which is while the approval lives, and a copy past its own expiry could not be used anyway;
- authorization codes older than CODE_KEEP whose approval has no live token: a replayed code revokes
  the tokens issued from it (R30), so a code is kept as long as those tokens live.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import AccessToken, AuthorizationCode

DEAD_KEEP = datetime.timedelta(days=30)
CODE_KEEP = datetime.timedelta(days=1)


def _live(now: datetime.datetime):
    return AccessToken.objects.filter(revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def purge_dead_credentials(now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete what the module's docstring lists; returns how many tokens and codes went."""
    now = now or timezone.now()
    cutoff = now - DEAD_KEEP
    dead_long = Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff)
    within_lifetime = Q(expires_at__isnull=True) | Q(expires_at__gte=cutoff)
    approval_alive = Exists(
        _live(now)
        .filter(user_id=OuterRef("user_id"), code_digest=OuterRef("code_digest"))
        .exclude(code_digest="")
    )
    with transaction.atomic():
        tokens, _ = (
            AccessToken.objects.filter(dead_long)
            .exclude(Q(kind=AccessToken.Kind.REFRESH) & within_lifetime & approval_alive)
            .delete()
        )
        codes, _ = (
            AuthorizationCode.objects.filter(created_at__lt=now - CODE_KEEP)
            .exclude(Exists(_live(now).filter(code_digest=OuterRef("digest"))))
            .delete()
        )
    return {"tokens": tokens, "codes": codes}
