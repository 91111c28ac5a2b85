"""Side effects on accounts: creating users with their blogs, editing profiles."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Blog, User
from accounts.usernames import validate_username


def ensure_blog(*, user: User) -> Blog:
    """Every user has exactly one blog, on the subdomain named after them."""
    blog, _ = Blog.objects.get_or_create(user=user, defaults={"subdomain": user.username.lower()})
    return blog


@transaction.atomic
def create_account(*, username: str, email: str, password: str) -> User:
    """Create a user and their blog (used by the createuser command and tests)."""
    username = username.lower()
    validate_username(username)
    if User.objects.filter(username__iexact=username).exists():
        raise ValueError(f"the username {username!r} is taken")
    user = User.objects.create_user(username=username, email=email, password=password)
    ensure_blog(user=user)
    return user
