"""`antq backup` and `antq restore`: a round trip through an empty install gives back every
indicator, report figure, audit record and uploaded byte; a damaged or foreign archive, other
migrations or a non-empty target are refused and nothing is written.

The tests wipe the database, so they run in transactions of their own (`transaction=True`).
Each starts from a fresh install whatever earlier tests left: the rows data migrations seed
(serialized by the test runner when it created the database) are put back after a full wipe;
the wipe in the middle of a test does the same with content type ids shifted on purpose (the
archive refers to content types by natural key, as a target install numbers them its own way).
After the module the database is left exactly as the runner created it."""

from __future__ import annotations

import datetime
import importlib
import io
import json
import tarfile
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from PIL import Image

from antq.awards.plans import plan_create
from antq.core.audit import AuditContext
from antq.core.backup import MANIFEST, SEEDED_MODELS, BackupError, backup_models, uploads_dir
from antq.core.models import ChangeRecord
from antq.core.periods import period_from_spec
from antq.core.restore import backup_restore
from antq.indicators.engine import Computation, IndicatorError, indicator_report, resolve_unit
from antq.movement.classification import classification_start
from antq.movement.evidence import evidence_attach
from antq.records.models import CriminalCase
from antq.records.services import accident_create, case_create, case_update, later_death_add, record_delete
from antq.reports.data import report_data
from antq.tipoffs.services import Upload, tip_by_code, tip_submit
from antq.units.models import Unit
from tests.fixtures import World, build_world
from tests.fixtures import acting as ctx

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
pytestmark = pytest.mark.django_db(transaction=True)
_APPEND_ONLY = importlib.import_module("antq.core.migrations.0002_change_record_append_only")
SEEDING_MIGRATIONS = ["antq.awards.migrations.0002_default_catalogue", "antq.movement.migrations.0002_default_rules",
                      "antq.records.migrations.0002_default_rules"]


