"""Platform URLs owned by accounts: Settings → Domains and the TLS ask endpoint."""

from django.urls import path

from accounts.views import domains, tls

urlpatterns = [
    path("settings/domains/", domains.index, name="settings_domains"),
    path("settings/domains/<int:domain_id>/verify/", domains.verify, name="domain_verify"),
    path("settings/domains/<int:domain_id>/remove/", domains.remove, name="domain_remove"),
    # Host-independent: HostRoutingMiddleware lets /internal/ through on any Host.
    path("internal/tls-ask", tls.ask, name="tls_ask"),
]
