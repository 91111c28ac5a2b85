"""webmention URLs on blog hosts: the endpoint every blog page advertises, and status pages."""

from django.urls import path

from webmention.views import endpoint

urlpatterns = [
    path("webmention", endpoint.receive, name="webmention_endpoint"),
    path("webmention/status/<uuid:token>", endpoint.status, name="webmention_status"),
]
