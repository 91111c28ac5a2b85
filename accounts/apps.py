from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Every blog page advertises its owner's IndieAuth server (IndieAuth §4.1)."""
        from accounts.indieauth.metadata import blog_links
        from posts.discovery import register_discovery

        register_discovery(blog_links)
        self._uncache_saved_blogs()

    def _uncache_saved_blogs(self) -> None:
        """A saved or deleted blog row may change hosts or content: its cached pages stop being served,
        and so does the cached blog of each host (its owner's row is cached with it)."""
        from django.db.models.signals import post_delete, post_save

        from accounts import blog_cache
        from accounts.models import Blog, User
        from microhost import page_cache

        def uncache(sender, instance, **kwargs) -> None:
            page_cache.blog_saved(instance)
            blog_cache.forget(instance.served_hosts)

        def uncache_owner(sender, instance, created: bool = False, **kwargs) -> None:
            if not created:
                blog_cache.forget_owner(instance.pk)

        post_save.connect(uncache, sender=Blog, dispatch_uid="accounts.blog_page_cache", weak=False)
        post_delete.connect(uncache, sender=Blog, dispatch_uid="accounts.blog_page_cache_delete", weak=False)
        post_save.connect(uncache_owner, sender=User, dispatch_uid="accounts.blog_cache_owner", weak=False)
