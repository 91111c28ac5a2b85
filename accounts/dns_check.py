"""TXT lookups for custom-domain verification (dnspython), against MICROHOST_DNS_NAMESERVERS if set."""

from __future__ import annotations

import dns.exception
import dns.name
import dns.nameserver
import dns.resolver
from django.conf import settings

# Per-server and overall time limits (seconds): a settings page waits on this lookup.
QUERY_TIMEOUT = 2.0
LOOKUP_LIFETIME = 5.0


class DnsLookupError(Exception):
    """DNS itself failed (timeout, SERVFAIL, no resolver), as opposed to "no such record"."""


def parse_nameserver(spec: str) -> dns.nameserver.Do53Nameserver:
    """ "host:port", "[v6]:port" or a bare address (port 53) → a plain-DNS nameserver."""
    spec = spec.strip()
    if spec.startswith("["):
        address, _, port = spec[1:].partition("]")
        port = port.lstrip(":")
    elif spec.count(":") == 1:
        address, port = spec.split(":")
    else:
        address, port = spec, ""
    return dns.nameserver.Do53Nameserver(address, int(port or 53))


def make_resolver() -> dns.resolver.Resolver:
    """The configured nameservers, or the system resolver when MICROHOST_DNS_NAMESERVERS is empty."""
    servers = settings.MICROHOST_DNS_NAMESERVERS
    try:
        resolver = dns.resolver.Resolver(configure=not servers)
    except dns.resolver.NoResolverConfiguration as exc:
        raise DnsLookupError("no DNS resolver is configured on the server") from exc
    if servers:
        resolver.nameservers = [parse_nameserver(spec) for spec in servers]
    resolver.timeout = QUERY_TIMEOUT
    resolver.lifetime = LOOKUP_LIFETIME
    resolver.cache = None
    return resolver


def txt_values(name: str) -> list[str]:
    """The TXT strings published at `name` (each record's strings joined); [] if there are none."""
    resolver = make_resolver()
    try:
        qname = dns.name.from_text(name)
        answer = resolver.resolve(qname, "TXT", search=False, raise_on_no_answer=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.Timeout as exc:
        raise DnsLookupError("the DNS lookup timed out") from exc
    except dns.resolver.NoNameservers as exc:
        raise DnsLookupError("no DNS server gave an answer (SERVFAIL)") from exc
    except dns.exception.DNSException as exc:
        raise DnsLookupError(f"the DNS lookup failed ({exc.__class__.__name__})") from exc
    if answer.rrset is None:
        return []
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer.rrset]
