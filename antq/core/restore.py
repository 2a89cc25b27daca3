"""`antq restore`: an archive written by `antq backup` (antq/core/backup.py, which describes
the format) onto an empty install. The manifest, the migrations and an empty target are
checked first, then every checksum while extracting under VAR_DIR; one transaction replaces
the rows data migrations seed, loads every table (constraints checked at the end, so order
and self-references do not matter) and resets the sequences; only after the commit are the
files moved in. Anything wrong: a BackupError, nothing written."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from itertools import islice
from operator import attrgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, connection, models, transaction

from antq.core.backup import (
    CANNOT_OPEN,
    CHUNK,
    LOAD_FAILED,
    MANIFEST,
    MIGRATE_FIRST,
    NOT_A_BACKUP,
    NOT_EMPTY,
    OTHER_VERSION,
    SEEDED_MODELS,
    BackupError,
    Manifest,
    applied_migrations,
    backup_models,
    damaged,
    upload_files,
    uploads_dir,
)


def check_migrations(manifest: Manifest) -> None:
    archived, applied = set(manifest.migrations), set(applied_migrations())
    if archived - applied:
        raise BackupError(MIGRATE_FIRST.format(missing=_names(archived - applied)))
    if applied - archived:
        raise BackupError(OTHER_VERSION.format(extra=_names(applied - archived)))


def _names(migrations: set[tuple[str, str]]) -> str:
    listed = [f"{app}.{name}" for app, name in sorted(migrations)]
    return ", ".join(listed[:5]) + (f" (+{len(listed) - 5})" if len(listed) > 5 else "")


def check_target_empty() -> None:
    """No row in any restored table but the data migrations' seeds, and no uploaded file."""
    for model in backup_models():
        if model._meta.label_lower not in SEEDED_MODELS and model._base_manager.exists():
            raise BackupError(NOT_EMPTY.format(detail=f"{model._meta.label_lower}: {model._base_manager.count()}"))
    if upload_files(uploads_dir()):
        raise BackupError(NOT_EMPTY.format(detail=str(uploads_dir())))


def _open(path: Path) -> tuple[tarfile.TarFile, Manifest]:
    """The archive, read as a stream, and its manifest (its first member)."""
    try:
        tar = tarfile.open(path, "r|*")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise BackupError(CANNOT_OPEN.format(error=exc)) from exc
    except tarfile.TarError as exc:
        raise BackupError(NOT_A_BACKUP.format(detail=str(exc))) from exc
    try:
        first = tar.next()
        handle = tar.extractfile(first) if first is not None and first.name == MANIFEST and first.isreg() else None
        if handle is None:
            raise BackupError(NOT_A_BACKUP.format(detail=f"{MANIFEST}?"))
        return tar, Manifest.from_bytes(handle.read())
    except BaseException:
        tar.close()
        raise


def _extract(tar: tarfile.TarFile, manifest: Manifest, staging: Path) -> None:
    """Every member to the staging folder, each checked against the manifest."""
    seen: set[str] = set()
    while (info := tar.next()) is not None:
        expected = manifest.members.get(info.name)
        source = tar.extractfile(info) if info.isreg() else None
        if expected is None or info.name in seen or source is None:
            raise damaged(f"thành phần lạ {info.name}", f"unexpected member {info.name}")
        seen.add(info.name)
        (staging / info.name).parent.mkdir(parents=True, exist_ok=True)
        sha, size = hashlib.sha256(), 0
        with open(staging / info.name, "wb") as handle:
            while block := source.read(1 << 20):
                sha.update(block)
                size += len(block)
                handle.write(block)
        if (sha.hexdigest(), size) != (expected.sha256, expected.size):
            raise damaged(f"{info.name} sai mã kiểm tra (SHA-256) hoặc kích thước",
                           f"{info.name} does not match its checksum (SHA-256) or size")
    missing = sorted(set(manifest.members) - seen)
    if missing:
        raise damaged(f"thiếu {missing[0]}", f"{missing[0]} is missing")


