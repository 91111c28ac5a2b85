"""Periodic jobs: re-verification of serving custom domains (R26; gitlab-ce#29497), and forgetting
credentials nobody can use any more (accounts/credential_purge.py)."""

from __future__ import annotations

from celery import shared_task

from accounts.credential_purge import purge_dead_credentials
from accounts.domains import recheck_domain
from accounts.models import Domain


@shared_task(name="accounts.recheck_domains")
def recheck_domains() -> int:
    """Beat sweep: queue a re-check for every verified domain; returns how many were queued."""
    ids = list(Domain.objects.filter(verified_at__isnull=False).values_list("id", flat=True))
    for domain_id in ids:
        recheck_domain_task.delay(domain_id)
    return len(ids)


@shared_task(name="accounts.recheck_domain")
def recheck_domain_task(domain_id: int) -> None:
    """Re-prove one domain; a domain removed since the sweep is skipped."""
    domain = Domain.objects.select_related("blog").filter(pk=domain_id).first()
    if domain is not None and domain.verified_at is not None:
        recheck_domain(domain=domain)


@shared_task(name="accounts.purge_dead_credentials")
def purge_dead_credentials_task() -> dict[str, int]:
    """Beat, daily: delete tokens and authorization codes long past any use."""
    return purge_dead_credentials()
