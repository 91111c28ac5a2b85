from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "timeline"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from posts.discovery import register_discovery
        from posts.signals import post_changed
        from timeline.receivers import on_post_changed

        post_changed.connect(on_post_changed, dispatch_uid="timeline.fan_out")
        register_discovery(microsub_link)


def microsub_link(blog) -> list[tuple[str, str, str]]:
    """rel=microsub on every blog page; the endpoint is on the platform, where the reader's follows are."""
    from accounts.urls_util import platform_url

    return [("microsub", platform_url("/microsub"), "")]
