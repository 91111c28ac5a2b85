"""Usernames become DNS labels (alice.<domain>), so they follow DNS rules and avoid reserved names."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

MAX_LENGTH = 30
# A DNS label (RFC 1035 §2.3.1, lower-case): letters, digits, inner hyphens; no "xn--"-style prefix.
LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")

# Names a blog may not take: infrastructure, mail autoconfiguration, our own pages.
RESERVED = frozenset(
    """
    about abuse account accounts admin administrator api app apps assets auth autoconfig
    autodiscover billing blog blogs cdn chat dashboard dev docs email feed feeds ftp help home
    hostmaster imap indieauth info internal localhost login logout mail mailer media micropub
    microhost microsub mx news noreply no-reply ns ns1 ns2 ns3 ns4 owner pop pop3 postmaster
    privacy root security settings signin signup smtp static status store support system terms
    test timeline token webmail webmaster webmention well-known www www1 www2 xmpp
    """.split()
)


def validate_username(value: str) -> None:
    """Raise ValidationError with a message saying how to fix the name."""
    name = value.lower()
    if len(name) < 2 or len(name) > MAX_LENGTH:
        raise ValidationError(f"Use 2 to {MAX_LENGTH} characters.", code="length")
    if not LABEL.match(name):
        raise ValidationError(
            "Use only letters, digits and hyphens, starting and ending with a letter or digit: "
            "your username becomes your blog's address.",
            code="dns_label",
        )
    if name[2:4] == "--":
        raise ValidationError("Hyphens may not stand in the third and fourth places.", code="dns_label")
    if name in RESERVED:
        raise ValidationError(f"“{name}” is reserved. Please choose another username.", code="reserved")
