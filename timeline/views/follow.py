"""Following: by username or URL (with a choice when a site has several feeds), unfollow, mute, OPML."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from microhost.fetch import FetchError
from timeline import selectors, services
from timeline.discovery import DiscoveryError, discover
from timeline.models import Channel, Follow
from timeline.opml import MAX_OUTLINES, OPMLError, build_opml, parse_opml
from timeline.views.home import _back

MAX_OPML_BYTES = 1024 * 1024


@login_required
def following(request: HttpRequest) -> HttpResponse:
    blogs, feeds = selectors.muted_ids(request.user)
    follows = list(selectors.follows_of(request.user))
    names = {c.uid: c.name for c in Channel.objects.filter(user=request.user)}
    for follow in follows:  # the Microsub channel a reader app filed it under, if not Home
        follow.channel_name = names.get(follow.channel, "")
    context = {"follows": follows, "muted_blogs": blogs, "muted_feeds": feeds}
    return render(request, "timeline/following.html", context)


@login_required
@require_POST
def follow(request: HttpRequest) -> HttpResponse:
    """Follow a username, a local blog URL, a feed URL or a site (discovering its feeds)."""
    text = request.POST.get("feed") or request.POST.get("q", "").strip()
    if not text:
        messages.error(request, "Type a username or the address of a site.")
        return redirect(_back(request))
    blog = services.local_blog(text)
    if blog is not None:
        services.follow_blog(user=request.user, blog=blog)
        messages.success(request, f"You follow {blog.display_title}.")
        return redirect(_back(request))
    url = text if "://" in text else f"https://{text}"
    if request.POST.get("feed"):
        return _follow_feed(request, url)
    try:
        candidates = discover(url)
    except DiscoveryError as exc:
        messages.error(request, str(exc))
        return redirect(_back(request))
    if len(candidates) > 1:
        return render(request, "timeline/choose.html", {"candidates": candidates, "site": url})
    return _follow_feed(request, candidates[0].url)


def _follow_feed(request: HttpRequest, url: str) -> HttpResponse:
    try:
        feed = services.feed_for_url(url)
    except FetchError as exc:
        messages.error(request, f"That address cannot be followed: {exc}")
        return redirect(_back(request))
    services.follow_feed(user=request.user, feed=feed)
    feed.refresh_from_db()
    if feed.last_error:
        messages.warning(
            request, f"You follow {feed.display_title}, but it could not be read: {feed.last_error}"
        )
    else:
        messages.success(request, f"You follow {feed.display_title}.")
    return redirect(_back(request))


@login_required
@require_POST
def unfollow(request: HttpRequest, follow_id: int) -> HttpResponse:
    services.unfollow(follow=get_object_or_404(Follow, pk=follow_id, user=request.user))
    messages.success(request, "Unfollowed.")
    return redirect(_back(request))


@login_required
@require_POST
def mute(request: HttpRequest) -> HttpResponse:
    """Mute or unmute (action=unmute) a followed blog or feed, by the follow's id."""
    follow = get_object_or_404(Follow, pk=request.POST.get("follow", "0"), user=request.user)
    target = {"blog": follow.blog, "feed": follow.feed}
    if request.POST.get("action") == "unmute":
        services.unmute(user=request.user, **target)
        messages.success(request, f"{follow.target_name} is back in your timeline.")
    else:
        services.mute(user=request.user, **target)
        messages.success(
            request, f"{follow.target_name} is muted: hidden from your timeline, still followed."
        )
    return redirect(_back(request))


@login_required
def opml_export(request: HttpRequest) -> HttpResponse:
    follows = selectors.follows_of(request.user)
    rows = [_outline(f) for f in follows]
    response = HttpResponse(build_opml(f"{request.user.username} follows", rows), content_type="text/x-opml")
    response["Content-Disposition"] = 'attachment; filename="follows.opml"'
    return response


def _outline(follow: Follow) -> tuple[str, str, str]:
    """(xmlUrl, htmlUrl, title): a local blog is exported as its RSS feed."""
    if follow.feed_id:
        return follow.feed.url, follow.feed.site_url, follow.feed.title
    return follow.blog.absolute("/feed.xml"), f"{follow.blog.base_url}/", follow.blog.display_title


@login_required
@require_POST
def opml_import(request: HttpRequest) -> HttpResponse:
    """Follow every feed in an uploaded OPML file; new feeds are queued for polling right away."""
    upload = request.FILES.get("opml")
    if upload is None or upload.size > MAX_OPML_BYTES:
        messages.error(request, "Choose an OPML file (at most 1 MB).")
        return redirect("timeline_following")
    try:
        outlines = parse_opml(upload.read())
    except OPMLError as exc:
        messages.error(request, str(exc))
        return redirect("timeline_following")
    added = services.follow_outlines(user=request.user, outlines=outlines[:MAX_OUTLINES])
    messages.success(request, f"Imported {added} feeds; they appear as they are polled.")
    return redirect("timeline_following")
