"""The platform's reading pages: timeline, mentions, Discover, conversation, people, like."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from posts.models import Post
from posts.properties import http_url
from posts.services import create_post
from timeline import fanout, selectors
from timeline.models import Follow, Mute


@login_required
def timeline(request: HttpRequest) -> HttpResponse:
    fanout.touch(request.user)
    items, next_cursor = selectors.timeline_page(request.user, cursor=request.GET.get("before", ""))
    context = {"items": items, "next_cursor": next_cursor, "section": "timeline"}
    return render(request, "timeline/home.html", context)


@login_required
def mentions(request: HttpRequest) -> HttpResponse:
    items, next_cursor = selectors.mentions_page(request.user, cursor=request.GET.get("before", ""))
    return render(request, "timeline/mentions.html", {"items": items, "next_cursor": next_cursor})


def discover(request: HttpRequest) -> HttpResponse:
    posts, next_cursor = selectors.discover_page(cursor=request.GET.get("before", ""))
    featured = selectors.featured() if not request.GET.get("before") else []
    return render(
        request, "timeline/discover.html", {"posts": posts, "featured": featured, "next_cursor": next_cursor}
    )


def conversation(request: HttpRequest, post_id: int) -> HttpResponse:
    post = get_object_or_404(Post.objects.listed().with_relations(), pk=post_id)
    return render(
        request, "timeline/conversation.html", {"post": post, "thread": selectors.conversation(post)}
    )


def person(request: HttpRequest, username: str) -> HttpResponse:
    """A user's profile on the platform with Follow / Unfollow / Mute: blog hosts are anonymous."""
    person = get_object_or_404(User.objects.select_related("blog"), username__iexact=username, is_active=True)
    posts = Post.objects.listed().filter(blog=person.blog).with_relations().newest_first()[:10]
    following = muted = False
    if request.user.is_authenticated:
        following = Follow.objects.filter(user=request.user, blog=person.blog).exists()
        muted = Mute.objects.filter(user=request.user, blog=person.blog).exists()
    context = {"person": person, "posts": posts, "following": following, "muted": muted}
    return render(request, "timeline/person.html", context)


@login_required
@require_POST
def like(request: HttpRequest) -> HttpResponse:
    """The timeline's like action: a like post of the user's own, made by the one post service."""
    try:
        url = http_url(request.POST.get("url", ""), field="like-of")
        create_post(blog=request.user.blog, properties={"like-of": [url]})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Liked.")
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    """Back to the page the form was on (a platform path only, never another host)."""
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else "/timeline/"
