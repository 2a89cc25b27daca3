"""`antq backup`: the database and the uploaded files in one archive (the format; restore is
antq/core/restore.py).

A tar file (gzip when its name ends in .gz or .tgz): `manifest.json` first (format, antq
version, database vendor, applied migrations, rows per table, SHA-256 and size of every
member), then `db/<app>.<model>.jsonl`, each table as Django JSON Lines with its primary keys
(audit records come back with their ids and times to the microsecond), then `uploads/...`.
Left out: what `migrate` recreates with ids of its own (content types, permissions: rows
pointing at them name them by natural key), volatile rows (sessions, django-axes lockouts,
tip-off throttle counters) and the secret key — tip-off follow-up codes are an HMAC keyed by
it, so under another key the old codes stop working; the manifest keeps a fingerprint.

Backup reads every table in one transaction (PostgreSQL REPEATABLE READ READ ONLY; SQLite a
deferred BEGIN, a WAL snapshot that blocks no writer). Uploads are write-once and written
before their row commits, so every file of the snapshot's rows exists; they are hard-linked
into the staging folder afterwards, which may add files of rows committed since (unreferenced,
harmless).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JsonlSerializer
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT, FORMAT_VERSION, MANIFEST = "antq-backup", 1, "manifest.json"
CHUNK = 2000  # rows per read (a server-side cursor on PostgreSQL) and per insert
SECRET_KEY_NOTE = ("The secret key is not in the archive. Tip-off follow-up codes are stored as an HMAC keyed by it: "
                   "restored onto an install with another key, the old codes no longer work.")
EXCLUDED_APPS = {"axes"}  # login attempts and lockouts: volatile
NATURAL_KEY_MODELS = {"contenttypes.contenttype", "auth.permission"}  # recreated by migrate, with ids of its own
EXCLUDED_MODELS = NATURAL_KEY_MODELS | {"sessions.session", "tipoffs.throttlehit"}  # ... and volatile rows
# What data migrations put in a fresh install (the archive has these tables as they were, edits included).
SEEDED_MODELS = {"awards.awardtype", "awards.basesalary", "awards.proposalrule", "movement.rubric",
                 "movement.rubricitem", "movement.levelscheme", "movement.levelrule", "movement.standardruleset",
                 "movement.standardcriterion", "records.articlegroup", "records.target"}

NOT_A_BACKUP = "Không phải bản sao lưu antq ({detail}) / Not an antq backup ({detail})"
UNKNOWN_FORMAT = ("Bản sao lưu có định dạng {found}; phiên bản antq này chỉ đọc định dạng {known} / "
                  "The backup's format is {found}; this version of antq reads {known} only")
CANNOT_OPEN = "Không mở được tệp sao lưu: {error} / The backup file cannot be opened: {error}"
DAMAGED = "Tệp sao lưu bị hỏng: {vi} / The backup file is damaged: {en}"
MIGRATE_FIRST = ("Cấu trúc cơ sở dữ liệu chưa cập nhật bằng bản sao lưu: hãy chạy `antq migrate` trước "
                 "(hoặc bản sao lưu từ phiên bản antq mới hơn); thiếu {missing} / The database schema is behind "
                 "the backup: run `antq migrate` first (or the backup is from a newer antq); missing {missing}")
OTHER_VERSION = ("Bản sao lưu được tạo từ phiên bản antq khác (cũ hơn): khôi phục bằng phiên bản đó rồi nâng cấp; "
                 "chỉ có ở đây {extra} / The backup is from a different (older) version of antq: restore it with "
                 "that version, then upgrade; only here: {extra}")
NOT_EMPTY = ("Nơi khôi phục không trống ({detail}): chỉ khôi phục vào bản cài mới (đã `antq migrate`, chưa tạo "
             "tài khoản, chưa có dữ liệu) / The target is not empty ({detail}): restore onto a fresh install only "
             "(after `antq migrate`, before any account or data is created)")
LOAD_FAILED = ("Không nạp được bảng {label}, không có gì được ghi: {error} / "
               "The table {label} cannot be loaded, nothing was written: {error}")
NO_FOLDER = "Không có thư mục {path} / The folder {path} does not exist"
OUTPUT_EXISTS = "Tệp {path} đã có; dùng --force để ghi đè / {path} already exists; use --force to overwrite"
SECRET_KEY_WARNING = ("Cảnh báo: khóa bí mật (SECRET_KEY) của bản cài này khác với bản cài đã sao lưu: mã tra cứu "
                      "tố giác cũ không dùng được nữa / Warning: this install's secret key differs from the backed-up "
                      "install's: the old tip-off follow-up codes no longer work")


class BackupError(Exception):
    """A backup or restore refused; the message says why in Vietnamese and English."""


def damaged(vi: str, en: str) -> BackupError:
    return BackupError(DAMAGED.format(vi=vi, en=en))


@dataclass(frozen=True)
class Table:
    label: str
    member: str
    rows: int


@dataclass(frozen=True)
class Member:
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    antq_version: str
    created_at: str
    database_vendor: str
    secret_key_fingerprint: str
    migrations: list[tuple[str, str]]
    content_types: list[tuple[str, str]]
    tables: list[Table]
    members: dict[str, Member]
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    secret_key_note: str = SECRET_KEY_NOTE

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data)
            found = f"{raw.get('format')} {raw.get('format_version')}"
            if found != f"{FORMAT} {FORMAT_VERSION}":
                raise BackupError(UNKNOWN_FORMAT.format(found=found, known=f"{FORMAT} {FORMAT_VERSION}"))
            manifest = cls(**{**raw, "migrations": [tuple(m) for m in raw["migrations"]],
                              "content_types": [tuple(c) for c in raw["content_types"]],
                              "tables": [Table(**t) for t in raw["tables"]],
                              "members": {name: Member(**m) for name, m in raw["members"].items()}})
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise BackupError(NOT_A_BACKUP.format(detail=f"{MANIFEST}: {exc!r}")) from exc
        unsafe = [name for name in manifest.members if not _safe_member(name)]
        if unsafe or any(t.member not in manifest.members for t in manifest.tables):
            raise BackupError(NOT_A_BACKUP.format(detail=f"{MANIFEST}: {unsafe[:1]}"))
        return manifest


def _safe_member(name: str) -> bool:
    """A relative path under db/ or uploads/ (members are never extracted anywhere else)."""
    parts = PurePosixPath(name).parts
    return (len(parts) >= 2 and parts[0] in ("db", "uploads") and "\\" not in name
            and all(p not in ("", ".", "..") for p in name.split("/")))


def uploads_dir() -> Path:
    return Path(settings.VAR_DIR) / "uploads"


def secret_key_fingerprint() -> str:
    """16 hex digits that tell two keys apart and reveal nothing of either."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"antq backup: secret key fingerprint", hashlib.sha256).hexdigest()[:16]


