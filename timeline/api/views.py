"""JSON API views: thin, reading through selectors and changing things through services."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.openapi import AutoSchema
from rest_framework import generics
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny

from accounts.models import User
from posts.models import Post
from timeline import fanout, selectors, services
from timeline.api.auth import BearerTokenAuthentication, HasScope
from timeline.api.serializers import (
    FollowSerializer,
    PostSerializer,
    ProfileSerializer,
    ThreadPostSerializer,
    TimelineItemSerializer,
)
from timeline.models import TimelineItem


class NewestFirst(CursorPagination):
    """Opaque cursors over (published, id): stable when new items arrive."""

    ordering = ("-published", "-id")
    page_size = 20


class FollowPages(NewestFirst):
    ordering = ("-created_at", "-id")


class Base:
    """Token auth, scope checks and drf-spectacular schemas for every API view."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [HasScope]
    schema = AutoSchema()
    scopes = {"GET": "read"}


class Public(Base):
    permission_classes = [AllowAny]


class TimelineView(Base, generics.ListAPIView):
    """The caller's home timeline (own posts, followed users and feeds), newest first."""

    serializer_class = TimelineItemSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        user = self.request.user
        fanout.touch(user)
        blogs, feeds = selectors.muted_ids(user)
        return (
            TimelineItem.objects.filter(user=user)
            .exclude(blog_id__in=blogs)
            .exclude(feed_id__in=feeds)
            .select_related("entry__feed")
            .prefetch_related(Prefetch("post", queryset=Post.objects.with_relations()))
        )


class MentionsView(Base, generics.ListAPIView):
    """Posts on the platform replying to, liking or linking to the caller."""

    serializer_class = PostSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.mentions_query(self.request.user).with_relations()


class DiscoverView(Public, generics.ListAPIView):
    """Recent public posts from across the platform."""

    serializer_class = PostSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return Post.objects.listed().with_relations()


class UserPostsView(Public, generics.ListAPIView):
    """A user's public posts, newest first."""

    serializer_class = PostSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        user = get_object_or_404(User, username__iexact=self.kwargs["username"], is_active=True)
        return Post.objects.listed().filter(blog__user=user).with_relations()


class ProfileView(Public, generics.RetrieveAPIView):
    """A user's profile."""

    serializer_class = ProfileSerializer

    def get_object(self):
        users = User.objects.select_related("blog").filter(is_active=True)
        return get_object_or_404(users, username__iexact=self.kwargs["username"])


class ConversationView(Base, generics.ListAPIView):
    """A public post and its replies on the platform, in thread order, each with its depth."""

    serializer_class = ThreadPostSerializer
    pagination_class = None

    def get_queryset(self):
        post = get_object_or_404(Post.objects.listed().with_relations(), pk=self.kwargs["post_id"])
        thread = []
        for depth, node in selectors.conversation(post):
            if isinstance(node, Post):
                node.depth = depth
                thread.append(node)
        return thread


class FollowsView(Base, generics.ListCreateAPIView):
    """List follows (scope read) or follow a username / blog URL / site or feed URL (scope follow)."""

    serializer_class = FollowSerializer
    pagination_class = FollowPages
    scopes = {"GET": "read", "POST": "follow"}

    def get_queryset(self):
        return selectors.follows_of(self.request.user)

    def perform_create(self, serializer):
        serializer.save(user=self.request.user)


class FollowView(Base, generics.RetrieveUpdateDestroyAPIView):
    """One follow: PATCH {"muted": true} mutes it (scope mute), DELETE unfollows (scope follow)."""

    serializer_class = FollowSerializer
    scopes = {"GET": "read", "PATCH": "mute", "PUT": "mute", "DELETE": "follow"}

    def get_queryset(self):
        return selectors.follows_of(self.request.user)

    def perform_destroy(self, instance):
        services.unfollow(follow=instance)
