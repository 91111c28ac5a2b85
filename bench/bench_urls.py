"""The platform's URLs plus the suite's references: scenario 1's timeline page rendering 20 fixed items,
scenario 6's POST inserting one row, scenario 7's no-op POST."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

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


@csrf_exempt
@require_POST
def insert_one_post(request: HttpRequest) -> HttpResponse:
    """Scenario 6's reference: a POST through the middleware stack inserting one draft Post row into the
    blog whose id is posted (no auth, no parsing beyond the form, no receivers), answered 201."""
    from posts.models import Post

    Post.objects.create(
        blog_id=int(request.POST["blog"]), content=request.POST.get("content", ""), status="draft"
    )
    return HttpResponse(status=201)


urlpatterns = [
    path("bench/reference/timeline/", fixed_timeline),
    path("bench/reference/post/", insert_one_post),
    *platform_urlpatterns,
]


@csrf_exempt
def noop_post(request: HttpRequest) -> HttpResponse:
    """Scenario 7's reference: a POST through the same server and middleware that does nothing (202)."""
    return HttpResponse("Accepted\n", status=202, content_type="text/plain")


urlpatterns = [path("bench/reference/noop-post/", noop_post), *urlpatterns]
