"""The IndieAuth server metadata document (IndieAuth §4.1.1, RFC 8414)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from accounts.indieauth.metadata import server_metadata


@require_GET
def metadata(request: HttpRequest) -> JsonResponse:
    """Public and the same for every user: caches may keep it a few minutes."""
    return JsonResponse(server_metadata(), headers={"Cache-Control": "public, max-age=300"})
