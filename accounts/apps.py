from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Every blog page advertises its owner's IndieAuth server (IndieAuth §4.1)."""
        from accounts.indieauth.metadata import blog_links
        from posts.discovery import register_discovery

        register_discovery(blog_links)
