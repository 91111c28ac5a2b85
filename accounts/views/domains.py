"""Settings → Domains: add a custom domain, verify it, remove it. Logic lives in accounts.domains."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import domains as domain_service
from accounts.models import Domain
from accounts.services import ensure_blog
from accounts.urls_util import subdomain_host


class DomainForm(forms.Form):
    name = forms.CharField(
        label="Domain",
        max_length=300,
        help_text="A domain or subdomain you own, like blog.example.com.",
        widget=forms.TextInput(
            attrs={"placeholder": "blog.example.com", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


def _own_domain(request: HttpRequest, domain_id: int) -> Domain:
    """The signed-in user's domain, or 404 (never someone else's)."""
    return get_object_or_404(Domain.objects.select_related("blog"), pk=domain_id, blog__user=request.user)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    blog = ensure_blog(user=request.user)
    form = DomainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            domain = domain_service.add_domain(blog=blog, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            messages.success(request, f"{domain.name} added. Publish one of the proofs below, then verify.")
            return redirect("settings_domains")
    listed = list(blog.domains.all())
    for domain in listed:
        domain.unicode_name = domain_service.unicode_name(domain.name)
    context = {
        "form": form,
        "section": "domains",
        "blog": blog,
        "domains": listed,
        "subdomain_host": subdomain_host(blog.subdomain),
        "well_known_path": domain_service.WELL_KNOWN_PATH,
    }
    return render(request, "accounts/settings_domains.html", context)


@login_required
@require_POST
def verify(request: HttpRequest, domain_id: int) -> HttpResponse:
    domain = domain_service.verify_domain(domain=_own_domain(request, domain_id))
    if domain.last_error and domain.is_verified:
        messages.error(request, f"{domain.name} still serves, but the check failed: {domain.last_error}")
    elif domain.last_error:
        messages.error(request, f"{domain.name} is not verified: {domain.last_error}")
    else:
        messages.success(request, f"{domain.name} is verified and now serves your blog.")
    return redirect("settings_domains")


@login_required
@require_POST
def remove(request: HttpRequest, domain_id: int) -> HttpResponse:
    domain = _own_domain(request, domain_id)
    domain_service.remove_domain(domain=domain)
    domain.blog.refresh_from_db(fields=["custom_domain"])
    messages.success(request, f"{domain.name} removed. Your blog is served at {domain.blog.host}.")
    return redirect("settings_domains")
