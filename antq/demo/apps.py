from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "antq.demo"
    label = "demo"
    verbose_name = "Demo data"
