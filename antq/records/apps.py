from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "antq.records"
    label = "records"
    verbose_name = "Records"

    def ready(self) -> None:
        from antq.records.tallies import tallies_move
        from antq.units.signals import paths_changed

        paths_changed.connect(tallies_move, dispatch_uid="records.tallies_move")
