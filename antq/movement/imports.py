"""Movement data in and out of spreadsheets: periodic movement reports imported from XLSX or
CSV (all-or-nothing, every error with its row and column), and the year's classification and
standard results exported as XLSX (one sheet each), for the units a user may see."""

from __future__ import annotations

import io
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from openpyxl import Workbook

from antq.core.audit import AuditContext
from antq.core.periods import PeriodError, period_from_spec
from antq.core.scoping import Action
from antq.core.spreadsheets import CellError, Column, ImportResult, read_table, template_workbook
from antq.movement.grassroots import member_add
from antq.movement.models import (
    Classification,
    Education,
    MovementReport,
    SecurityTeam,
    StandardEvaluation,
    TeamMember,
)
from antq.movement.reports import REPORT_FIELDS, figures_errors, report_save
from antq.units.models import Unit
from antq.units.selectors import unit_at


def _vietnamese(label: Any) -> str:
    with translation.override("vi"):
        return str(label)


def report_columns() -> list[Column]:
    return [Column("unit_code", "Mã đơn vị", required=True),
            Column("period", "Kỳ báo cáo", required=True, help="YYYY-MM (tháng 15 → 14), YYYY-Qn hoặc YYYY"),
            *[Column(key, _vietnamese(label), required=True, kind="int") for key, label in REPORT_FIELDS.items()]]


def report_template() -> bytes:
    example = {"unit_code": "04795", "period": "2020-03", "propaganda_sessions": 4, "propaganda_attendees": 230,
               "meetings": 2, "people_reports": 5, "crimes_detected_by_people": 1, "hotspots": 0, "new_models": 1,
               "active_teams": 3}
    return template_workbook(report_columns(), "Báo cáo phong trào", example)


class _Rollback(Exception):
    pass


def _rows(handle: IO[bytes], columns: list[Column], result: ImportResult) -> list[tuple[int, dict[str, Any]]]:
    """The file's rows, or none with the errors recorded (unreadable file or header, no rows)."""
    table = read_table(handle, columns)
    result.errors.extend(table.errors)
    if table.unreadable:
        return []
    if not table.rows:
        result.errors.append(CellError(0, "", "không có dòng dữ liệu / no data rows"))
    return table.rows


def _refused(result: ImportResult, number: int, headers: dict[str, str], exc: ValidationError,
             values: dict[str, Any], default: str = "") -> None:
    """A service's refusal of one row, field by field, in the import's error list."""
    for field, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
        result.errors.append(CellError(number, headers.get(field, ""), " ".join(messages),
                                       str(values.get(field, default))))


def import_reports(*, ctx: AuditContext, handle: IO[bytes], dry_run: bool = False,
                   submit: bool = True) -> ImportResult:
    """Each row is one unit's figures for one period; a row for a report already there
    replaces its figures (unless it is approved and locked). Nothing is written unless every
    row is right."""
    columns = report_columns()
    headers = {c.key: c.header for c in columns}
    headers["spec"] = headers["period"]  # the service's name for it
    result = ImportResult(dry_run=dry_run)
    rows = _rows(handle, columns, result)
    if not rows:
        return result
    scope = ctx.restrict(Unit.objects.all(), Action.CHANGE)
    checked: list[tuple[int, Unit, str, dict[str, int]]] = []
    for number, row in rows:
        spec = str(row.get("period") or "").strip()
        try:
            period = period_from_spec(spec, "mps")
        except PeriodError as exc:
            result.errors.append(CellError(number, headers["period"], str(exc), spec))
            continue
        code = str(row.get("unit_code") or "").strip()
        unit = unit_at(code, period.end, queryset=scope)
        if unit is None:
            result.errors.append(CellError(number, headers["unit_code"], "không có đơn vị này trong phạm vi của "
                                           "bạn vào cuối kỳ / no such unit in your scope at the period's end", code))
        figures = {key: row[key] for key in REPORT_FIELDS}
        problems = figures_errors(figures)
        for field, message in problems.items():
            result.errors.append(CellError(number, headers[field], message, str(figures.get(field, ""))))
        if unit is not None and not problems:
            checked.append((number, unit, period.spec, figures))
    if result.errors:
        return result
    existing = {(r.unit_id, r.spec) for r in MovementReport.objects.filter(unit__in=[u for _n, u, _s, _f in checked])}
    try:
        with transaction.atomic():
            for number, unit, spec, figures in checked:
                try:
                    report_save(ctx=ctx, unit=unit, spec=spec, figures=figures, submit=submit)
                except ValidationError as exc:
                    _refused(result, number, headers, exc, figures, spec)
                    continue
                if (unit.pk, spec) in existing:
                    result.updated += 1
                else:
                    result.created += 1
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        if result.errors:
            result.created = result.updated = 0
    result.errors.sort(key=lambda e: (e.row, e.column))
    return result


