"""The Micropub and media endpoints on each blog host. Thin: parse, authorise, call, answer."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.encoding import iri_to_uri
from django.views.decorators.csrf import csrf_exempt

from microhost.after_answer import AfterAnswer, RunsAfterAnswer
from posts.micropub import auth, create, media, queries, update
from posts.micropub.errors import MicropubError, invalid_request
from posts.micropub.parse import MicropubRequest, form_data, parse

# Browser-based clients call from their own origin with a bearer token (never cookies), so any
# origin may; Location must be readable to them.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Expose-Headers": "Location, Link",
}
# The scope each action needs (indieweb.org/scope); media also accepts create.
ACTION_SCOPES = {"create": "create", "update": "update", "delete": "delete", "undelete": "undelete"}


class Created(RunsAfterAnswer, JsonResponse):
    """201 with Location; Unicode slugs are percent-encoded (a header must be an ASCII URI). `after`
    runs once the answer is out (microhost/after_answer.py)."""

    def __init__(self, url: str, after: AfterAnswer | None = None) -> None:
        uri = iri_to_uri(url)
        super().__init__({"url": uri}, status=201, after=after)
        self["Location"] = uri


def _act(request: HttpRequest, parsed: MicropubRequest) -> HttpResponse:
    blog = request.blog
    if parsed.action == "create":
        after = AfterAnswer()
        return Created(create.create(blog, parsed, defer=after).get_absolute_url(), after)
    if parsed.action == "update":
        if not parsed.body:
            raise invalid_request("Send updates as JSON (Micropub §3.4).")
        post, moved = update.update(blog, parsed.url, parsed.body)
        return Created(post.get_absolute_url()) if moved else HttpResponse(status=204)
    if parsed.action == "delete":
        update.delete(blog, parsed.url)
    else:
        update.undelete(blog, parsed.url)
    return HttpResponse(status=204)


def _handle(request: HttpRequest, run: Callable[[], HttpResponse]) -> HttpResponse:
    """Answer errors as the spec names them, and add CORS headers to everything."""
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
    else:
        try:
            response = run()
        except MicropubError as error:
            response = error.response()
    for name, value in CORS_HEADERS.items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def _micropub(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        auth.within_budget(auth.caller(request), "MICROHOST_RATE_MICROPUB")
        return JsonResponse(queries.answer(request.blog, request.GET))
    if request.method != "POST":
        raise MicropubError("invalid_request", "Use GET for queries and POST for changes.", status=405)
    parsed = parse(request)
    token = auth.caller(request, parsed.form_tokens)
    auth.within_budget(token, "MICROHOST_RATE_MICROPUB")
    if parsed.action not in ACTION_SCOPES:
        raise invalid_request(f"Unknown action {parsed.action!r}; use create, update, delete or undelete.")
    auth.require_scope(token, ACTION_SCOPES[parsed.action])
    return _act(request, parsed)


def _media(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        auth.caller(request)
        return JsonResponse(media.query(request.blog, request.GET))
    if request.method != "POST":
        raise MicropubError("invalid_request", "Use POST to upload.", status=405)
    if (request.content_type or "").lower() != "multipart/form-data":
        raise invalid_request("Upload with multipart/form-data and a part named file.")
    fields, uploads = form_data(request)
    token = auth.caller(request, fields.getlist("access_token"))
    auth.require_scope(token, *auth.MEDIA_SCOPES)
    auth.within_budget(token, "MICROHOST_RATE_MEDIA")
    return Created(media.upload(request.blog, uploads.get("file", [])))


@csrf_exempt
def micropub(request: HttpRequest) -> HttpResponse:
    return _handle(request, lambda: _micropub(request))


@csrf_exempt
def media_endpoint(request: HttpRequest) -> HttpResponse:
    return _handle(request, lambda: _media(request))
