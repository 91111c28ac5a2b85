"""Connections to silos, the per-instance Mastodon apps, and one delivery row per (post, connection)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from posts.models import Post
from syndication import crypto


class Silo(models.TextChoices):
    MASTODON = "mastodon", "Mastodon"
    TUMBLR = "tumblr", "Tumblr"
    MEDIUM = "medium", "Medium"
    LINKEDIN = "linkedin", "LinkedIn"
    BLUESKY = "bluesky", "Bluesky"


class Connection(models.Model):
    """A user's account on a silo; the stateless connector gets this to act as the user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connections")
    silo = models.CharField(max_length=16, choices=Silo.choices)
    # API base: the Mastodon instance or Bluesky PDS ("https://mastodon.social"); blank for fixed APIs.
    server = models.URLField(max_length=300, blank=True)
    account_name = models.CharField(max_length=300)
    account_url = models.URLField(max_length=500, blank=True)
    # The silo's id of the account (Mastodon id, DID, LinkedIn member sub, Medium id, Tumblr blog uuid).
    remote_id = models.CharField(max_length=300)
    # Non-secret per-silo facts: char limit, chosen Tumblr blog, blog list, media limits.
    options = models.JSONField(default=dict, blank=True)
    # Fernet ciphertext of {"access_token", "refresh_token", "app_password", …} (R34): see credentials.
    secret = models.TextField(blank=True)
    on_by_default = models.BooleanField(default=True)
    needs_reauth = models.BooleanField(default=False)
    reauth_reason = models.CharField(max_length=500, blank=True)
    # When the access token dies (LinkedIn: 60 days; Tumblr: short, refreshed before then).
    expires_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("user", "silo", "server", "remote_id", name="one_connection_per_account")
        ]
        ordering = ["silo", "account_name"]

    def __str__(self) -> str:
        return f"{self.get_silo_display()}: {self.account_name}"

    @property
    def uid(self) -> str:
        """Micropub syndicate-to uid: stable for the life of the connection."""
        return f"{self.silo}:{self.pk}"

    @property
    def credentials(self) -> dict:
        return crypto.decrypt(self.secret)

    def set_credentials(self, data: dict, *, save: bool = True) -> None:
        """Replace the secrets (encrypted); saved at once so a rotated refresh token is never lost."""
        self.secret = crypto.encrypt(data)
        if save and self.pk:
            Connection.objects.filter(pk=self.pk).update(secret=self.secret, expires_at=self.expires_at)


class MastodonApp(models.Model):
    """Our OAuth client on one Mastodon instance, registered once and reused (methods/apps)."""

    server = models.URLField(max_length=300, unique=True)
    client_id = models.CharField(max_length=300)
    # Fernet ciphertext of {"client_secret": …}.
    secret = models.TextField()
    scopes = models.CharField(max_length=300)
    redirect_uri = models.URLField(max_length=500)
    # From /.well-known/oauth-authorization-server (4.3+): PKCE S256 offered.
    pkce = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.server

    @property
    def client_secret(self) -> str:
        return crypto.decrypt(self.secret).get("client_secret", "")


class SyndicationQuerySet(models.QuerySet):
    def due(self, now=None) -> SyndicationQuerySet:
        return self.filter(state__in=Syndication.WORKING, next_attempt_at__lte=now or timezone.now())


class Syndication(models.Model):
    """One copy of one post on one connection, and where its delivery stands (R15)."""

    class State(models.TextChoices):
        HELD = "held", "waiting for the post to be published"
        PENDING = "pending", "queued"
        SENDING = "sending", "sending"
        DONE = "done", "posted"
        FAILED = "failed", "failed"
        UNKNOWN = "unknown", "unknown: the silo may have posted it"
        UPDATING = "updating", "edit queued"
        DELETING = "deleting", "delete queued"
        DELETED = "deleted", "deleted"

    # States a job acts on when next_attempt_at has come (a SENDING row that is due was abandoned).
    WORKING = ("pending", "sending", "updating", "deleting")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="syndications")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="syndications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    # Text the owner wrote for this copy; blank means the connector's own formatting.
    text = models.TextField(blank=True)
    url = models.URLField(max_length=1000, blank=True)
    remote_id = models.CharField(max_length=500, blank=True)
    # Per-silo facts about the copy: Bluesky cid/root, Mastodon media ids.
    extra = models.JSONField(default=dict, blank=True)
    # Digest of what the copy shows; an update only goes out when the post's digest differs.
    fingerprint = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SyndicationQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint("post", "connection", name="one_copy_per_connection")]
        indexes = [models.Index(fields=["user", "state", "next_attempt_at"], name="syndication_due")]

    def __str__(self) -> str:
        return f"{self.post_id} → {self.connection_id}: {self.state}"


class Lane(models.Model):
    """Per-user fairness: at most one live message per user in the syndication queue.

    The message carries (user id, token); a newer token supersedes it. Each run sends one copy and
    re-queues the lane at the back, so users take turns (see services/dispatch.py)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=32, blank=True)
    # When the queued message will run; blank when none is queued.
    run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"lane of user {self.user_id}"
