from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class CoreConfig(AppConfig):
    name = "antq.core"
    label = "core"
    verbose_name = "antq core"


class StaticFilesConfig(BaseStaticFilesConfig):
    """Static files as Django collects them, without django-ninja's Redoc bundle: antq serves
    Swagger only, and nothing that names outside hosts is shipped to intranets."""

    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "redoc*"]
