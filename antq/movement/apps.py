from django.apps import AppConfig


class MovementConfig(AppConfig):
    name = "antq.movement"
    label = "movement"
    verbose_name = "Movement"
