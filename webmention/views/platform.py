"""The owner's webmention pages on the platform: mentions (notifications) with moderation, settings,
and the resend button of a post's outgoing webmentions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from posts.models import Post
from webmention import moderation, selectors, send
from webmention.forms import BlockForm, PreferencesForm
from webmention.models import BlockedDomain, Received


def _own_mention(request: HttpRequest, mention_id: int) -> Received:
    return get_object_or_404(Received.objects.select_related("blog"), pk=mention_id, blog__user=request.user)


@login_required
def mentions(request: HttpRequest) -> HttpResponse:
    """Every verified mention of the blog, newest first; new ones are marked, then seen."""
    blog = request.user.blog
    rows = selectors.mentions_for_blog(blog)
    response = render(request, "webmention/mentions.html", {"mentions": rows, "blog": blog})
    Received.objects.filter(blog=blog, seen_at__isnull=True, pk__in=[row.pk for row in rows]).update(
        seen_at=timezone.now()
    )
    return response


@login_required
@require_POST
def approve(request: HttpRequest, mention_id: int) -> HttpResponse:
    moderation.approve(received=_own_mention(request, mention_id))
    messages.success(request, "Approved: the mention is shown, and this sender's next ones will be too.")
    return redirect("webmention_mentions")


@login_required
@require_POST
def delete(request: HttpRequest, mention_id: int) -> HttpResponse:
    moderation.delete_mention(received=_own_mention(request, mention_id))
    messages.success(request, "Mention deleted.")
    return redirect("webmention_mentions")


@login_required
@require_POST
def block(request: HttpRequest, mention_id: int) -> HttpResponse:
    """Block the mention's source domain: its mentions go, and future ones are refused quietly."""
    mention = _own_mention(request, mention_id)
    moderation.block_domain(blog=mention.blog, domain=mention.source_host)
    messages.success(request, f"Blocked {mention.source_host}.")
    return redirect("webmention_mentions")


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    blog = request.user.blog
    form = PreferencesForm(request.POST or None, instance=moderation.preferences_for(blog))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Webmention settings saved.")
        return redirect("settings_webmentions")
    return _settings(request, form, BlockForm())


def _settings(request: HttpRequest, form, block_form, status: int = 200) -> HttpResponse:
    blog = request.user.blog
    context = {
        "section": "webmentions",
        "form": form,
        "block_form": block_form,
        "blocked": BlockedDomain.objects.filter(blog=blog),
        "endpoint": blog.absolute("/webmention"),
    }
    return render(request, "webmention/settings.html", context, status=status)


@login_required
@require_POST
def block_domain(request: HttpRequest) -> HttpResponse:
    blog = request.user.blog
    block_form = BlockForm(request.POST)
    if not block_form.is_valid():
        return _settings(request, PreferencesForm(instance=moderation.preferences_for(blog)), block_form, 400)
    moderation.block_domain(blog=blog, domain=block_form.cleaned_data["domain"])
    messages.success(request, f"Blocked {block_form.cleaned_data['domain']}.")
    return redirect("settings_webmentions")


@login_required
@require_POST
def unblock_domain(request: HttpRequest, domain_id: int) -> HttpResponse:
    moderation.unblock_domain(blog=request.user.blog, domain_id=domain_id)
    messages.success(request, "Unblocked.")
    return redirect("settings_webmentions")


@login_required
@require_POST
def resend(request: HttpRequest, post_id: int) -> HttpResponse:
    """Send every webmention of one of your posts again (after commit, by the worker)."""
    post = get_object_or_404(Post, pk=post_id, blog__user=request.user)
    send.enqueue_post(post.pk)
    messages.success(request, "Webmentions will be sent again in a moment.")
    return redirect("edit_post", post_id=post.pk)
