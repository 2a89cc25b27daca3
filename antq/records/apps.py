from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "antq.records"
    label = "records"
    verbose_name = "Records"
