from django.apps import AppConfig


class TipoffsConfig(AppConfig):
    name = "antq.tipoffs"
    label = "tipoffs"
    verbose_name = "Citizens' reports"
