from django.apps import AppConfig


class WebmentionConfig(AppConfig):
    name = "webmention"
    default_auto_field = "django.db.models.BigAutoField"
