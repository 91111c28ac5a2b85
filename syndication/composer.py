"""The composer's side of syndication: its checkboxes become `mp-syndicate-to` (so create_post stores
Post.syndicate_to, exactly like Micropub), and the owner's text per copy lands on the copy's row."""

from __future__ import annotations

from django.http import QueryDict
from django.utils import timezone

from syndication.connectors import CONNECTORS
from syndication.models import Syndication
from syndication.services.planning import chosen, may_copy, plan_one

NONE = "none"  # the uid that chooses no copies (an empty list would mean "the defaults")


def choice_properties(data: QueryDict) -> dict[str, list]:
    """{"mp-syndicate-to": [...]} when the form showed the checkboxes, else nothing."""
    if not data.get("syndication_form"):
        return {}
    return {"mp-syndicate-to": data.getlist("syndicate_to") or [NONE]}


def save_copy_texts(*, post, data: QueryDict) -> None:
    """Store each copy's own text; a changed text on a sent copy is an edit where the silo allows.

    The copy's row may not exist yet (post_changed runs on commit, maybe after this): it is made
    here the same way planning makes it, and planning then finds it."""
    S = Syndication.State
    if may_copy(post):
        for connection in chosen(post):
            if data.get(f"copy_text_{connection.pk}", "").strip():
                plan_one(post, connection)
    for row in Syndication.objects.filter(post=post).select_related("connection"):
        key = f"copy_text_{row.connection_id}"
        if key not in data or data[key].strip() == row.text:
            continue
        row.text = data[key].strip()
        if row.state == S.DONE and CONNECTORS[row.connection.silo].CAN_UPDATE:
            row.state, row.attempts, row.next_attempt_at = S.UPDATING, 0, timezone.now()
        row.save(update_fields=["text", "state", "attempts", "next_attempt_at", "updated_at"])
