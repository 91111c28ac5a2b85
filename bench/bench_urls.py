"""The platform's URLs plus scenario 1's reference: the timeline page rendering 20 fixed items."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from microhost.urls_platform import urlpatterns as platform_urlpatterns

_FIXED: list = []


@login_required
def fixed_timeline(request: HttpRequest) -> HttpResponse:
    """Same template, login and middleware as /timeline/, but 20 items loaded once per process."""
    if not _FIXED:
        from timeline import selectors

        _FIXED.extend(selectors.timeline_page(request.user)[0])
    context = {"items": _FIXED, "next_cursor": "", "section": "timeline"}
    return render(request, "timeline/home.html", context)


urlpatterns = [path("bench/reference/timeline/", fixed_timeline), *platform_urlpatterns]
