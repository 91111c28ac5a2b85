"""Custom domains: claim a name, prove control (DNS TXT or a well-known file), serve it, remove it.

Blog.custom_domain is what HostRoutingMiddleware serves; a Domain row is a claim with its token. A
name may be claimed by several blogs but verified (copied to Blog.custom_domain) by one only.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.dns_check import DnsLookupError, txt_values
from accounts.models import Blog, Domain
from accounts.selectors import host_is_served
from accounts.urls_util import subdomain_host
from microhost.fetch import FetchError, fetch

# Where the HTTP proof lives on the claimed domain (plain http: the domain has no certificate yet).
WELL_KNOWN_PATH = "/.well-known/microhost-verify"
# TXT names we accept: the one the settings page shows, and the one security doc R26 names.
TXT_PREFIXES = ("_microhost", "_microhost-challenge")
# Limits for the HTTP proof: the page waits on it, and the file holds a token, not a site.
HTTP_CHECK_TIMEOUT = 10.0
HTTP_CHECK_MAX_BYTES = 16 * 1024
# A serving domain whose proof keeps failing is dropped once its last success is older than this.
RECHECK_GRACE = datetime.timedelta(days=3)
LAST_ERROR_MAX = 300  # Domain.last_error max_length

LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
INVALID_NAME = "That is not a valid host name. Enter a domain you own, like blog.example.com."
NOT_JUST_A_HOST = "Enter just the host name, like blog.example.com, without http://, a port or a path."
IN_USE = "That domain is already in use."
ALREADY_LISTED = "That domain is already on your list."


@dataclass(frozen=True)
class Proof:
    """The outcome of one control check; `reason` says what to fix when it failed."""

    ok: bool
    reason: str = ""


def normalise_domain_name(raw: str) -> str:
    """Lower-case punycode without the trailing dot, or a ValidationError saying what is expected."""
    text = raw.strip().rstrip(".")
    if any(mark in text for mark in ("/", ":", "@", "?", "#")):
        raise ValidationError(NOT_JUST_A_HOST)
    try:
        name = text.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValidationError(INVALID_NAME) from exc
    labels = name.split(".")
    valid = len(name) <= 253 and len(labels) >= 2 and all(LABEL.match(label) for label in labels)
    if not valid or labels[-1].isdigit():  # a numeric last label is an IP address, not a domain
        raise ValidationError(INVALID_NAME)
    return name


def unicode_name(name: str) -> str:
    """The readable form of a punycoded name (xn--bcher-kva.example → bücher.example), for display."""
    try:
        return name.encode("ascii").decode("idna")
    except UnicodeError:
        return name


def is_platform_name(name: str) -> bool:
    """The platform domain itself or any name under it (those are blogs' subdomains)."""
    platform = settings.MICROHOST_DOMAIN
    return name == platform or name.endswith("." + platform)


def in_use_elsewhere(*, blog: Blog, name: str) -> bool:
    """Another blog already serves `name`."""
    return Blog.objects.filter(custom_domain=name).exclude(pk=blog.pk).exists()


def check_claimable(*, blog: Blog, name: str) -> None:
    """ValidationError unless `blog` may add the (normalised) `name` to its list."""
    if is_platform_name(name):
        raise ValidationError(
            f"{name} belongs to {settings.MICROHOST_DOMAIN}; your blog already lives at "
            f"{subdomain_host(blog.subdomain)}. Add a domain you own instead."
        )
    if in_use_elsewhere(blog=blog, name=name):
        raise ValidationError(IN_USE)
    if blog.domains.filter(name=name).exists():
        raise ValidationError(ALREADY_LISTED)


def add_domain(*, blog: Blog, name: str) -> Domain:
    """Claim `name` for `blog` with a fresh token; nothing is served until it is verified."""
    name = normalise_domain_name(name)
    check_claimable(blog=blog, name=name)
    try:
        with transaction.atomic():
            return Domain.objects.create(blog=blog, name=name)
    except IntegrityError as exc:  # a double submit raced us
        raise ValidationError(ALREADY_LISTED) from exc


def check_txt(domain: Domain) -> Proof:
    """A TXT record `microhost-verify=<token>` at _microhost.<name> (or _microhost-challenge.<name>)."""
    expected = domain.txt_record_value
    found: list[str] = []
    for prefix in TXT_PREFIXES:
        record = f"{prefix}.{domain.name}"
        try:
            values = txt_values(record)
        except DnsLookupError as exc:
            return Proof(False, f"DNS: looking up {record}: {exc}; try again in a few minutes.")
        if any(value.strip() == expected for value in values):
            return Proof(True)
        found += values
    if found:
        return Proof(
            False,
            f"DNS: the TXT record at {domain.txt_record_name} has a different value; "
            "copy the value shown on this page exactly.",
        )
    return Proof(False, f"DNS: no TXT record at {domain.txt_record_name} yet (new records can take a while).")


def well_known_url(name: str) -> str:
    """Where the HTTP proof is fetched; MICROHOST_DOMAIN_CHECK_PORT is 80 except in tests."""
    port = int(settings.MICROHOST_DOMAIN_CHECK_PORT)
    return f"http://{name}{'' if port == 80 else f':{port}'}{WELL_KNOWN_PATH}"


def check_well_known(domain: Domain) -> Proof:
    """A file at http://<name>/.well-known/microhost-verify whose body contains the token."""
    url = well_known_url(domain.name)
    try:
        response = fetch(url, timeout=HTTP_CHECK_TIMEOUT, max_bytes=HTTP_CHECK_MAX_BYTES)
    except FetchError as exc:
        return Proof(False, f"HTTP: {url}: {exc}")
    if (urlsplit(str(response.url)).hostname or "") != domain.name:
        return Proof(False, f"HTTP: {url} redirected to another host; serve the file on {domain.name}.")
    if response.status_code != 200:
        return Proof(False, f"HTTP: {url} answered {response.status_code}.")
    if domain.token not in response.text:
        return Proof(False, f"HTTP: {url} does not contain your token.")
    return Proof(True)


def prove_control(domain: Domain) -> Proof:
    """DNS first, then the well-known file; on failure, both reasons."""
    txt = check_txt(domain)
    if txt.ok:
        return txt
    http = check_well_known(domain)
    return http if http.ok else Proof(False, f"{txt.reason} {http.reason}")


def _record_failure(domain: Domain, reason: str) -> Domain:
    """Store when and why the check failed (an update, so a row removed meanwhile stays removed)."""
    if len(reason) > LAST_ERROR_MAX:
        reason = reason[: LAST_ERROR_MAX - 1] + "…"
    domain.last_checked_at, domain.last_error = timezone.now(), reason
    Domain.objects.filter(pk=domain.pk).update(last_checked_at=domain.last_checked_at, last_error=reason)
    return domain


def _activate(domain: Domain) -> Domain:
    """Make `domain` the one serving its blog (replacing any previous one), atomically."""
    try:
        with transaction.atomic():
            blog = Blog.objects.select_for_update().get(pk=domain.blog_id)
            current = Domain.objects.select_for_update().filter(pk=domain.pk).first()
            if current is None:  # removed while we were checking
                return domain
            if in_use_elsewhere(blog=blog, name=current.name):
                return _record_failure(domain, IN_USE)
            now = timezone.now()
            blog.domains.exclude(pk=current.pk).update(verified_at=None)
            Domain.objects.filter(pk=current.pk).update(verified_at=now, last_checked_at=now, last_error="")
            if blog.custom_domain != current.name:
                blog.custom_domain = current.name
                blog.save(update_fields=["custom_domain"])
                blog.touch()
    except IntegrityError:  # another blog took the name between our check and our write
        return _record_failure(domain, IN_USE)
    domain.verified_at = domain.last_checked_at = now
    domain.last_error = ""
    return domain


def verify_domain(*, domain: Domain) -> Domain:
    """Check control now; on success the domain serves its blog, else last_error says why not."""
    if in_use_elsewhere(blog=domain.blog, name=domain.name):
        return _record_failure(domain, IN_USE)
    proof = prove_control(domain)
    return _activate(domain) if proof.ok else _record_failure(domain, proof.reason)


def _unserve(blog_id: int, name: str) -> None:
    """Stop serving `name` for the blog (inside the caller's transaction)."""
    blog = Blog.objects.select_for_update().get(pk=blog_id)
    if blog.custom_domain == name:
        blog.custom_domain = None
        blog.save(update_fields=["custom_domain"])
        blog.touch()


@transaction.atomic
def remove_domain(*, domain: Domain) -> None:
    """Delete the claim; if it was serving the blog, the subdomain serves again."""
    _unserve(domain.blog_id, domain.name)
    Domain.objects.filter(pk=domain.pk).delete()


def recheck_domain(*, domain: Domain) -> Domain:
    """Re-prove a serving domain (gitlab-ce#29497); drop it once proofs failed for RECHECK_GRACE."""
    proof = prove_control(domain)
    if proof.ok:
        return _activate(domain)
    last_proven = domain.verified_at
    if last_proven is None or timezone.now() - last_proven <= RECHECK_GRACE:
        return _record_failure(domain, proof.reason)
    with transaction.atomic():
        _unserve(domain.blog_id, domain.name)
        Domain.objects.filter(pk=domain.pk).update(verified_at=None)
    domain.verified_at = None
    reason = f"No longer served: not proven since {last_proven:%Y-%m-%d}. {proof.reason}"
    return _record_failure(domain, reason)


def certificate_allowed(host: str) -> bool:
    """Caddy's ask (R27): the platform itself, existing users' subdomains, verified custom domains."""
    host = host.strip().lower().rstrip(".")
    return host == settings.MICROHOST_DOMAIN or host_is_served(host)


def ask_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """MICROHOST_ASK_ALLOWED_NETWORKS parsed, failing loudly on a typo."""
    try:
        return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.MICROHOST_ASK_ALLOWED_NETWORKS]
    except ValueError as exc:
        raise ImproperlyConfigured(f"MICROHOST_ASK_ALLOWED_NETWORKS: {exc}") from exc


def ask_caller_allowed(remote_addr: str) -> bool:
    """Only the TLS terminator's networks may ask (loopback by default)."""
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in ask_networks())
