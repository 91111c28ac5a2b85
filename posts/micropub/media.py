"""The media endpoint (https://www.w3.org/TR/micropub/#media-endpoint): one multipart part named
`file` in, 201 with the file's URL out. Uploads are Photo rows without a post until a Micropub
create names their URL (services attach them then), and q=last finds the newest.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import QueryDict

from accounts.models import Blog
from posts.images import save_processed
from posts.micropub import files
from posts.micropub.errors import invalid_request
from posts.models import Photo


def _image_row(blog: Blog, data: bytes) -> Photo:
    image = files.image_from(data)
    name, variants = save_processed(image, blog_id=blog.pk, storage=default_storage)
    try:
        return Photo.objects.create(
            blog=blog,
            file=name,
            width=image.width,
            height=image.height,
            content_type=image.content_type,
            variants=variants,
        )
    except Exception:
        files.delete_stored([name, *variants.values()])
        raise


def _media_row(blog: Blog, data: bytes) -> Photo:
    """Video and audio are recorded too, so q=last can answer with them."""
    kind = files.media_from(data)
    name = files.store_media(blog, data, kind)
    try:
        return Photo.objects.create(blog=blog, file=name, content_type=kind.content_type)
    except Exception:
        files.delete_stored([name])
        raise


def upload(blog: Blog, uploads: list[UploadedFile]) -> str:
    """Validate and store the one `file` part; returns its absolute URL."""
    if len(uploads) != 1:
        raise invalid_request("Send exactly one file, in a multipart part named file.")
    data = files.read_upload(uploads[0])
    is_image = files.sniff_media(data[:16]) is None
    with transaction.atomic():
        photo = _image_row(blog, data) if is_image else _media_row(blog, data)
    photo.blog = blog
    return photo.url


def query(blog: Blog, params: QueryDict) -> dict:
    """q=last: the newest upload's URL ({} when there is none), as Quill and others ask."""
    if params.get("q") != "last":
        raise invalid_request("The media endpoint answers q=last.")
    photo = Photo.objects.filter(blog=blog).exclude(file="").order_by("-created_at", "-id").first()
    if photo is None:
        return {}
    photo.blog = blog
    return {"url": photo.url}