# The deserializer made these Python ints, strings and booleans already, which both databases
# take as they are; get_db_prep_save on them was a third of the restore's time.
_AS_IS = {"AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "ForeignKey", "TextField",
          "IntegerField", "PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField"}


def _reader(field: models.Field[Any, Any]) -> Callable[[models.Model], Any]:
    if field.get_internal_type() in _AS_IS:
        return attrgetter(field.attname)
    return lambda obj: field.get_db_prep_save(getattr(obj, field.attname), connection)


def _load_table(model: type[models.Model], path: Path) -> int:
    """Insert the rows as they were: no save(), no signals, no automatic timestamps; COPY on
    PostgreSQL, one prepared statement on SQLite."""
    fields = list(model._meta.local_concrete_fields)
    readers = [_reader(f) for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    rows = 0
    with open(path, encoding="utf-8") as handle, connection.cursor() as cursor:
        objects = iter(item.object for item in serializers.deserialize("jsonl", handle))
        while batch := list(islice(objects, CHUNK)):
            if any(type(obj) is not model for obj in batch):
                raise BackupError(LOAD_FAILED.format(label=model._meta.label_lower, error="rows of another table"))
            values = [tuple(read(obj) for read in readers) for obj in batch]
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})",
                                   values)
            rows += len(batch)
    return rows


def _load(manifest: Manifest, staging: Path) -> None:
    """All tables in one transaction, over the seeded rows, or nothing."""
    restored = {model._meta.label_lower: model for model in backup_models()}
    unknown = [t.label for t in manifest.tables if t.label not in restored]
    if unknown:
        raise BackupError(NOT_A_BACKUP.format(detail=f"{unknown[0]}?"))
    ContentType.objects.clear_cache()
    with transaction.atomic():
        check_target_empty()  # again, inside the transaction: nothing slipped in since
        with connection.cursor() as cursor:
            for label in sorted(SEEDED_MODELS & set(restored)):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(restored[label]._meta.db_table)}")
        for app_label, model_name in manifest.content_types:  # those of models removed since too
            ContentType.objects.get_or_create(app_label=app_label, model=model_name)
        for table in manifest.tables:
            try:
                rows = _load_table(restored[table.label], staging / table.member)
            except (DeserializationError, DatabaseError, ObjectDoesNotExist, ValueError) as exc:
                raise BackupError(LOAD_FAILED.format(label=table.label, error=exc)) from exc
            if rows != table.rows:
                raise damaged(f"{table.member} có {rows} dòng, bảng kê ghi {table.rows}",
                               f"{table.member} has {rows} rows, the manifest says {table.rows}")
        loaded = [restored[t.label] for t in manifest.tables]
        try:
            connection.check_constraints(table_names=[m._meta.db_table for m in loaded])
        except DatabaseError as exc:
            raise BackupError(LOAD_FAILED.format(label="*", error=exc)) from exc
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), loaded):
                cursor.execute(statement)
    ContentType.objects.clear_cache()


def _move_uploads(staging: Path) -> None:
    for source in sorted(p for p in (staging / "uploads").rglob("*") if p.is_file()):
        target = uploads_dir() / source.relative_to(staging / "uploads")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)  # staging is under VAR_DIR: a rename


def backup_restore(path: Path) -> Manifest:
    """Restore the archive onto an empty install; nothing is written when anything is wrong."""
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    staging: Path | None = None
    try:
        tar, manifest = _open(Path(path))
        with tar:
            check_migrations(manifest)
            check_target_empty()
            staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=settings.VAR_DIR))
            _extract(tar, manifest, staging)
        _load(manifest, staging)
        _move_uploads(staging)
        return manifest
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise damaged(f"không đọc được ({exc})", f"unreadable ({exc})") from exc
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)

