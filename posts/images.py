"""Photo uploads: verify with Pillow, drop metadata (EXIF location), store sized variants."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

# Raster formats we accept; everything is re-encoded, so no SVG/HTML can ever be served back.
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
VARIANT_WIDTHS = (640, 1280)


@dataclass
class ProcessedImage:
    """An upload turned into clean files, not yet saved."""

    extension: str
    content_type: str
    width: int
    height: int
    original: bytes
    variants: dict[int, bytes] = field(default_factory=dict)


def _open_verified(data: bytes) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = settings.MICROHOST_MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        if isinstance(error, Image.DecompressionBombError):
            raise ValidationError("That image has too many pixels.", code="too_many_pixels") from error
        raise ValidationError(
            "That file is not an image we can read (use JPEG, PNG, GIF or WebP).", code="not_an_image"
        ) from error
    if image.format not in ACCEPTED_FORMATS:
        raise ValidationError("Use a JPEG, PNG, GIF or WebP image.", code="format")
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    """Save without any metadata: no EXIF (so no GPS), no XMP, no comments."""
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "GIF":
        image.save(out, "GIF", save_all=getattr(image, "is_animated", False))
    else:
        image.save(out, fmt)
    return out.getvalue()


def process_image(data: bytes) -> ProcessedImage:
    """Validate an upload and produce the stored original plus smaller variants."""
    if len(data) > settings.MICROHOST_MAX_UPLOAD_BYTES:
        limit = settings.MICROHOST_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise ValidationError(f"That image is larger than {limit} MB.", code="too_large")
    image = _open_verified(data)
    fmt = image.format
    animated = getattr(image, "is_animated", False)
    if not animated:
        image = ImageOps.exif_transpose(image)
    processed = ProcessedImage(
        extension=ACCEPTED_FORMATS[fmt],
        content_type=Image.MIME[fmt],
        width=image.width,
        height=image.height,
        original=_encode(image, fmt),
    )
    if not animated:
        for width in VARIANT_WIDTHS:
            if image.width > width:
                copy = image.copy()
                copy.thumbnail((width, width * 10))
                processed.variants[width] = _encode(copy, fmt)
    return processed


def save_processed(processed: ProcessedImage, *, blog_id: int, storage) -> tuple[str, dict[str, str]]:
    """Write the files under photos/<blog>/ and return (original name, {width: name})."""
    stem = f"photos/{blog_id}/{uuid.uuid4().hex}"
    name = storage.save(f"{stem}.{processed.extension}", ContentFile(processed.original))
    variants = {
        str(width): storage.save(f"{stem}-{width}.{processed.extension}", ContentFile(data))
        for width, data in processed.variants.items()
    }
    return name, variants
