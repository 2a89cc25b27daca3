"""Import and export of criminal cases and traffic accidents (CSV or XLSX, docs/data-formats.md).

All-or-nothing: every row is checked and every error listed (row, column, value, reason);
only a clean file is written, in one transaction. A number already present in the province
updates that record (re-importing a corrected file is the way to fix many records at once).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from antq.core.audit import AuditContext
from antq.core.errors import OutOfScope
from antq.core.scoping import Action
from antq.core.spreadsheets import CellError, Column, ImportResult, read_table, template_workbook
from antq.core.text import fold
from antq.records.choices import GROUP_WORDS, MODE_WORDS, SEVERITY_WORDS, CrimeGroup, Severity, TrafficMode
from antq.records.models import CriminalCase, TrafficAccident
from antq.records.rules import ArticleMap
from antq.records.services import record_update, records_bulk_create, validate_new
from antq.units.models import Unit

CASE_COLUMNS = [
    Column("case_no", "Số hồ sơ", required=True, help="duy nhất trong tỉnh / unique per province"),
    Column("unit_code", "Mã đơn vị", required=True, help="đơn vị có hiệu lực vào ngày xảy ra"),
    Column("occurred_on", "Ngày xảy ra", required=True, kind="date", help="YYYY-MM-DD hoặc DD/MM/YYYY"),
    Column("severity", "Loại tội phạm", required=True, help="ít nghiêm trọng, nghiêm trọng, rất nghiêm trọng, "
                                                             "đặc biệt nghiêm trọng",
           choices=("ít nghiêm trọng", "nghiêm trọng", "rất nghiêm trọng", "đặc biệt nghiêm trọng")),
    Column("group", "Nhóm tội phạm", help="ttxh, kinh_te, chuc_vu, moi_truong, ma_tuy, cong_nghe_cao, "
                                          "an_ninh_quoc_gia; trống nếu điều luật xác định được nhóm",
           choices=tuple(CrimeGroup.values)),
    Column("article", "Điều khoản BLHS", help="ví dụ 173 hoặc 173.2"),
    Column("cleared_on", "Ngày khám phá", kind="date", help="không trước ngày xảy ra"),
    Column("reported_on", "Ngày tiếp nhận", kind="date", help="không trước ngày xảy ra"),
    Column("suspects", "Số đối tượng", kind="int", help="≥ 0"),
]
ACCIDENT_COLUMNS = [
    Column("accident_no", "Số hồ sơ vụ tai nạn", required=True, help="duy nhất trong tỉnh / unique per province"),
    Column("unit_code", "Mã đơn vị", required=True),
    Column("occurred_on", "Ngày xảy ra", required=True, kind="date"),
    Column("mode", "Loại hình giao thông", help="duong_bo (mặc định), duong_sat, duong_thuy",
           choices=tuple(TrafficMode.values)),
    Column("deaths", "Số người chết", required=True, kind="int", help="chết trong 7 ngày"),
    Column("injuries", "Số người bị thương", required=True, kind="int"),
    Column("missing", "Số người mất tích", kind="int"),
    Column("damage_vnd", "Thiệt hại tài sản (đồng)", kind="int"),
]
_SEVERITY = {**SEVERITY_WORDS, **{fold(v): v for v in Severity.values}}
_GROUP = {**GROUP_WORDS, **{fold(v): v for v in CrimeGroup.values}}
_MODE = {**MODE_WORDS, **{fold(v): v for v in TrafficMode.values}}


@dataclass(frozen=True)
class Kind:
    name: str
    columns: list[Column]
    number: str
    model: type[CriminalCase] | type[TrafficAccident]


KINDS = {
    "cases": Kind("cases", CASE_COLUMNS, "case_no", CriminalCase),
    "accidents": Kind("accidents", ACCIDENT_COLUMNS, "accident_no", TrafficAccident),
}
HEADER = {c.key: c.header for c in CASE_COLUMNS + ACCIDENT_COLUMNS}


class _Units:
    """The file's units read in a few queries up front; the one valid on a day is picked in
    memory, and provinces come from the first segment of each unit's path."""

    def __init__(self, scope: Any, codes: set[str]) -> None:
        self.by_code: dict[str, list[Unit]] = {}
        ordered = sorted(codes)
        for start in range(0, len(ordered), 2000):
            for unit in scope.filter(code__in=ordered[start:start + 2000]):
                self.by_code.setdefault(unit.code, []).append(unit)
        province_ids = {int(u.path.split("/")[0]) for units in self.by_code.values() for u in units}
        self.provinces: dict[int, Unit] = Unit.objects.in_bulk(province_ids)

    def at(self, code: str, day: datetime.date) -> Unit | None:
        return next((u for u in self.by_code.get(code, ()) if u.is_valid_on(day)), None)

    def province(self, unit: Unit) -> Unit:
        return self.provinces[int(unit.path.split("/")[0])]


