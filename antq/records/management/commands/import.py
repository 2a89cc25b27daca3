"""antq import cases|accidents FILE [--dry-run] [--template]"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from antq.core.audit import AuditContext
from antq.records.imports import KINDS, import_records, template


class Command(BaseCommand):
    help = "Import criminal cases or traffic accidents from CSV/XLSX (all-or-nothing)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
        parser.add_argument("--template", action="store_true", help="write the XLSX template to FILE instead")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if options["template"]:
            path.write_bytes(template(options["kind"]))
            self.stdout.write(f"Đã ghi mẫu / template written: {path}")
            return
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Không mở được tệp / cannot open {path}: {exc}") from exc
        with handle:
            result = import_records(ctx=AuditContext.cli(), kind=options["kind"], handle=handle,
                                    dry_run=options["dry_run"])
        if not result.ok:
            raise CommandError(f"{len(result.errors)} lỗi, không ghi gì / errors, nothing written:\n"
                               + "\n".join(str(e) for e in result.errors))
        verb = "kiểm tra đạt / checked" if result.dry_run else "đã ghi / written"
        self.stdout.write(f"{verb}: {result.created} mới / new, {result.updated} cập nhật / updated, "
                          f"{result.unchanged} không đổi / unchanged")
