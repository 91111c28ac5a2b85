"""The personal token form of Settings → App tokens."""

from __future__ import annotations

from django import forms

from accounts.indieauth.scopes import SCOPE_DESCRIPTIONS

# What a pasted token is for: posting. Profile scopes belong to sign-in flows.
PERSONAL_SCOPES = ("create", "update", "delete", "undelete", "media", "draft")


class PersonalTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Name",
        help_text="Which app or script will use it, so you recognise it later.",
    )
    scopes = forms.MultipleChoiceField(
        choices=[(scope, f"{scope} — {SCOPE_DESCRIPTIONS[scope]}") for scope in PERSONAL_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        initial=["create", "update", "media"],
        label="Allowed to",
    )
