"""Micropub create (https://www.w3.org/TR/micropub/#create): properties and files → create_post."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from accounts.models import Blog
from posts.micropub import files
from posts.micropub.errors import invalid_request
from posts.micropub.parse import MicropubRequest
from posts.models import Post
from posts.services import Defer, NewPhoto, create_post

SUPPORTED_TYPES = ("entry",)


def _with_alts(properties: dict[str, list], uploads: list[UploadedFile]) -> list[NewPhoto]:
    """Apply `mp-photo-alt` in the order photos are shown: uploaded files, then photo URLs.
    Returns the uploads as validated photos; a bad image is invalid_request before anything is saved."""
    alts = [str(alt) for alt in properties.pop("mp-photo-alt", [])]
    urls, url_alts = properties.get("photo", []), alts[len(uploads) :]
    for index, value in enumerate(urls):
        if index < len(url_alts) and url_alts[index] and isinstance(value, str):
            urls[index] = {"value": value, "alt": url_alts[index]}
    return [
        NewPhoto(
            image=files.image_from(files.read_upload(upload)), alt=alts[index] if index < len(alts) else ""
        )
        for index, upload in enumerate(uploads)
    ]


def _store_media(blog: Blog, properties: dict[str, list], uploads: dict, written: list[str]) -> None:
    """Save video/audio parts and add their URLs to the property, after any URLs given."""
    checked = [
        (prop, upload, files.read_upload(upload))
        for prop in ("video", "audio")
        for upload in uploads.get(prop, [])
    ]
    kinds = [files.media_from(data, prop) for prop, _, data in checked]  # validate all before saving any
    for (prop, _, data), kind in zip(checked, kinds, strict=True):
        name = files.store_media(blog, data, kind)
        written.append(name)
        properties.setdefault(prop, []).append(files.absolute_url(blog, name))


def create(blog: Blog, request: MicropubRequest, defer: Defer | None = None) -> Post:
    """Create the post, or raise invalid_request having saved nothing (`defer`: see create_post)."""
    if request.h not in SUPPORTED_TYPES:
        raise invalid_request(f"h-{request.h} is not supported here; send h-entry.")
    # Our URL is ours to give: a `url` property in a create is dropped, never stored.
    properties = {name: list(values) for name, values in request.properties.items() if name != "url"}
    if not request.files and not any(not name.startswith("mp-") for name in properties):
        raise invalid_request("Nothing to post: send content, a photo or another property.")
    photos = _with_alts(properties, request.files.get("photo", []))
    written: list[str] = []
    try:
        _store_media(blog, properties, request.files, written)
        return create_post(blog=blog, properties=properties, photos=photos, defer=defer)
    except ValidationError as error:
        files.delete_stored(written)
        raise invalid_request(" ".join(error.messages)) from error
    except Exception:
        files.delete_stored(written)
        raise
