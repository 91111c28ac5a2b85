"""Serves a blog's own uploaded files on its host when media lives on the local disk."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest
from django.views.static import serve


def blog_media(request: HttpRequest, path: str):
    """Only files under this blog's own folders: photos/<blog id>/ and avatars/<user id>/."""
    blog = request.blog
    if not (path.startswith(f"photos/{blog.pk}/") or path.startswith(f"avatars/{blog.user_id}/")):
        raise Http404("No such file")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Disposition"] = "inline"
    return response