def _word(table: dict[str, str], raw: Any) -> str | None:
    return table.get(fold(str(raw))) if raw not in (None, "") else None


def _case_values(row: dict[str, Any], number: int, errors: list[CellError]) -> dict[str, Any]:
    # A column the file does not have leaves that field as it is (on re-import).
    values: dict[str, Any] = {"case_no": row["case_no"], "occurred_on": row["occurred_on"]}
    values.update({key: row[key] for key in ("cleared_on", "reported_on", "suspects") if key in row})
    if "article" in row:
        values["article"] = row["article"] or ""
    severity = _word(_SEVERITY, row.get("severity"))
    if row.get("severity") and severity is None:
        errors.append(CellError(number, HEADER["severity"], "loại tội phạm không hợp lệ / unknown severity",
                                str(row["severity"])))
    values["severity"] = severity
    group = _word(_GROUP, row.get("group"))
    if row.get("group") and group is None:
        errors.append(CellError(number, HEADER["group"], "nhóm không hợp lệ / unknown group", str(row["group"])))
    if "group" in row:
        values["group"] = group or ""
    if values.get("cleared_on") and values["occurred_on"] and values["cleared_on"] < values["occurred_on"]:
        errors.append(CellError(number, HEADER["cleared_on"], "trước ngày xảy ra / before the occurrence date",
                                values["cleared_on"].isoformat()))
    return values


def _accident_values(row: dict[str, Any], number: int, errors: list[CellError]) -> dict[str, Any]:
    values: dict[str, Any] = {"accident_no": row["accident_no"], "occurred_on": row["occurred_on"],
                              "deaths": row.get("deaths"), "injuries": row.get("injuries")}
    if "mode" in row:
        values["mode"] = _word(_MODE, row["mode"]) if row["mode"] else TrafficMode.ROAD
        if values["mode"] is None:
            errors.append(CellError(number, HEADER["mode"], "loại hình không hợp lệ / unknown mode", str(row["mode"])))
    if "missing" in row:
        values["missing"] = row["missing"] or 0
    if "damage_vnd" in row:
        values["damage_vnd"] = row["damage_vnd"]
    return values


