"""Forms of the owner's webmention pages."""

from __future__ import annotations

import re

from django import forms

from webmention.models import Preferences

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Preferences
        fields = ["hold_first_time_senders"]
        labels = {"hold_first_time_senders": "Hold mentions from first-time senders for my approval"}
        help_texts = {
            "hold_first_time_senders": "Off: verified replies, likes and mentions show at once. Sites you "
            "have replied to, and senders you approved before, are always shown at once."
        }


class BlockForm(forms.Form):
    domain = forms.CharField(max_length=253, help_text="e.g. spam.example — its subdomains are blocked too.")

    def clean_domain(self) -> str:
        value = self.cleaned_data["domain"].strip().lower().rstrip(".")
        value = re.sub(r"^https?://", "", value).split("/")[0].split(":")[0]
        if not _DOMAIN.match(value):
            raise forms.ValidationError("Enter a domain name such as spam.example.")
        return value
