"""What the API returns: posts, feed entries, timeline items, follows, profiles."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from posts.models import Post
from timeline import services
from timeline.models import FeedEntry, Follow, Mute, TimelineItem


class AuthorSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.name")
    url = serializers.SerializerMethodField()
    avatar = serializers.CharField(source="user.avatar_url")

    def get_url(self, blog) -> str:
        return f"{blog.base_url}/"


class PostSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url")
    author = AuthorSerializer(source="blog")
    photos = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "url", "kind", "name", "content_html", "published", "updated", "in_reply_to",
                  "like_of", "repost_of", "bookmark_of", "photos", "categories", "author"]  # fmt: skip

    def get_photos(self, post) -> list[str]:
        return [photo.display_url for photo in post.photos.all()]

    def get_categories(self, post) -> list[str]:
        return [category.name for category in post.categories.all()]


class EntrySerializer(serializers.ModelSerializer):
    feed_title = serializers.CharField(source="feed.display_title")
    feed_url = serializers.CharField(source="feed.url")

    class Meta:
        model = FeedEntry
        fields = ["id", "url", "title", "content_html", "summary_only", "author_name", "author_url", "photos",
                  "in_reply_to", "published", "updated", "feed_title", "feed_url"]  # fmt: skip


class TimelineItemSerializer(serializers.ModelSerializer):
    type = serializers.SerializerMethodField()
    post = serializers.SerializerMethodField()
    entry = serializers.SerializerMethodField()

    class Meta:
        model = TimelineItem
        fields = ["id", "type", "published", "is_read", "post", "entry"]

    def get_type(self, item) -> str:
        return "post" if item.post_id else "entry"

    @extend_schema_field(PostSerializer(allow_null=True))
    def get_post(self, item):
        return PostSerializer(item.post).data if item.post_id else None

    @extend_schema_field(EntrySerializer(allow_null=True))
    def get_entry(self, item):
        return EntrySerializer(item.entry).data if item.entry_id else None


class FollowSerializer(serializers.ModelSerializer):
    """A follow. POST {"target": …} follows; PATCH {"muted": …} mutes or unmutes."""

    target = serializers.CharField(
        write_only=True,
        max_length=2000,
        help_text="A username, a blog URL on the platform, or a site/feed URL.",
    )
    kind = serializers.SerializerMethodField()
    name = serializers.CharField(source="target_name", read_only=True)
    url = serializers.CharField(source="target_url", read_only=True)
    feed_url = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    muted = serializers.BooleanField(required=False)

    class Meta:
        model = Follow
        fields = [
            "id",
            "target",
            "kind",
            "name",
            "url",
            "feed_url",
            "channel",
            "created_at",
            "error",
            "muted",
        ]
        read_only_fields = ["channel", "created_at"]

    def get_kind(self, follow) -> str:
        return "user" if follow.blog_id else "feed"

    def get_feed_url(self, follow) -> str:
        return follow.feed.url if follow.feed_id else follow.blog.absolute("/feed.xml")

    def get_error(self, follow) -> str:
        return follow.feed.last_error if follow.feed_id else ""

    def to_representation(self, follow):
        data = super().to_representation(follow)
        data["muted"] = Mute.objects.filter(
            user_id=follow.user_id, blog=follow.blog, feed=follow.feed
        ).exists()
        return data

    def create(self, validated_data):
        from timeline.api.follow import follow_target

        return follow_target(validated_data["user"], validated_data["target"])

    def update(self, follow, validated_data):
        if "muted" in validated_data:
            target = {"blog": follow.blog, "feed": follow.feed}
            if validated_data["muted"]:
                services.mute(user=follow.user, **target)
            else:
                services.unmute(user=follow.user, **target)
        return follow


class ProfileSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    bio = serializers.CharField()
    avatar = serializers.CharField(source="avatar_url")
    url = serializers.SerializerMethodField()

    def get_url(self, user) -> str:
        return f"{user.blog.base_url}/"


class ThreadPostSerializer(PostSerializer):
    depth = serializers.IntegerField(help_text="0 for the post itself, 1 for replies to it, …")

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "depth"]
