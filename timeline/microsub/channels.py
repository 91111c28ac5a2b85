"""Microsub channels: "notifications" and "default" (Home) always exist; others are Channel rows."""

from __future__ import annotations

import secrets

from django.db.models import Max

from accounts.models import User
from timeline.models import Channel, Follow, TimelineItem

BUILT_IN = {"notifications": "Notifications", "default": "Home"}


class MicrosubError(Exception):
    """Answered as {"error": code, "error_description": message} with the status (Microsub §errors)."""

    def __init__(self, message: str, code: str = "invalid_request", status: int = 400) -> None:
        super().__init__(message)
        self.code, self.status = code, status


def list_channels(user: User) -> list[dict]:
    unread = TimelineItem.objects.filter(user=user, is_read=False).count()
    found = [{"uid": "notifications", "name": "Notifications", "unread": 0},
             {"uid": "default", "name": "Home", "unread": unread}]  # fmt: skip
    found += [{"uid": c.uid, "name": c.name} for c in Channel.objects.filter(user=user)]
    return found


def exists(user: User, uid: str) -> bool:
    return uid in BUILT_IN or Channel.objects.filter(user=user, uid=uid).exists()


def create_or_rename(user: User, name: str, uid: str = "") -> dict:
    if not name.strip():
        raise MicrosubError("A channel needs a name.")
    if uid:
        if uid in BUILT_IN:
            raise MicrosubError("Built-in channels cannot be renamed.")
        updated = Channel.objects.filter(user=user, uid=uid).update(name=name[:200])
        if not updated:
            raise MicrosubError("No such channel.")
        return {"uid": uid, "name": name[:200]}
    last = Channel.objects.filter(user=user).aggregate(Max("position"))["position__max"] or 0
    channel = Channel.objects.create(user=user, uid=secrets.token_hex(6), name=name[:200], position=last + 1)
    return {"uid": channel.uid, "name": channel.name}


def delete(user: User, uid: str) -> None:
    """Deleting a channel moves its follows back to Home (nothing is unfollowed)."""
    if uid in BUILT_IN or not Channel.objects.filter(user=user, uid=uid).delete()[0]:
        raise MicrosubError("That channel cannot be deleted.")
    Follow.objects.filter(user=user, channel=uid).update(channel="default")


def order(user: User, uids: list[str]) -> None:
    for position, uid in enumerate(u for u in uids if u not in BUILT_IN):
        Channel.objects.filter(user=user, uid=uid).update(position=position)