def secret_key_matches(manifest: Manifest) -> bool:
    return hmac.compare_digest(manifest.secret_key_fingerprint, secret_key_fingerprint())


def applied_migrations() -> list[tuple[str, str]]:
    return sorted(MigrationRecorder(connection).applied_migrations())


def backup_models() -> list[type[models.Model]]:
    """Every table that holds data, many-to-many link tables included, parents first."""
    return load_order([model for model in apps.get_models(include_auto_created=True)
                       if model._meta.managed and not model._meta.proxy and model._meta.app_label not in EXCLUDED_APPS
                       and model._meta.label_lower not in EXCLUDED_MODELS])


def load_order(chosen: list[type[models.Model]]) -> list[type[models.Model]]:
    """Referenced tables first, ties by name (Django's sort_dependencies orders natural-key models
    only); self-references and cycles are left to the constraints, checked once all is in."""
    remaining = {model: {f.related_model for f in model._meta.concrete_fields
                         if f.is_relation and f.related_model is not model and f.related_model in chosen}
                 for model in chosen}
    ordered: list[type[models.Model]] = []
    while remaining:
        ready = [m for m, needs in remaining.items() if not needs - set(ordered)] or [next(iter(remaining))]
        for model in sorted(ready, key=lambda m: m._meta.label_lower):
            ordered.append(model)
            del remaining[model]
    return ordered


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts times to the millisecond; the audit trail must come back exact."""

    def default(self, o: Any) -> Any:
        if hasattr(o, "isoformat") and hasattr(o, "microsecond"):
            return o.isoformat()
        return super().default(o)


class _RowSerializer(JsonlSerializer):
    """Foreign keys as stored, except to the tables migrate fills with ids of its own (those by
    natural key). Many-to-many links are not repeated: their own tables are dumped."""

    def start_serialization(self) -> None:
        super().start_serialization()
        self.natural_keys: dict[tuple[str, Any], list[Any]] = {}

    def handle_fk_field(self, obj: models.Model, field: Any) -> None:
        target = field.remote_field.model
        if target._meta.label_lower not in NATURAL_KEY_MODELS:
            super().handle_fk_field(obj, field)
            return
        value = getattr(obj, field.attname)
        if value is not None:
            key = (target._meta.label_lower, value)
            if key not in self.natural_keys:
                self.natural_keys[key] = list(target._base_manager.get(pk=value).natural_key())
            value = self.natural_keys[key]
        self._current[field.name] = value  # type: ignore[attr-defined]

    def handle_m2m_field(self, obj: models.Model, field: Any) -> None:
        return None


@contextmanager
def _snapshot() -> Iterator[None]:
    """One read transaction over every table while users keep writing."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    # The settings begin SQLite transactions IMMEDIATE, a write lock; this reader needs none.
    sqlite = connections[DEFAULT_DB_ALIAS]
    sqlite.ensure_connection()
    mode = getattr(sqlite, "transaction_mode", None)
    setattr(sqlite, "transaction_mode", "DEFERRED")  # noqa: B010 - not in the type stubs
    try:
        with transaction.atomic():
            setattr(sqlite, "transaction_mode", mode)  # noqa: B010
            yield
    finally:
        setattr(sqlite, "transaction_mode", mode)  # noqa: B010


