from django.apps import AppConfig


class SyndicationConfig(AppConfig):
    name = "syndication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Copies follow posts (post_changed, sent on commit); Micropub lists the connections."""
        from posts.micropub.queries import register_syndication_targets
        from posts.signals import post_changed
        from syndication.selectors import micropub_targets
        from syndication.services.planning import on_post_changed

        post_changed.connect(on_post_changed, dispatch_uid="syndication.on_post_changed")
        register_syndication_targets(micropub_targets)
