from django.apps import AppConfig


def micropub_links(blog) -> list[tuple[str, str, str]]:
    """rel=micropub on every blog page (Micropub §5.3); the media endpoint is announced in q=config."""
    return [("micropub", blog.absolute("/micropub"), "")]


class PostsConfig(AppConfig):
    name = "posts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from posts.discovery import register_discovery
        from posts.signals import connect_archive_months

        register_discovery(micropub_links)
        connect_archive_months()
