"""Import villages, residential groups, agencies, enterprises and schools from XLSX.

All-or-nothing: every row is checked first; then every row is created through
`unit_create` in one transaction, and any error rolls all of them back.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from antq.core.audit import AuditContext
from antq.core.errors import OutOfScope
from antq.core.scoping import Action
from antq.core.spreadsheets import CellError, Column, read_table, template_workbook
from antq.core.text import fold
from antq.units.models import Unit, UnitKind, valid_on_q
from antq.units.services import unit_create

COLUMNS = [
    Column("parent_code", "Mã đơn vị cấp trên", required=True, help="mã xã/phường (hoặc huyện, tỉnh với cơ quan)"),
    Column("kind", "Loại", required=True, help="thôn, tổ dân phố, cơ quan, doanh nghiệp, cơ sở giáo dục"),
    Column("name", "Tên", required=True),
    Column("subtype", "Loại hình", help="ví dụ: Thôn, Tổ dân phố, Trường THPT"),
    Column("code", "Mã", help="để trống để tự đánh số"),
    Column("valid_from", "Hiệu lực từ", kind="date", help="dd/mm/yyyy; để trống = theo đơn vị cấp trên"),
    Column("valid_to", "Hiệu lực đến", kind="date", help="dd/mm/yyyy"),
]
KIND_WORDS = {
    "village": UnitKind.VILLAGE, "thon": UnitKind.VILLAGE, "to dan pho": UnitKind.VILLAGE, "xom": UnitKind.VILLAGE,
    "ban": UnitKind.VILLAGE, "ap": UnitKind.VILLAGE, "khu pho": UnitKind.VILLAGE, "khu dan cu": UnitKind.VILLAGE,
    "agency": UnitKind.AGENCY, "co quan": UnitKind.AGENCY,
    "enterprise": UnitKind.ENTERPRISE, "doanh nghiep": UnitKind.ENTERPRISE,
    "school": UnitKind.SCHOOL, "co so giao duc": UnitKind.SCHOOL, "truong": UnitKind.SCHOOL,
}
HEADERS = {c.key: c.header for c in COLUMNS}


@dataclass
class ImportResult:
    created: list[Unit] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def template() -> bytes:
    return template_workbook(COLUMNS, "Đơn vị", {"parent_code": "04795", "kind": "tổ dân phố",
                                                  "name": "Tổ dân phố số 1", "subtype": "Tổ dân phố"})


class _Rollback(Exception):
    pass


def _messages(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [(HEADERS.get(key, ""), " ".join(msg for e in errors for msg in e.messages))
                for key, errors in exc.error_dict.items()]
    return [("", " ".join(exc.messages))]


def _check_row(number: int, row: dict[str, Any], scope: Any, seen: set[tuple[int, str]]) -> tuple[
        dict[str, Any] | None, list[CellError]]:
    errors: list[CellError] = []
    kind = KIND_WORDS.get(fold(row.get("kind") or ""))
    if row.get("kind") and kind is None:
        errors.append(CellError(number, HEADERS["kind"], f"loại không hợp lệ / unknown kind {row['kind']!r}"))
    on = row.get("valid_from") or datetime.date.today()
    parent = scope.filter(valid_on_q(on), code=row["parent_code"]).first() if row.get("parent_code") else None
    if row.get("parent_code") and parent is None:
        # Same words whether the unit is missing or outside the user's scope: nothing leaks.
        errors.append(CellError(number, HEADERS["parent_code"],
                                f"không có đơn vị mã {row['parent_code']} trong phạm vi của bạn vào ngày "
                                f"{on:%d/%m/%Y} / no unit {row['parent_code']} in your scope on that date"))
    if errors or parent is None or kind is None or not row.get("name"):
        return None, errors
    key = (parent.pk, fold(row["name"]))
    if key in seen or Unit.objects.filter(parent=parent, name__iexact=row["name"]).exists():
        errors.append(CellError(number, HEADERS["name"], "đã có đơn vị cùng tên / a unit with this name exists"))
        return None, errors
    seen.add(key)
    return {"parent": parent, "kind": kind, "name": row["name"], "subtype": row.get("subtype") or "",
            "code": row.get("code") or "", "valid_from": row.get("valid_from"),
            "valid_to": row.get("valid_to")}, errors


def import_units(*, ctx: AuditContext, handle: IO[bytes], dry_run: bool = False) -> ImportResult:
    result = ImportResult(dry_run=dry_run)
    sheet = read_table(handle, COLUMNS)
    result.errors.extend(sheet.errors)
    if sheet.unreadable:
        return result
    scope = ctx.restrict(Unit.objects.all(), Action.CHANGE)
    seen: set[tuple[int, str]] = set()
    checked = []
    for number, row in sheet.rows:
        values, errors = _check_row(number, row, scope, seen)
        result.errors.extend(errors)
        if values is not None:
            checked.append((number, values))
    if not sheet.rows:
        result.errors.append(CellError(0, "", "không có dòng dữ liệu / no data rows"))
    if result.errors:
        result.errors.sort(key=lambda e: (e.row, e.column))
        return result
    try:
        with transaction.atomic():
            for number, values in checked:
                try:
                    result.created.append(unit_create(ctx=ctx, **values))
                except ValidationError as exc:
                    result.errors.extend(CellError(number, column, text) for column, text in _messages(exc))
                except OutOfScope:
                    result.errors.append(CellError(number, HEADERS["parent_code"], "ngoài phạm vi / out of scope"))
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        if result.errors:
            result.created = []
    return result
