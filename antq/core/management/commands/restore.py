"""antq restore FILE: an archive of `antq backup` onto a fresh install (after `antq migrate`,
before any account is created). Refuses, writing nothing, a damaged or foreign archive, other
migrations, or a target that already holds data."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from antq.core.backup import SECRET_KEY_WARNING, BackupError, secret_key_matches
from antq.core.management.commands.backup import summary
from antq.core.restore import backup_restore


class Command(BaseCommand):
    help = "Restore an archive of `antq backup` onto a fresh install."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            manifest = backup_restore(options["file"])
        except (BackupError, OSError) as exc:  # OSError: an unwritable folder, a full disk
            raise CommandError(str(exc)) from exc
        if not secret_key_matches(manifest):  # shown even with --verbosity 0: codes stop working
            self.stderr.write(SECRET_KEY_WARNING)
        if options["verbosity"] >= 1:
            self.stdout.write(f"Đã khôi phục / restored: {options['file']} ({manifest.created_at})")
            for line in summary(manifest, archive=options["file"], seconds=time.monotonic() - started,
                                per_table=options["verbosity"] >= 2):
                self.stdout.write(line)
