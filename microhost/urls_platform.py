"""URLs served on the platform host (MICROHOST_DOMAIN): accounts, composer, settings, admin."""

from django.contrib import admin
from django.urls import include, path

from accounts.views import settings as settings_views
from microhost import views as platform_views
from posts.views import compose

urlpatterns = [
    path("", platform_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("posts/", compose.dashboard, name="dashboard"),
    path("posts/new/", compose.new_post, name="compose"),
    path("posts/<int:post_id>/edit/", compose.edit_post, name="edit_post"),
    path("posts/<int:post_id>/delete/", compose.delete_post, name="delete_post"),
    path("posts/<int:post_id>/undelete/", compose.undelete_post, name="undelete_post"),
    path("settings/", settings_views.profile, name="settings_profile"),
    path("settings/blog/", settings_views.blog, name="settings_blog"),
    path("", include("accounts.urls_indieauth")),
    path("", include("accounts.urls")),
    path("", include("webmention.urls_platform")),
    path("", include("timeline.urls_platform")),
    path("", include("syndication.urls_platform")),
]
