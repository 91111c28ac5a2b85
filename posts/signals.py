"""Sent after a post change commits, so later features (webmention, syndication, WebSub) can react
without posts/ importing them. `action` is created, updated, deleted or undeleted."""

from django.dispatch import Signal

post_changed = Signal()
