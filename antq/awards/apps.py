from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "antq.awards"
    label = "awards"
    verbose_name = "Awards"
