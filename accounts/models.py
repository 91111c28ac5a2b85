"""Users, their blogs and the custom domains that serve them."""

from __future__ import annotations

import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone

from accounts import blog_cache
from accounts.urls_util import blog_base_url, subdomain_host
from accounts.usernames import MAX_LENGTH, validate_username
from microhost import page_cache


def avatar_path(instance: User, filename: str) -> str:
    """Avatars live under avatars/<user id>/ so a blog host serves only its owner's."""
    return f"avatars/{instance.pk}/{secrets.token_hex(8)}.{filename.rsplit('.', 1)[-1][:5]}"


TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class User(AbstractUser):
    """A person on the platform; their username is their blog's subdomain."""

    username = models.CharField(
        max_length=MAX_LENGTH,
        unique=True,
        validators=[validate_username],
        help_text="Letters, digits and hyphens; this becomes your blog's address.",
        error_messages={"unique": "That username is taken."},
    )
    display_name = models.CharField(max_length=100, blank=True)
    bio = models.TextField(blank=True, max_length=1000)
    avatar = models.ImageField(upload_to=avatar_path, blank=True)

    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("username"), name="username_unique_ci")]

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def avatar_url(self) -> str:
        """Absolute avatar URL: on the blog's host for local media, as-is for object storage."""
        if not self.avatar:
            return ""
        url = self.avatar.url
        return url if url.startswith(("http://", "https://")) else self.blog.absolute(url)


class Blog(models.Model):
    """One per user. `changed_at` moves on every visible change: it drives ETags and caches."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blog")
    subdomain = models.CharField(max_length=MAX_LENGTH, unique=True)
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True, max_length=2000)
    timezone = models.CharField(max_length=64, default="UTC", choices=TIMEZONE_CHOICES)
    # The verified custom domain serving this blog, if any (a domain serves one blog only).
    custom_domain = models.CharField(max_length=253, unique=True, null=True, blank=True)
    changed_at = models.DateTimeField(default=dj_timezone.now)
    # Moves when the responses shown under its posts change (a webmention shown, approved or removed).
    # Only the pages that show responses (permalinks) depend on it, so a burst of likes and replies
    # leaves the home page, the archive and the feeds cached. None: no response shown since it came.
    responses_changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.host

    @classmethod
    def from_db(cls, db, field_names, values):
        """Remember the hosts the row had when loaded: a save that changes them uncaches the old ones."""
        blog = super().from_db(db, field_names, values)
        loaded = blog.__dict__
        blog._loaded_hosts = {subdomain_host(loaded["subdomain"])} if "subdomain" in loaded else set()
        if loaded.get("custom_domain"):
            blog._loaded_hosts.add(loaded["custom_domain"])
        return blog

    @property
    def display_title(self) -> str:
        return self.title or self.user.name

    @property
    def host(self) -> str:
        """The host the blog is canonically served on."""
        return self.custom_domain or subdomain_host(self.subdomain)

    @property
    def served_hosts(self) -> set[str]:
        """Every host answering for this blog now, and those it had when loaded (a save may move it)."""
        hosts = {subdomain_host(self.subdomain), *getattr(self, "_loaded_hosts", ())}
        if self.custom_domain:
            hosts.add(self.custom_domain)
        return hosts

    @property
    def base_url(self) -> str:
        """Absolute URL of the blog's home, without trailing slash."""
        return blog_base_url(self.host, custom=bool(self.custom_domain))

    def absolute(self, path: str) -> str:
        return self.base_url + path

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def touch(self) -> None:
        """Mark the blog as changed (new ETag / Last-Modified for every page and feed)."""
        self.changed_at = dj_timezone.now()
        Blog.objects.filter(pk=self.pk).update(changed_at=self.changed_at)
        page_cache.blog_changed(self)
        blog_cache.forget(self.served_hosts)

    def touch_responses(self) -> None:
        """Mark the responses under its posts as changed: new ETag / Last-Modified for the pages showing
        them (microhost/page_versions.py), every other page and feed kept as it was."""
        from accounts.selectors import refill_hosts

        self.responses_changed_at = dj_timezone.now()
        Blog.objects.filter(pk=self.pk).update(responses_changed_at=self.responses_changed_at)
        page_cache.blog_changed(self, responses_only=True)
        hosts = self.served_hosts
        blog_cache.forget(hosts)
        # Mostly a worker verifying webmentions: it reads the blog again after the commit, so the next
        # request to the blog (a receipt, a page) finds it cached instead of querying it.
        transaction.on_commit(lambda: refill_hosts(hosts))


def new_domain_token() -> str:
    return secrets.token_urlsafe(24)


class Domain(models.Model):
    """A custom domain a user claims for their blog, and the proof of control we expect."""

    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="domains")
    name = models.CharField(max_length=253)
    token = models.CharField(max_length=64, default=new_domain_token)
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("blog", "name", name="domain_once_per_blog")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def txt_record_name(self) -> str:
        return f"_microhost.{self.name}"

    @property
    def txt_record_value(self) -> str:
        return f"microhost-verify={self.token}"


class AccessToken(models.Model):
    """A bearer token for Micropub and friends. Only its SHA-256 digest is stored (R32)."""

    class Kind(models.TextChoices):
        ACCESS = "access"  # issued by the IndieAuth token endpoint
        REFRESH = "refresh"  # exchanged for a new access token
        PERSONAL = "personal"  # made in Settings → App tokens or by `manage.py mint_token`

    digest = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ACCESS)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tokens")
    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="tokens")
    client_id = models.URLField(max_length=2000, blank=True)
    client_name = models.CharField(max_length=200, blank=True)
    # Space-separated scopes, as OAuth writes them.
    scope = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The authorization code this token came from, so a replayed code can revoke it (R30).
    code_digest = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} token for {self.user} ({self.client_name or self.client_id or 'personal'})"

    @property
    def scopes(self) -> set[str]:
        return set(self.scope.split())

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > dj_timezone.now()


class AuthorizationCode(models.Model):
    """An IndieAuth authorization code: digest only, single use, ten minutes (R30; IndieAuth §5.2.1)."""

    digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auth_codes")
    client_id = models.URLField(max_length=2000)
    client_name = models.CharField(max_length=200, blank=True)
    # Not a URLField: native apps register private-use schemes (com.example.app:/callback, RFC 8252 §7.1).
    redirect_uri = models.CharField(max_length=2000)
    # BASE64URL(SHA256(code_verifier)); only S256 is accepted (R29).
    code_challenge = models.CharField(max_length=128)
    # The scopes the user granted, space-separated; empty means "profile URL only".
    scope = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"authorization code for {self.user} ({self.client_id})"
