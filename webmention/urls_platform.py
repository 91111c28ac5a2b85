"""webmention URLs on the platform host: the owner's mentions, settings and resend button."""

from django.urls import path

from webmention.views import platform

urlpatterns = [
    path("mentions/", platform.mentions, name="webmention_mentions"),
    path("mentions/<int:mention_id>/approve/", platform.approve, name="webmention_approve"),
    path("mentions/<int:mention_id>/delete/", platform.delete, name="webmention_delete"),
    path("mentions/<int:mention_id>/block/", platform.block, name="webmention_block"),
    path("settings/webmentions/", platform.settings_page, name="settings_webmentions"),
    path("settings/webmentions/block/", platform.block_domain, name="settings_webmentions_block"),
    path(
        "settings/webmentions/unblock/<int:domain_id>/",
        platform.unblock_domain,
        name="settings_webmentions_unblock",
    ),
    path("posts/<int:post_id>/webmentions/resend/", platform.resend, name="webmention_resend"),
]
