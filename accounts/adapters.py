"""django-allauth hooks: usernames are DNS labels, and every new user gets a blog."""

from __future__ import annotations

from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.forms import ValidationError as FormValidationError
from django.urls import reverse

from accounts.services import ensure_blog
from accounts.urls_util import platform_url
from accounts.usernames import validate_username


class AccountAdapter(DefaultAccountAdapter):
    def clean_username(self, username, shallow=False):
        try:
            validate_username(username)
        except ValidationError as error:
            raise FormValidationError(error.messages) from error
        return super().clean_username(username.lower(), shallow=shallow)

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            ensure_blog(user=user)
        return user

    def get_reset_password_from_key_url(self, key):
        """Reset links point at the platform domain from settings, never the request Host (R23)."""
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return platform_url(path.replace("UID-KEY", quote(key)))

    def get_email_confirmation_url(self, request, emailconfirmation):
        """Verification links, likewise, use the platform domain from settings."""
        return platform_url(reverse("account_confirm_email", args=[emailconfirmation.key]))
