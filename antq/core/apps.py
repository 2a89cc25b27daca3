from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "antq.core"
    label = "core"
    verbose_name = "antq core"

