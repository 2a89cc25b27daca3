"""antq tallies rebuild: recount the indicator tallies from the records (after a raw bulk
load or a restore); the services keep them current otherwise."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from antq.records.tallies import tallies_rebuild


class Command(BaseCommand):
    help = "Recount the indicator tallies from the records."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rebuild")

    def handle(self, *args: Any, **options: Any) -> None:
        cases, accidents = tallies_rebuild()
        self.stdout.write(f"Đã đếm lại / recounted: {cases} vụ án / cases, {accidents} vụ TNGT / accidents")