def _messages(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [(HEADER.get(key, key), " ".join(m for e in errs for m in e.messages))
                for key, errs in exc.error_dict.items()]
    return [("", " ".join(exc.messages))]


class _Rollback(Exception):
    pass


def import_records(*, ctx: AuditContext, kind: str, handle: IO[bytes], dry_run: bool = False) -> ImportResult:
    spec = KINDS[kind]
    result = ImportResult(dry_run=dry_run)
    table = read_table(handle, spec.columns)
    result.errors.extend(table.errors)
    if table.unreadable:
        return result
    units = _Units(ctx.restrict(Unit.objects.all(), Action.CHANGE),
                   {str(row["unit_code"]) for _n, row in table.rows if row.get("unit_code")})
    checked: list[tuple[int, Unit, dict[str, Any]]] = []
    seen: dict[tuple[int, str], int] = {}
    for number, row in table.rows:
        errors: list[CellError] = []
        values = (_case_values if kind == "cases" else _accident_values)(row, number, errors)
        unit = None
        if row.get("unit_code") and row.get("occurred_on"):
            unit = units.at(str(row["unit_code"]), row["occurred_on"])
            if unit is None:
                errors.append(CellError(number, HEADER["unit_code"],
                                        "không có đơn vị này trong phạm vi của bạn vào ngày xảy ra / "
                                        "no such unit in your scope on the occurrence date", str(row["unit_code"])))
        if unit is not None and row.get(spec.number):
            key = (units.province(unit).pk, str(row[spec.number]))
            if key in seen:
                errors.append(CellError(number, HEADER[spec.number], f"trùng dòng {seen[key]} / same as row "
                                                                     f"{seen[key]}", str(row[spec.number])))
            seen.setdefault(key, number)
        result.errors.extend(errors)
        if not errors and unit is not None:
            checked.append((number, unit, values))
    if not table.rows:
        result.errors.append(CellError(0, "", "không có dòng dữ liệu / no data rows"))
    if result.errors:
        result.errors.sort(key=lambda e: (e.row, e.column))
        return result
    _write(ctx, spec, units, checked, result)
    return result


def _existing(spec: Kind, keys: set[tuple[int, str]]) -> dict[tuple[int, str], Any]:
    """Records already in the database for (province id, number), read in chunks."""
    found: dict[tuple[int, str], Any] = {}
    by_province: dict[int, list[str]] = {}
    for province_id, number in keys:
        by_province.setdefault(province_id, []).append(number)
    for province_id, numbers in by_province.items():
        for start in range(0, len(numbers), 2000):
            for record in spec.model.objects.filter(province_id=province_id,
                                                    **{f"{spec.number}__in": numbers[start:start + 2000]}):
                found[(province_id, getattr(record, spec.number))] = record
    return found


def _write(ctx: AuditContext, spec: Kind, units: _Units, checked: list[tuple[int, Unit, dict[str, Any]]],
           result: ImportResult) -> None:
    """New records go in one bulk insert (each still audited); existing numbers are updated one
    by one through the service, with its version and no-change rules."""
    existing = _existing(spec, {(units.province(unit).pk, str(values[spec.number])) for _n, unit, values in checked})
    articles = ArticleMap()
    fresh: list[Any] = []
    try:
        with transaction.atomic():
            for number, unit, values in checked:
                record = existing.get((units.province(unit).pk, str(values[spec.number])))
                try:
                    if record is None:
                        new = spec.model(unit_id=unit.pk, province_id=units.province(unit).pk, **values)
                        fresh.append(validate_new(new, articles))
                    else:
                        version = record.version
                        saved = record_update(ctx=ctx, record=record, reason="import", unit=unit, **values)
                        if saved.version == version:
                            result.unchanged += 1
                        else:
                            result.updated += 1
                except ValidationError as exc:
                    result.errors.extend(CellError(number, column, text) for column, text in _messages(exc))
                except OutOfScope:
                    result.errors.append(CellError(number, HEADER[spec.number], "ngoài phạm vi / out of scope"))
            if fresh and not result.errors:
                result.created = records_bulk_create(ctx=ctx, records=fresh)
            if result.errors or result.dry_run:
                raise _Rollback
    except _Rollback:
        if result.errors:
            result.created = result.updated = result.unchanged = 0


def template(kind: str) -> bytes:
    spec = KINDS[kind]
    example = ({"case_no": "HS-2020-0001", "unit_code": "04795", "occurred_on": "2020-03-02",
                "severity": "nghiêm trọng", "group": "ttxh", "article": "173.2", "cleared_on": "2020-03-20",
                "suspects": 1} if kind == "cases" else
               {"accident_no": "TN-2020-0001", "unit_code": "04795", "occurred_on": "2020-03-02",
                "mode": "duong_bo", "deaths": 1, "injuries": 2, "missing": 0, "damage_vnd": 15000000})
    return template_workbook(spec.columns, "Dữ liệu", example)


def _row(record: Any, spec: Kind) -> list[Any]:
    if spec.name == "cases":
        return [record.case_no, record.unit.code, record.occurred_on.isoformat(), record.severity, record.group,
                record.article, record.cleared_on.isoformat() if record.cleared_on else "",
                record.reported_on.isoformat() if record.reported_on else "",
                "" if record.suspects is None else record.suspects]
    return [record.accident_no, record.unit.code, record.occurred_on.isoformat(), record.mode, record.deaths,
            record.injuries, record.missing, "" if record.damage_vnd is None else record.damage_vnd]


def export_csv(kind: str, records: Iterable[Any]) -> bytes:
    """The import format, so an export re-imports unchanged (UTF-8 with BOM for Excel)."""
    spec = KINDS[kind]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.key for c in spec.columns])
    for record in records:
        writer.writerow(_row(record, spec))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(kind: str, records: Iterable[Any]) -> bytes:
    from openpyxl import Workbook

    spec = KINDS[kind]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Dữ liệu")
    sheet.append([c.header for c in spec.columns])
    for record in records:
        sheet.append(_row(record, spec))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