def _digest(path: Path) -> Member:
    with open(path, "rb") as handle:
        return Member(hashlib.file_digest(handle, "sha256").hexdigest(), path.stat().st_size)


def _dump_table(model: type[models.Model], folder: Path) -> Table:
    label, rows = model._meta.label_lower, 0

    def counted() -> Iterator[models.Model]:
        nonlocal rows
        for obj in model._base_manager.order_by("pk").iterator(chunk_size=CHUNK):
            rows += 1
            yield obj

    member = f"db/{label}.jsonl"
    (folder / "db").mkdir(parents=True, exist_ok=True)
    with open(folder / member, "w", encoding="utf-8", newline="\n") as handle:
        _RowSerializer().serialize(counted(), stream=handle, cls=_Encoder)
    return Table(label, member, rows)


def upload_files(root: Path) -> list[Path]:
    """Every stored upload; dot-files are uploads still being written (`store_file`)."""
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()
                  and not any(part.startswith(".") for part in p.relative_to(root).parts))


def _stage_uploads(folder: Path) -> list[str]:
    root, names = uploads_dir(), []
    for path in upload_files(root):
        name = f"uploads/{path.relative_to(root).as_posix()}"
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, folder / name)  # the staging folder is under VAR_DIR: no copy
        except FileNotFoundError:
            continue  # removed by an upload that failed after the listing: it had no row
        except OSError:  # a file system without hard links
            shutil.copy2(path, folder / name)
        names.append(name)
    return names


def backup_write(path: Path, *, overwrite: bool = False) -> Manifest:
    """Write the archive to `path` (atomically: a partial file never has that name)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise BackupError(OUTPUT_EXISTS.format(path=path))
    if not path.parent.is_dir():  # before the minutes of reading the database
        raise BackupError(NO_FOLDER.format(path=path.parent))
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".backup-", dir=settings.VAR_DIR))
    partial = path.with_name(f".{path.name}.partial")
    try:
        with _snapshot():
            migrations = applied_migrations()
            tables = [_dump_table(model, staging) for model in backup_models()]
            content_types = sorted(ContentType.objects.values_list("app_label", "model"))
        names = [t.member for t in tables] + _stage_uploads(staging)
        manifest = Manifest(antq_version=metadata.version("antq"), created_at=timezone.now().isoformat(),
                            database_vendor=connection.vendor, secret_key_fingerprint=secret_key_fingerprint(),
                            migrations=migrations, content_types=content_types, tables=tables,
                            members={name: _digest(staging / name) for name in names})
        _write_archive(partial, manifest, staging, compress=path.name.endswith((".gz", ".tgz")))
        os.replace(partial, path)
        return manifest
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)


def _write_archive(path: Path, manifest: Manifest, staging: Path, compress: bool) -> None:
    options: dict[str, Any] = {"compresslevel": 6} if compress else {}
    # Readable by the owner only: the archive holds informants' files and sensitive records.
    raw = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
    with raw, tarfile.open(fileobj=raw, mode="w:gz" if compress else "w", format=tarfile.PAX_FORMAT,
                           **options) as tar:
        data = manifest.to_bytes()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
        tar.addfile(info, io.BytesIO(data))
        for name, member in manifest.members.items():
            info = tar.gettarinfo(staging / name, arcname=name)
            info.uid, info.gid, info.uname, info.gname = 0, 0, "", ""
            if info.size != member.size:
                raise BackupError(f"{name} đã thay đổi trong khi sao lưu / changed during the backup")
            with open(staging / name, "rb") as handle:
                tar.addfile(info, handle)
