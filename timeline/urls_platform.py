"""timeline URLs on the platform host."""

from django.urls import include, path

import timeline.converters  # noqa: F401 - registers the <id:…> converter
from timeline.microsub import views as microsub
from timeline.views import follow, home, imports, websub

urlpatterns = [
    path("timeline/", home.timeline, name="timeline"),
    path("timeline/follow/", follow.follow, name="timeline_follow"),
    path("timeline/following/", follow.following, name="timeline_following"),
    path("timeline/following/<id:follow_id>/unfollow/", follow.unfollow, name="timeline_unfollow"),
    path("timeline/mute/", follow.mute, name="timeline_mute"),
    path("timeline/like/", home.like, name="timeline_like"),
    path("timeline/follows.opml", follow.opml_export, name="timeline_opml_export"),
    path("timeline/opml/import/", follow.opml_import, name="timeline_opml_import"),
    path("timeline/mentions/", home.mentions, name="timeline_mentions"),
    path("discover/", home.discover, name="timeline_discover"),
    path("conversation/<id:post_id>/", home.conversation, name="timeline_conversation"),
    path("people/<str:username>/", home.person, name="timeline_person"),
    path("settings/import/", imports.settings_import, name="timeline_settings_import"),
    path("settings/import/<id:source_id>/remove/", imports.remove_import, name="timeline_remove_import"),
    path("websub/<id:feed_id>/", websub.callback, name="timeline_websub"),
    path("microsub", microsub.endpoint, name="timeline_microsub"),
    path("", include("timeline.api.urls")),
]
