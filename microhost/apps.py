from django.apps import AppConfig


class MicrohostConfig(AppConfig):
    name = "microhost"
    verbose_name = "microhost platform"
