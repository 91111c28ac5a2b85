"""The owner's side on the platform host: dashboard, composer, edit, delete, undelete."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.services import ensure_blog
from posts import services
from posts.forms import ComposerForm, initial_from_post
from posts.models import Post
from syndication.composer import choice_properties, save_copy_texts

PREFILL = ("in_reply_to", "like_of", "repost_of", "bookmark_of", "content", "name")


def _own_post(request: HttpRequest, post_id: int) -> Post:
    """Another user's post is a 404, never a 403: its existence is not revealed."""
    queryset = Post.objects.select_related("blog__user").prefetch_related("photos", "categories")
    return get_object_or_404(queryset, pk=post_id, blog__user=request.user)


def _save(request, form: ComposerForm, save) -> HttpResponse | None:
    """Run a service; model-level errors go back onto the form instead of a 500."""
    try:
        return save()
    except ValidationError as error:
        form.add_error(None, error)
        return None


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    blog = ensure_blog(user=request.user)
    posts = Post.objects.for_blog(blog).order_by("-created_at").prefetch_related("photos")[:50]
    return render(request, "posts/dashboard.html", {"blog": blog, "posts": posts})


@login_required
def new_post(request: HttpRequest) -> HttpResponse:
    blog = ensure_blog(user=request.user)
    # Reply/like/repost/bookmark actions elsewhere link here with the URL prefilled (?in_reply_to=…).
    initial = {key: request.GET[key] for key in PREFILL if request.GET.get(key)}
    form = ComposerForm(request.POST or None, request.FILES or None, initial=initial)
    # "preview_copies" re-renders the form with the syndication previews, saving nothing.
    if request.method == "POST" and form.is_valid() and "preview_copies" not in request.POST:
        draft = "save_draft" in request.POST
        properties = {**form.to_properties(draft=draft), **choice_properties(request.POST)}
        post = _save(
            request,
            form,
            lambda: services.create_post(
                blog=blog, properties=properties, photos=form.cleaned_data["new_photos"]
            ),
        )
        if post is not None:
            save_copy_texts(post=post, data=request.POST)
            messages.success(request, "Draft saved." if draft else "Published.")
            return redirect("dashboard" if draft else post.get_absolute_url())
    return render(request, "posts/compose.html", {"form": form, "blog": blog, "editing": None})


@login_required
def edit_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _own_post(request, post_id)
    existing = list(post.photos.all())
    form = ComposerForm(
        request.POST or None, request.FILES or None, initial=initial_from_post(post), existing_photos=existing
    )
    if request.method == "POST" and form.is_valid() and "preview_copies" not in request.POST:
        draft = post.is_draft and "save_draft" in request.POST
        removed, alts = form.photo_changes()
        properties = {**form.to_properties(draft=draft), **choice_properties(request.POST)}
        saved = _save(
            request,
            form,
            lambda: services.update_post(
                post=post,
                properties=properties,
                photos=form.cleaned_data["new_photos"],
                remove_photo_ids=removed,
                photo_alts=alts,
            ),
        )
        if saved is not None:
            save_copy_texts(post=saved, data=request.POST)
            messages.success(request, "Saved.")
            return redirect("dashboard" if saved.is_draft else saved.get_absolute_url())
    return render(request, "posts/compose.html", {"form": form, "blog": post.blog, "editing": post})


@login_required
@require_POST
def delete_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _own_post(request, post_id)
    services.delete_post(post=post)
    messages.success(request, "Deleted. Its address now answers “gone”; you can undelete it below.")
    return redirect("dashboard")


@login_required
@require_POST
def undelete_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _own_post(request, post_id)
    services.undelete_post(post=post)
    messages.success(request, "Restored.")
    return redirect("dashboard")
