"""/api/v1/ on the platform host."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

import timeline.converters  # noqa: F401 - registers the <id:…> converter
from timeline.api import views

urlpatterns = [
    path("api/v1/timeline/", views.TimelineView.as_view(), name="api_timeline"),
    path("api/v1/mentions/", views.MentionsView.as_view(), name="api_mentions"),
    path("api/v1/discover/", views.DiscoverView.as_view(), name="api_discover"),
    path("api/v1/conversation/<id:post_id>/", views.ConversationView.as_view(), name="api_conversation"),
    path("api/v1/follows/", views.FollowsView.as_view(), name="api_follows"),
    path("api/v1/follows/<id:pk>/", views.FollowView.as_view(), name="api_follow"),
    path("api/v1/users/<str:username>/", views.ProfileView.as_view(), name="api_profile"),
    path("api/v1/users/<str:username>/posts/", views.UserPostsView.as_view(), name="api_user_posts"),
]
urlpatterns.append(
    path(
        "api/v1/schema/",
        SpectacularAPIView.as_view(
            urlconf=list(urlpatterns), custom_settings={"TITLE": "microhost API", "VERSION": "1"}
        ),
        name="api_schema",
    )
)
