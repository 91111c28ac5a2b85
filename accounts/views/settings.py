"""Settings on the platform host: profile and blog."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.shortcuts import redirect, render

from accounts.forms import BlogForm, ProfileForm
from accounts.services import ensure_blog


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        avatar = form.cleaned_data.get("avatar_upload")
        if avatar is not None:
            data = avatar.variants.get(640, avatar.original)
            user.avatar.save(f"avatar.{avatar.extension}", ContentFile(data), save=False)
        user.save()
        ensure_blog(user=user).touch()
        messages.success(request, "Profile saved.")
        return redirect("settings_profile")
    return render(request, "accounts/settings_profile.html", {"form": form, "section": "profile"})


@login_required
def blog(request):
    instance = ensure_blog(user=request.user)
    form = BlogForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        instance.touch()
        messages.success(request, "Blog settings saved.")
        return redirect("settings_blog")
    return render(request, "accounts/settings_blog.html", {"form": form, "section": "blog", "blog": instance})
