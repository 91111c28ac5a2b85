"""The WebSub callback (w3.org/TR/websub §5.3 verification, §7 content distribution), on the platform."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt

from timeline import websub
from timeline.ingest import ingest
from timeline.models import Feed
from timeline.parsers import ParseError

MAX_PUSH_BYTES = 2 * 1024 * 1024


@csrf_exempt
def callback(request: HttpRequest, feed_id: int) -> HttpResponse:
    feed = get_object_or_404(Feed, pk=feed_id)
    if request.method == "GET":
        challenge = websub.verify_intent(feed, request.GET.dict())
        if challenge is None:
            return HttpResponse(status=404)
        return HttpResponse(challenge, content_type="text/plain")
    if request.method != "POST":
        return HttpResponse(status=405)
    return _push(request, feed)


def _push(request: HttpRequest, feed: Feed) -> HttpResponse:
    """A signed push is ingested like a poll's body; an unsigned or wrongly signed one is ignored (§7)."""
    body = request.body[: MAX_PUSH_BYTES + 1]
    if len(body) > MAX_PUSH_BYTES or not websub.signature_ok(
        feed, body, request.headers.get("X-Hub-Signature", "")
    ):
        return HttpResponse(status=202)  # §7: acknowledge but do not accept the content
    try:
        with transaction.atomic():
            ingest(feed, body, content_type=request.headers.get("Content-Type", ""))
            feed.save()
    except ParseError:
        pass
    return HttpResponse(status=202)
