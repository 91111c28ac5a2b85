"""The scopes microhost grants and how the consent page explains them."""

from __future__ import annotations

# Micropub scopes (indieweb.org/scope) and IndieAuth's profile scopes (IndieAuth §5.3.4).
SCOPE_DESCRIPTIONS: dict[str, str] = {
    "create": "Create new posts",
    "update": "Edit your posts",
    "delete": "Delete posts",
    "undelete": "Restore deleted posts",
    "media": "Upload photos and files",
    "draft": "Create drafts only (posts stay unpublished)",
    "profile": "See your name, photo and blog address",
    "email": "See your email address",
    # Microsub readers (indieweb.org/Microsub#Scopes).
    "read": "Read your timeline",
    "follow": "Follow and unfollow sites",
    "mute": "Mute people and sites",
    "block": "Block people and sites",
    "channels": "Manage your reader channels",
}
KNOWN_SCOPES: tuple[str, ...] = tuple(SCOPE_DESCRIPTIONS)


def split_scope(scope: str) -> list[str]:
    """Space-separated scope string → unique scopes in order (RFC 6749 §3.3)."""
    return list(dict.fromkeys(scope.split()))


def known(scopes: list[str]) -> list[str]:
    """Only the scopes we understand, in the order of KNOWN_SCOPES."""
    return [scope for scope in KNOWN_SCOPES if scope in scopes]


def grantable(chosen: list[str], requested: list[str]) -> str:
    """What the user ticked, limited to what was asked; `email` needs `profile` (IndieAuth §5.3.4)."""
    granted = [scope for scope in known(chosen) if scope in requested]
    if "profile" not in granted and "email" in granted:
        granted.remove("email")
    return " ".join(granted)
