"""Settings → App tokens: apps with access to the blog, revoking them, personal tokens (issue 3)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from accounts.indieauth import app_tokens
from accounts.indieauth.forms import PersonalTokenForm

TEMPLATE = "accounts/settings_app_tokens.html"


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, PersonalTokenForm())


@login_required
@require_POST
@sensitive_variables("raw")
def create(request: HttpRequest) -> HttpResponse:
    """Make a personal token and show it this once: it is rendered here, never stored or redirected."""
    form = PersonalTokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    raw = app_tokens.create_personal_token(
        user=request.user, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
    )
    response = _page(request, PersonalTokenForm(), new_token=raw, new_token_name=form.cleaned_data["name"])
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of your own tokens (and the rest of its approval); anyone else's is a 404."""
    if not app_tokens.revoke_for_user(user=request.user, token_id=token_id):
        raise Http404("No such token.")
    messages.success(request, "Access revoked. The app can no longer post to your blog.")
    return redirect("settings_app_tokens")


def _page(request: HttpRequest, form: PersonalTokenForm, status: int = 200, **extra) -> HttpResponse:
    context = {"section": "tokens", "apps": app_tokens.apps_with_access(request.user), "form": form, **extra}
    return render(request, TEMPLATE, context, status=status)
