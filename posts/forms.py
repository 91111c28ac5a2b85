"""The web composer: a form that becomes mf2 properties plus validated photos."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from posts.images import process_image
from posts.services import NewPhoto

PHOTO_SLOTS = 4


class ComposerForm(forms.Form):
    name = forms.CharField(
        label="Title",
        required=False,
        max_length=300,
        help_text="Leave empty for a note; give a title to write an article.",
    )
    content = forms.CharField(
        label="Post",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "What’s on your mind?"}),
        help_text="Markdown works: **bold**, _italic_, [links](https://…).",
    )
    categories = forms.CharField(
        label="Categories", required=False, max_length=500, help_text="Separate with commas."
    )
    in_reply_to = forms.URLField(label="In reply to", required=False, assume_scheme="https")
    like_of = forms.URLField(label="Like of", required=False, assume_scheme="https")
    repost_of = forms.URLField(label="Repost of", required=False, assume_scheme="https")
    bookmark_of = forms.URLField(label="Bookmark of", required=False, assume_scheme="https")

    def __init__(self, *args, existing_photos=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_photos = list(existing_photos)
        for photo in self.existing_photos:
            self.fields[f"alt_existing_{photo.id}"] = forms.CharField(
                label="Alt text", required=False, max_length=1500, initial=photo.alt
            )
            self.fields[f"remove_existing_{photo.id}"] = forms.BooleanField(label="Remove", required=False)
        for slot in range(1, PHOTO_SLOTS + 1):
            self.fields[f"photo_{slot}"] = forms.FileField(
                label=f"Photo {slot}",
                required=False,
                widget=forms.ClearableFileInput(
                    attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
                ),
            )
            self.fields[f"alt_{slot}"] = forms.CharField(
                label="Alt text",
                required=False,
                max_length=1500,
                help_text="Describe the photo for people who can't see it." if slot == 1 else "",
            )

    def clean(self):
        data = super().clean()
        photos = []
        for slot in range(1, PHOTO_SLOTS + 1):
            upload = data.get(f"photo_{slot}")
            if not upload:
                continue
            try:
                photos.append(NewPhoto(image=process_image(upload.read()), alt=data.get(f"alt_{slot}", "")))
            except ValidationError as error:
                self.add_error(f"photo_{slot}", error)
        data["new_photos"] = photos
        keeps_photos = any(not data.get(f"remove_existing_{p.id}") for p in self.existing_photos)
        has_link = any(data.get(f) for f in ("in_reply_to", "like_of", "repost_of", "bookmark_of"))
        if not (data.get("content", "").strip() or photos or keeps_photos or has_link or data.get("name")):
            raise ValidationError("Write something or add a photo.", code="empty")
        return data

    def photo_slots(self):
        return [(self[f"photo_{n}"], self[f"alt_{n}"]) for n in range(1, PHOTO_SLOTS + 1)]

    def existing_photo_fields(self):
        return [
            (p, self[f"alt_existing_{p.id}"], self[f"remove_existing_{p.id}"]) for p in self.existing_photos
        ]

    def to_properties(self, *, draft: bool) -> dict[str, list]:
        data = self.cleaned_data
        return {
            "name": [data["name"]] if data["name"] else [""],
            "content": [data["content"]],
            "category": [c.strip() for c in data["categories"].split(",") if c.strip()],
            "in-reply-to": [data["in_reply_to"]] if data["in_reply_to"] else [],
            "like-of": [data["like_of"]] if data["like_of"] else [],
            "repost-of": [data["repost_of"]] if data["repost_of"] else [],
            "bookmark-of": [data["bookmark_of"]] if data["bookmark_of"] else [],
            "post-status": ["draft" if draft else "published"],
        }

    def photo_changes(self) -> tuple[list[int], dict[int, str]]:
        data = self.cleaned_data
        removed = [p.id for p in self.existing_photos if data.get(f"remove_existing_{p.id}")]
        alts = {
            p.id: data.get(f"alt_existing_{p.id}", "") for p in self.existing_photos if p.id not in removed
        }
        return removed, alts


def initial_from_post(post) -> dict:
    return {
        "name": post.name,
        "content": post.content,
        "categories": ", ".join(c.name for c in post.categories.all()),
        "in_reply_to": post.in_reply_to,
        "like_of": post.like_of,
        "repost_of": post.repost_of,
        "bookmark_of": post.bookmark_of,
    }
