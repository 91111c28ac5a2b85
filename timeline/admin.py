from django.contrib import admin

from timeline.models import FeaturedPost, Feed, ImportSource


@admin.register(FeaturedPost)
class FeaturedPostAdmin(admin.ModelAdmin):
    """Operators feature posts on Discover here."""

    list_display = ("post", "featured_at", "note")
    raw_id_fields = ("post",)


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ("url", "title", "state", "error_count", "next_poll_at", "interval")
    list_filter = ("state", "format")
    search_fields = ("url", "title")
    readonly_fields = ("websub_secret",)


@admin.register(ImportSource)
class ImportSourceAdmin(admin.ModelAdmin):
    list_display = ("blog", "feed", "added_at", "first_import_at")
    raw_id_fields = ("blog", "feed")
