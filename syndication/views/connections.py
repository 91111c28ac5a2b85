"""Settings → Connections: the list, on-by-default, Tumblr blog choice, disconnect, retrying a copy."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from syndication.connectors import CONNECTORS
from syndication.models import Connection, Syndication
from syndication.services import connections as service
from syndication.services.dispatch import kick

S = Syndication.State


def _own(request: HttpRequest, connection_id: int) -> Connection:
    return get_object_or_404(Connection, pk=connection_id, user=request.user)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    connections = list(Connection.objects.filter(user=request.user))
    soon = timezone.now() + timedelta(days=7)
    for connection in connections:
        connection.note = CONNECTORS[connection.silo].NOTE
        connection.expiring = bool(
            connection.expires_at and connection.silo == "linkedin" and connection.expires_at <= soon
        )
    context = {
        "section": "connections",
        "connections": connections,
        "broken": [c for c in connections if c.needs_reauth],
        "silos": CONNECTORS,
    }
    return render(request, "syndication/connections.html", context)


@login_required
@require_POST
def toggle_default(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = _own(request, connection_id)
    connection.on_by_default = request.POST.get("on_by_default") == "1"
    connection.save(update_fields=["on_by_default"])
    return redirect("syndication_connections")


@login_required
@require_POST
def choose_blog(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Tumblr: which of the user's blogs receives copies."""
    connection = _own(request, connection_id)
    names = {blog["name"]: blog for blog in connection.options.get("blogs", [])}
    chosen = names.get(request.POST.get("blog", ""))
    if chosen:
        connection.options = {**connection.options, "blog": chosen["name"]}
        connection.account_name, connection.account_url = chosen["name"], chosen.get("url", "")
        connection.save(update_fields=["options", "account_name", "account_url"])
    return redirect("syndication_connections")


@login_required
@require_POST
def disconnect(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = _own(request, connection_id)
    label = str(connection)
    revoked = service.disconnect(connection=connection)
    note = " and its access revoked" if revoked else ""
    messages.success(request, f"Disconnected {label}: credentials deleted{note}.")
    return redirect("syndication_connections")


@login_required
@require_POST
def retry(request: HttpRequest, syndication_id: int) -> HttpResponse:
    """Retry a failed or unknown copy now (an unknown one: the owner checked the silo)."""
    row = get_object_or_404(Syndication, pk=syndication_id, user=request.user)
    if row.state in (S.FAILED, S.UNKNOWN):
        row.state = S.PENDING if not row.remote_id else S.UPDATING
        row.attempts, row.next_attempt_at, row.sending_started_at = 0, timezone.now(), None
        row.save(update_fields=["state", "attempts", "next_attempt_at", "sending_started_at", "updated_at"])
        kick(request.user.pk)
        messages.success(request, f"Retrying the copy on {row.connection}.")
    return redirect("edit_post", post_id=row.post_id)
