"""`manage.py createuser` as the contract names it."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_createuser_makes_user_blog_and_verified_email(capsys):
    """The command creates a user who can log in, with a blog and a verified address."""
    call_command("createuser", "erin", "--email", "erin@example.com", "--password", "a-long-test-password-1")
    user = User.objects.get(username="erin")
    assert user.check_password("a-long-test-password-1")
    assert user.blog.subdomain == "erin"
    assert user.emailaddress_set.get().verified
    assert "erin.microhost.test" in capsys.readouterr().out


def test_createuser_refuses_reserved_and_duplicate_names(alice):
    """Reserved and taken names fail with a readable error."""
    with pytest.raises(CommandError, match="reserved"):
        call_command(
            "createuser", "admin", "--email", "a@example.com", "--password", "a-long-test-password-1"
        )
    with pytest.raises(CommandError, match="taken"):
        call_command(
            "createuser", "Alice", "--email", "b@example.com", "--password", "a-long-test-password-1"
        )
