"""Webmention rows in the admin, for operators looking into a delivery or a spam wave."""

from django.contrib import admin

from webmention.models import BlockedDomain, Outgoing, Preferences, Received


@admin.register(Received)
class ReceivedAdmin(admin.ModelAdmin):
    list_display = ["source", "target", "state", "kind", "author_name", "received_at"]
    list_filter = ["state", "kind"]
    search_fields = ["source", "target", "source_host", "author_name"]
    raw_id_fields = ["blog", "post"]


@admin.register(Outgoing)
class OutgoingAdmin(admin.ModelAdmin):
    list_display = ["target", "state", "status_code", "endpoint", "attempts", "updated_at"]
    list_filter = ["state"]
    search_fields = ["target", "endpoint"]
    raw_id_fields = ["post"]


admin.site.register(BlockedDomain)
admin.site.register(Preferences)
