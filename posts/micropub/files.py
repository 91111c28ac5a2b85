"""Uploaded files: images go through process_image like composer photos; video and audio are
recognised by their first bytes (never by the client's name or type) and stored as they are.

Everything is stored under photos/<blog id>/<random UUID>.<our extension>, which the blog host
serves with the type of that extension and nosniff, so the URL is unguessable (Micropub §3.6.4: SHOULD)
and no upload can come back as HTML or SVG.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile

from accounts.models import Blog
from posts.images import ProcessedImage, process_image
from posts.micropub.errors import invalid_request
from posts.models import absolute_media


@dataclass(frozen=True)
class MediaKind:
    extension: str
    content_type: str
    kind: str  # "video" or "audio"


def sniff_media(head: bytes) -> MediaKind | None:
    """The video/audio container these leading bytes announce, or None."""
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return MediaKind("mov", "video/quicktime", "video")
        if brand in (b"M4A ", b"M4B "):
            return MediaKind("m4a", "audio/mp4", "audio")
        return MediaKind("mp4", "video/mp4", "video")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return MediaKind("webm", "video/webm", "video")
    if head.startswith(b"OggS"):
        return MediaKind("ogg", "audio/ogg", "audio")
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return MediaKind("wav", "audio/wav", "audio")
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return MediaKind("mp3", "audio/mpeg", "audio")
    return None


def read_upload(upload: UploadedFile) -> bytes:
    """The file's bytes, refusing anything over the upload limit before reading it all."""
    if upload.size is not None and upload.size > settings.MICROHOST_MAX_UPLOAD_BYTES:
        limit = settings.MICROHOST_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise invalid_request(f"{upload.name or 'That file'} is larger than {limit} MB.", status=413)
    return upload.read()


def image_from(data: bytes) -> ProcessedImage:
    """process_image with its readable message as a Micropub invalid_request."""
    try:
        return process_image(data)
    except ValidationError as error:
        raise invalid_request(" ".join(error.messages)) from error


def media_from(data: bytes, expected: str = "") -> MediaKind:
    """The kind of a video/audio upload; `expected` ("video"/"audio") must match when given."""
    found = sniff_media(data[:16])
    if found is None or (expected and found.kind != expected):
        wanted = expected or "video or audio"
        raise invalid_request(
            f"That file is not {wanted} we can serve (use MP4, WebM, MOV, MP3, M4A, Ogg or WAV)."
        )
    return found


def store_media(blog: Blog, data: bytes, media: MediaKind) -> str:
    """Save a video/audio file; returns its storage name."""
    name = f"photos/{blog.pk}/{uuid.uuid4().hex}.{media.extension}"
    return default_storage.save(name, ContentFile(data))


def absolute_url(blog: Blog, name: str) -> str:
    return absolute_media(blog, default_storage.url(name))


def delete_stored(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
