"""The Webmention endpoint on every blog host (https://www.w3.org/TR/webmention/#receiving-webmentions)."""

from __future__ import annotations

from functools import partial

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from microhost.after_answer import AfterAnswer, RunsAfterAnswer
from webmention.models import Received
from webmention.receive import Refused, accept_webmention, enqueue_verification

ABOUT = "This is the Webmention endpoint of this blog. POST source and target (form-encoded) to it.\n"


class Accepted(RunsAfterAnswer, HttpResponse):
    """202, with the verification queued once the answer is out (microhost/after_answer.py), so the
    sender does not wait for the broker. The row is stored pending first, so a job lost in between (a
    worker killed) is the beat sweep's to queue."""

    def __init__(self, after: AfterAnswer) -> None:
        super().__init__(
            "Accepted: the source will be verified shortly.\n",
            status=202,
            content_type="text/plain",
            after=after,
        )


@csrf_exempt  # anonymous cross-site POSTs by design; blog hosts never honour sessions (§4.4)
@require_http_methods(["GET", "HEAD", "POST"])
def receive(request: HttpRequest) -> HttpResponse:
    """202 with a status URL once stored; 400 with a plain reason (nothing stored) otherwise."""
    if request.method != "POST":
        return HttpResponse(ABOUT, content_type="text/plain; charset=utf-8")
    blog, after = request.blog, AfterAnswer()
    try:
        row = accept_webmention(
            blog=blog,
            source=request.POST.get("source", ""),
            target=request.POST.get("target", ""),
            queue=lambda row_id: after(partial(enqueue_verification, row_id)),
        )
    except Refused as refused:
        response = HttpResponse(refused.reason + "\n", status=refused.status, content_type="text/plain")
        if refused.retry_after is not None:
            response["Retry-After"] = str(refused.retry_after)
        return response
    response = Accepted(after)
    if row is not None:  # a blocked domain is dropped quietly: same answer, no status page
        response["Location"] = blog.absolute(row.status_path)
    return response


@require_GET
def status(request: HttpRequest, token) -> JsonResponse:
    """What became of a webmention: pending, accepted, rejected or deleted (held reads as pending)."""
    row = Received.objects.filter(blog=request.blog, token=token).first()
    if row is None:
        raise Http404("No such webmention.")
    state = Received.State.PENDING if row.state == Received.State.HELD else row.state
    body = {"status": state, "source": row.source, "target": row.target}
    if row.state == Received.State.HELD:
        body["moderation"] = "waiting for the blog owner's approval"
    if row.state in (Received.State.REJECTED, Received.State.DELETED) and row.error:
        body["reason"] = row.error
    return JsonResponse(body)
