"""Settings forms."""

from __future__ import annotations

from django import forms

from accounts.models import Blog, User
from posts.images import process_image


class ProfileForm(forms.ModelForm):
    avatar_upload = forms.FileField(
        label="Avatar", required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )

    class Meta:
        model = User
        fields = ["display_name", "bio"]
        labels = {"display_name": "Name"}
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def clean_avatar_upload(self):
        upload = self.cleaned_data.get("avatar_upload")
        return process_image(upload.read()) if upload else None


class BlogForm(forms.ModelForm):
    class Meta:
        model = Blog
        fields = ["title", "description", "timezone"]
        labels = {"title": "Blog title", "timezone": "Time zone"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
