"""Settings → Import: the feed of a blog the user hosts elsewhere, imported as their posts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.services import ensure_blog
from microhost.fetch import FetchError
from timeline import imports, services
from timeline.discovery import DiscoveryError, discover
from timeline.models import ImportSource
from timeline.polling import poll_feed


@login_required
def settings_import(request: HttpRequest) -> HttpResponse:
    blog = ensure_blog(user=request.user)
    if request.method == "POST":
        return _add(request, blog, request.POST.get("url", "").strip())
    sources = ImportSource.objects.filter(blog=blog).select_related("feed")
    return render(request, "timeline/settings_import.html", {"sources": sources, "section": "import"})


def _add(request: HttpRequest, blog, url: str) -> HttpResponse:
    """Discover the feed (the first one when a site offers several), add it, import at once."""
    url = url if "://" in url else f"https://{url}"
    try:
        candidate = discover(url)[0]
        feed = services.feed_for_url(candidate.url)
    except (DiscoveryError, FetchError) as exc:
        messages.error(request, str(exc))
        return redirect("timeline_settings_import")
    source = imports.add_import_source(blog=blog, feed=feed)
    if feed.last_polled_at is None:
        poll_feed(feed.pk)
    count = source.imported.count()
    messages.success(
        request, f"Importing {feed.display_title}: {count} posts so far; old ones are never cross-posted."
    )
    return redirect("timeline_settings_import")


@login_required
@require_POST
def remove_import(request: HttpRequest, source_id: int) -> HttpResponse:
    source = get_object_or_404(ImportSource, pk=source_id, blog__user=request.user)
    imports.remove_import_source(source=source)
    messages.success(request, "Import stopped; the posts already imported stay on your blog.")
    return redirect("timeline_settings_import")
