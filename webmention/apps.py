from django.apps import AppConfig


def webmention_links(blog) -> list[tuple[str, str, str]]:
    """rel=webmention on every blog page, as a Link header and a <link> (Webmention §3.1.2)."""
    return [("webmention", blog.absolute("/webmention"), "")]


def send_on_change(sender, post, action: str, **kwargs) -> None:
    """posts.signals.post_changed (sent after commit): queue the sending job for this post, unless it
    links nowhere and never did (most notes: no job, no worker time)."""
    from webmention.send import enqueue_post, has_anything_to_send

    if has_anything_to_send(post, created=action == "created"):
        enqueue_post(post.pk)


class WebmentionConfig(AppConfig):
    name = "webmention"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from posts.discovery import register_discovery
        from posts.signals import post_changed
        from timeline.selectors import register_conversation, register_mentions
        from webmention.timeline_hooks import mentions_for_user, replies_for_post

        register_discovery(webmention_links)
        register_mentions(mentions_for_user)
        register_conversation(replies_for_post)
        post_changed.connect(send_on_change, dispatch_uid="webmention.send_on_change")