def results_workbook(unit: Unit, year: int, user: Any) -> bytes:
    """The year's classifications and standard evaluations under the unit, one sheet each."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Phân loại phong trào")
    sheet.append(["Mã đơn vị", "Đơn vị", "Loại", "Trạng thái", "Điểm tự chấm", "Điểm thẩm định", "Xếp loại"])
    with translation.override("vi"):
        for row in (Classification.objects.restrict(user).filter(unit__path__startswith=unit.path, year=year)
                    .select_related("unit").order_by("unit__path")):
            sheet.append([row.unit.code, row.unit.name, row.unit.get_kind_display(), row.get_status_display(),
                          row.self_total, row.appraised_total, row.get_level_display() if row.level else ""])
        sheet = workbook.create_sheet("Tiêu chuẩn an toàn ANTT")
        sheet.append(["Mã đơn vị", "Đơn vị", "Loại", "Kết quả", "Số quyết định", "Ngày quyết định", "Người ký"])
        for evaluation in (StandardEvaluation.objects.restrict(user).filter(unit__path__startswith=unit.path,
                                                                            year=year)
                           .select_related("unit").order_by("unit__path")):
            sheet.append([evaluation.unit.code, evaluation.unit.name, evaluation.unit.get_kind_display(),
                          evaluation.get_result_display(), evaluation.decision_no,
                          evaluation.decision_date.strftime("%d/%m/%Y") if evaluation.decision_date else "",
                          evaluation.signer])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def member_columns() -> list[Column]:
    return [Column("team", "Tổ bảo vệ ANTT", required=True, help="Tên tổ đúng như trong antq"),
            Column("unit_code", "Mã thôn/tổ dân phố", required=True),
            Column("full_name", "Họ và tên", required=True),
            Column("birth_year", "Năm sinh", required=True, kind="int"),
            Column("sex", "Giới tính", required=True, choices=tuple(TeamMember.Sex.values)),
            Column("role", "Chức danh", choices=tuple(TeamMember.Role.values)),
            Column("education", "Trình độ học vấn", required=True, choices=tuple(Education.values)),
            Column("resident_since", "Cư trú từ ngày", required=True, kind="date"),
            Column("joined_on", "Ngày công nhận", required=True, kind="date"),
            Column("age_override", "Quyết định cho phép trên 70 tuổi")]


def member_template() -> bytes:
    return template_workbook(member_columns(), "Thành viên", {
        "team": "Tổ bảo vệ ANTT Đồng Tiến", "unit_code": "12345", "full_name": "Nguyễn Văn A", "birth_year": 1985,
        "sex": "male", "role": "member", "education": "upper_secondary", "resident_since": "2010-01-01",
        "joined_on": "2024-07-01"})


def import_members(*, ctx: AuditContext, handle: IO[bytes], dry_run: bool = False) -> ImportResult:
    """Members of existing teams, with every membership condition checked; all or nothing."""
    columns = member_columns()
    headers = {c.key: c.header for c in columns}
    result = ImportResult(dry_run=dry_run)
    rows = _rows(handle, columns, result)
    if not rows:
        return result
    teams = ctx.restrict(SecurityTeam.objects.all(), Action.CHANGE)
    try:
        with transaction.atomic():
            for number, row in rows:
                team = teams.filter(name=str(row.get("team") or "").strip(),
                                    unit__code=str(row.get("unit_code") or "").strip()).first()
                if team is None:
                    result.errors.append(CellError(number, headers["team"], "không có tổ này trong phạm vi của bạn / "
                                                   "no such team in your scope", str(row.get("team") or "")))
                    continue
                values = {key: row[key] for key in ("full_name", "birth_year", "sex", "education", "resident_since",
                                                    "joined_on")}
                values |= {"role": row.get("role") or TeamMember.Role.MEMBER,
                           "age_override": row.get("age_override") or ""}
                try:
                    member_add(ctx=ctx, team=team, **values)
                    result.created += 1
                except ValidationError as exc:
                    _refused(result, number, headers, exc, values)
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        if result.errors:
            result.created = 0
    result.errors.sort(key=lambda e: (e.row, e.column))
    return result
