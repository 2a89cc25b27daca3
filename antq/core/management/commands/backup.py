"""antq backup -o FILE [--force]: the database and the uploaded files in one archive
(tar; gzip when FILE ends in .gz or .tgz). What is in it: antq/core/backup.py."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from antq.core.backup import BackupError, Manifest, backup_write


def summary(manifest: Manifest, *, archive: Path, seconds: float, per_table: bool) -> list[str]:
    """The totals (and, with --verbosity 2, each non-empty table's rows)."""
    lines = [f"  {t.label}: {t.rows}" for t in manifest.tables if per_table and t.rows]
    files = [m.size for name, m in manifest.members.items() if name.startswith("uploads/")]
    lines.append(f"{sum(t.rows for t in manifest.tables)} dòng/rows ({len(manifest.tables)} bảng/tables), "
                 f"{len(files)} tệp/files ({sum(files) / 1e6:.1f} MB); {archive}: "
                 f"{Path(archive).stat().st_size / 1e6:.1f} MB; {seconds:.1f} s")
    return lines


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one archive (gzip when FILE ends in .gz)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("-o", "--output", required=True, type=Path, metavar="FILE")
        parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            manifest = backup_write(options["output"], overwrite=options["force"])
        except (BackupError, OSError, DatabaseError) as exc:  # a full disk, a database not migrated
            raise CommandError(str(exc)) from exc
        if options["verbosity"] >= 1:
            self.stdout.write(f"Đã sao lưu / backed up: {options['output']}")
            for line in summary(manifest, archive=options["output"], seconds=time.monotonic() - started,
                                per_table=options["verbosity"] >= 2):
                self.stdout.write(line)