def _sqlite_triggers(create: bool) -> None:
    """The audit trail's triggers refuse the DELETE FROM that empties SQLite tables (PostgreSQL
    empties them with TRUNCATE, which row triggers do not see)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in _APPEND_ONLY.SQLITE if create else _APPEND_ONLY.SQLITE_DROP:
            cursor.execute(statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1)
                           .replace("DROP TRIGGER", "DROP TRIGGER IF EXISTS", 1))


@pytest.fixture(scope="module", autouse=True)
def _fresh_install_after_the_module(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():  # leave what the next tests expect: triggers and seeded rows
        _as_created()


@pytest.fixture(autouse=True)
def _flushable(transactional_db: None, settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.VAR_DIR = tmp_path / "var"
    _as_created()
    yield
    _sqlite_triggers(create=False)


def _as_created(shift_ids: bool = False) -> None:
    """What `antq migrate` leaves on a new machine, from any state: content types and
    permissions (with `shift_ids`, numbered differently from the archive's install), the rules
    and catalogues the data migrations seed, no uploaded file."""
    _sqlite_triggers(create=False)
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    _sqlite_triggers(create=True)
    ContentType.objects.clear_cache()
    if shift_ids:
        ContentType.objects.create(app_label="elsewhere", model="shifts_the_ids")
    for app_config in reversed(list(apps.get_app_configs())) if shift_ids else apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    for migration in SEEDING_MIGRATIONS:
        importlib.import_module(migration).seed(apps, None)
    for path in sorted(uploads_dir().rglob("*"), reverse=True) if uploads_dir().exists() else []:
        path.unlink() if path.is_file() else path.rmdir()


def wipe_to_a_fresh_install() -> None:
    _as_created(shift_ids=True)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), "blue").save(buffer, "JPEG")
    return buffer.getvalue()


def build_data(world: World) -> str:
    """Records through the services (audit rows, tallies, later deaths, a deletion), a citizen's
    report with a photo, an evidence file, a plan with coordinating units (many-to-many) and a
    group with a permission (many-to-many to a table migrate fills). Returns the tip's code."""
    alice, bob, cli = ctx(world, "alice"), ctx(world, "bob"), AuditContext.cli()
    units = world.units
    for n, (key, day) in enumerate([("old_commune_a", D(2024, 3, 5)), ("old_commune_a2", D(2024, 9, 1)),
                                    ("old_commune_b", D(2025, 2, 10)), ("commune_a", D(2025, 8, 2)),
                                    ("village_a", D(2025, 11, 20)), ("commune_b", D(2026, 1, 15)),
                                    ("commune_pt", D(2026, 3, 3)), ("commune_a", D(2026, 4, 9))]):
        case_create(ctx=cli, case_no=f"HS-{n}", unit=units[key], occurred_on=day, article="173",
                    severity="rat_nghiem_trong" if n % 3 == 0 else "nghiem_trong", group="ttxh" if n % 2 else "ma_tuy",
                    cleared_on=day + datetime.timedelta(days=20) if n % 4 else None)
    case_update(ctx=alice, case=CriminalCase.objects.get(case_no="HS-7"), cleared_on=D(2026, 5, 1), reason="Khám phá")
    record_delete(ctx=cli, record=CriminalCase.objects.get(case_no="HS-2"), reason="Nhập trùng")
    for n, (key, day) in enumerate([("old_commune_b", D(2024, 6, 1)), ("commune_a", D(2025, 9, 9)),
                                    ("commune_b", D(2026, 2, 2))]):
        accident = accident_create(ctx=cli, accident_no=f"TN-{n}", unit=units[key], occurred_on=day, deaths=n,
                                   injuries=n + 1, damage_vnd=15_000_000)
    later_death_add(ctx=bob, accident=accident, died_on=D(2026, 2, 20), recorded_on=D(2026, 2, 21))
    _tip, code = tip_submit(kind="to_giac", province=units["province"], commune=units["commune_b"], place_detail="",
                            occurred="tối 20/11", description="Một nhóm đối tượng tụ tập đánh bạc ở bãi đất trống.",
                            contact="", files=[Upload("anh.jpg", io.BytesIO(jpeg()))])
    classification = classification_start(ctx=alice, unit=units["commune_a"], year=2026)
    score = next(s for s in classification.scores.select_related("item") if not s.item.auto_source)
    evidence_attach(ctx=alice, target=score, name="bien-ban.pdf", handle=io.BytesIO(PDF))
    plan_create(ctx=ctx(world, "paula"), unit=units["province"], year=2027, title="Kế hoạch 2027", tasks=[
        {"text": "Nhân rộng mô hình", "lead": units["commune_a"], "deadline": D(2027, 6, 30),
         "coordinating": [units["commune_b"], units["commune_pt"]]}])
    group = Group.objects.create(name="Xuất báo cáo")
    group.permissions.add(Permission.objects.get(codename="view_unit"))
    world.users["alice"].groups.add(group)
    world.users["bob"].user_permissions.add(Permission.objects.get(codename="view_criminalcase"))
    return code


def _natural(model: type[models.Model], pk: Any) -> Any:
    return None if pk is None else list(model._base_manager.get(pk=pk).natural_key())  # type: ignore[attr-defined]


def table_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every restored table as rows, references to content types and permissions by natural key."""
    result = {}
    for model in backup_models():
        fields = model._meta.local_concrete_fields
        rows = model._base_manager.order_by("pk").values_list(*[f.attname for f in fields])
        targets = [f.related_model if f.is_relation and f.related_model in (ContentType, Permission) else None
                   for f in fields]
        result[model._meta.label_lower] = [tuple(_natural(t, v) if t else v for t, v in zip(targets, row, strict=True))
                                           for row in rows]
    return result


def facts(world: World) -> dict[str, Any]:
    """Indicator panels of every unit (as the API computes them, for the operator and for a
    commune officer), the annual report's figures and data version, and the audit trail."""
    panels = {}
    for code in sorted(set(Unit.objects.values_list("code", flat=True))):
        for spec in ("2025", "2026"):
            period = period_from_spec(spec, "mps")
            for map_ in ("time", "current"):
                try:
                    unit = resolve_unit(code, period, map_)
                except IndicatorError:
                    continue
                for user in (world.users["root"], world.users["alice"]):
                    panels[f"{code} {spec} {map_} {user.username}"] = indicator_report(
                        unit=unit, period=period, map_=map_, computation=Computation.for_user(user))
    reports = {f"{unit} {year}": (data.as_json(), data.version) for unit in ("province", "other_province")
               for year in (2025, 2026) for data in [report_data(world.units[unit], year, "mps")]}
    audit = [{**row, "content_type_id": _natural(ContentType, row["content_type_id"])}
             for row in ChangeRecord.objects.order_by("pk").values()]
    return {"panels": panels, "reports": reports, "audit": audit}


def uploaded_files() -> dict[str, bytes]:
    root = uploads_dir()
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_round_trip_through_an_empty_install_gives_back_every_figure_and_file(tmp_path: Path) -> None:
    world = build_world()
    code = build_data(world)
    before, rows_before, files_before = facts(world), table_rows(), uploaded_files()
    content_type_id = ContentType.objects.get_for_model(Unit).pk
    assert len(files_before) == 2 and before["audit"] and any(v for v in rows_before["awards.task_coordinating"])
    assert before["panels"]["25 2026 current root"]["indicators"]["criminal_cases"]["value"] == 3
    archive = tmp_path / "antq.tar.gz"

    started = time.monotonic()
    quiet = io.StringIO()
    call_command("backup", "-o", str(archive), verbosity=0, stdout=quiet)
    backed_up = time.monotonic() - started
    assert quiet.getvalue() == ""
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[0] == MANIFEST and "db/core.changerecord.jsonl" in names
    assert not any(n.startswith(("db/contenttypes.", "db/auth.permission", "db/sessions.", "db/axes.")) for n in names)

    wipe_to_a_fresh_install()
    assert not Unit.objects.exists() and not uploaded_files() and not ChangeRecord.objects.exists()
    assert ContentType.objects.get_for_model(Unit).pk != content_type_id  # the target numbers them its own way
    started = time.monotonic()
    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    restored = time.monotonic() - started

    assert "dòng/rows" in out.getvalue() and "2 tệp/files" in out.getvalue()
    assert table_rows() == rows_before
    assert archive.stat().st_mode & 0o777 == 0o600  # informants' files and sensitive records: owner only
    assert facts(world) == before
    assert uploaded_files() == files_before
    tip = tip_by_code(code)  # the same secret key: the reporter's code still opens the report
    assert tip is not None and tip.attachments.count() == 1
    assert not [p for p in Path(uploads_dir()).parent.iterdir() if p.name.startswith(".")]  # no staging left

    new = case_create(ctx=AuditContext.cli(), case_no="HS-after", unit=Unit.objects.get(pk=world.units["commune_a"].pk),
                      occurred_on=D(2026, 6, 1), severity="nghiem_trong", group="ttxh")
    assert new.pk > max(r[0] for r in rows_before["records.criminalcase"])  # sequences moved past the restored ids
    assert ChangeRecord.objects.order_by("-pk").first().object_id == str(new.pk)  # type: ignore[union-attr]
    total = sum(len(r) for r in rows_before.values())
    print(f"\nbackup round-trip ({connection.vendor}): {total} rows, {len(files_before)} files, "
          f"{archive.stat().st_size} bytes, backup {backed_up:.2f} s, restore {restored:.2f} s")


def rewrite(source: Path, target: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """A copy of the archive with members changed (None drops the member)."""
    with tarfile.open(source) as original, tarfile.open(target, "w") as copy:
        for info in original.getmembers():
            handle = original.extractfile(info)
            assert handle is not None
            data = change(info.name, handle.read())
            if data is not None:
                info.size = len(data)
                copy.addfile(info, io.BytesIO(data))
    return target


def edit_manifest(edit: Callable[[dict[str, Any]], None]) -> Callable[[str, bytes], bytes | None]:
    def change(name: str, data: bytes) -> bytes | None:
        if name != MANIFEST:
            return data
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()

    return change


def test_bad_archives_and_a_non_empty_target_are_refused_and_nothing_is_written(tmp_path: Path, settings: Any) -> None:
    fresh = {m._meta.label_lower for m in backup_models() if m._base_manager.exists()}
    assert fresh == SEEDED_MODELS  # what restore replaces is exactly what the data migrations seed
    world = build_world()
    units = Unit.objects.count()
    _tip, code = tip_submit(kind="tin_bao", province=world.units["province"], commune=None, place_detail="",
                            occurred="", description="Có người lạ trộm gia súc ban đêm.", contact="",
                            files=[Upload("anh.jpg", io.BytesIO(jpeg()))])
    good = tmp_path / "antq.tar"
    call_command("backup", "-o", str(good), verbosity=0)
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", "-o", str(good), verbosity=0)
    with pytest.raises(BackupError, match=r"không trống .*accounts\.|not empty .*accounts\."):
        backup_restore(good)

    wipe_to_a_fresh_install()
    flipped = rewrite(good, tmp_path / "flipped.tar", lambda name, data: data.replace(
        b'"code": "25"', b'"code": "26"', 1) if name == "db/units.unit.jsonl" else data)
    bad = {
        flipped: r"bị hỏng: db/units\.unit\.jsonl sai mã kiểm tra .* damaged: db/units\.unit\.jsonl does not match its "
                 r"checksum",
        rewrite(good, tmp_path / "missing.tar", lambda name, data: None if name == "db/accounts.user.jsonl" else data):
            r"thiếu db/accounts\.user\.jsonl .* db/accounts\.user\.jsonl is missing",
        rewrite(good, tmp_path / "future.tar", edit_manifest(lambda m: m.update(format_version=99))):
            "định dạng antq-backup 99.*format is antq-backup 99",
        rewrite(good, tmp_path / "newer.tar", edit_manifest(lambda m: m["migrations"].append(["records", "9999_x"]))):
            r"antq migrate.*run `antq migrate` first.*records\.9999_x",
        rewrite(good, tmp_path / "older.tar", edit_manifest(lambda m: m["migrations"].pop())):
            "phiên bản antq khác.*different \\(older\\) version",
    }
    (tmp_path / "notes.txt").write_text("not an archive")
    bad[tmp_path / "notes.txt"] = "Không phải bản sao lưu antq.*Not an antq backup"
    var = Path(settings.VAR_DIR)
    for archive, message in bad.items():
        with pytest.raises(CommandError, match=message):
            call_command("restore", str(archive), verbosity=0)
        assert not Unit.objects.exists() and not ChangeRecord.objects.exists(), archive.name
        assert not uploaded_files() and not [p for p in var.iterdir() if p.name.startswith(".")], archive.name

    settings.SECRET_KEY = "another-install-has-another-secret-key-0123456789"
    err = io.StringIO()
    call_command("restore", str(good), verbosity=0, stdout=io.StringIO(), stderr=err)
    assert "SECRET_KEY" in err.getvalue() and "follow-up codes no longer work" in err.getvalue()
    assert Unit.objects.count() == units and len(uploaded_files()) == 1
    assert tip_by_code(code) is None  # the caveat: codes are keyed by the secret key


def test_decimal_and_time_values_keep_their_precision(tmp_path: Path) -> None:
    """Microseconds (DjangoJSONEncoder drops them) and exact decimals survive."""
    build_world()
    record = ChangeRecord.objects.order_by("pk").last()
    assert record is not None and record.time.microsecond
    archive = tmp_path / "antq.tar"
    call_command("backup", "-o", str(archive), verbosity=0)
    targets = list(apps.get_model("records", "Target").objects.values_list("pk", "minimum"))
    wipe_to_a_fresh_install()
    backup_restore(archive)
    assert ChangeRecord.objects.get(pk=record.pk).time == record.time
    assert list(apps.get_model("records", "Target").objects.values_list("pk", "minimum")) == targets
    assert all(isinstance(minimum, Decimal) for _pk, minimum in targets)
