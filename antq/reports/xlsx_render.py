"""The statistics annex as XLSX: one sheet per table of the report, the child units' figures
on their own sheet, numbers as numbers (so they add up in Excel) and the data version."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from antq.indicators.definitions import BY_ID
from antq.reports.data import CHILD_INDICATORS, ReportData


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(Decimal(value))
        except ArithmeticError:
            return value
    return value


def annex_xlsx(data: ReportData) -> bytes:
    workbook = Workbook(write_only=True)
    title = f"{data.unit_name} — năm {data.year} ({data.period_start:%d/%m/%Y} – {data.period_end:%d/%m/%Y})"
    summary = workbook.create_sheet("Chỉ tiêu")
    summary.append([title])
    summary.append(["Chỉ tiêu", f"Năm {data.year}", f"Năm {data.year - 1}", "Tăng, giảm (%)"])
    for key, row in data.indicators.items():
        label = BY_ID[key].label_vi if key in BY_ID else key
        summary.append([label, _number(row.get("value")), _number(row.get("previous")), _number(row.get("change_pct"))])
    children = workbook.create_sheet("Theo đơn vị")
    children.append([title])
    children.append(["Mã", "Đơn vị", *[BY_ID[key].label_vi for key in CHILD_INDICATORS]])
    for child in data.children:
        children.append([child.code, child.name, *[_number(child.values.get(key)) for key in CHILD_INDICATORS]])
    groups = workbook.create_sheet("Nhóm tội phạm")
    groups.append(["Nhóm tội phạm", f"Năm {data.year}", f"Năm {data.year - 1}", "Tăng, giảm (%)"])
    for group in data.groups:
        groups.append([group.label, group.figure.value, group.figure.previous, _number(group.figure.change_pct)])
    movement = workbook.create_sheet("Phong trào")
    movement.append(["Nội dung", "Số lượng"])
    for label, n in data.levels.items():
        movement.append([f"Phân loại: {label}", n])
    movement.append(["Phân loại: chưa phê duyệt", data.classification_pending])
    movement.append(["Đơn vị được đánh giá tiêu chuẩn \"An toàn về ANTT\"", data.standard_evaluated])
    movement.append(["Đơn vị được công nhận đạt tiêu chuẩn", data.standard_recognised])
    for key, label in (("models", "Loại mô hình tự quản"), ("sites", "Điểm mô hình"), ("teams", "Tổ tự quản"),
                       ("members", "Thành viên tổ tự quản"), ("advanced_examples", "Điển hình tiên tiến")):
        movement.append([label, data.models[key]])
    movement.append(["Tổ bảo vệ ANTT ở cơ sở", data.teams])
    movement.append(["Thành viên tổ bảo vệ ANTT", data.team_members])
    for label, n in data.activities.items():
        movement.append([label, n])
    awards = workbook.create_sheet("Khen thưởng")
    awards.append(["Cấp khen", "Hình thức", "Tập thể", "Cá nhân"])
    for line in data.awards:
        awards.append([line.giver, line.award, line.collectives, line.individuals])
    about = workbook.create_sheet("Nguồn số liệu")
    about.append(["Phiên bản dữ liệu", data.version])
    about.append(["Kỳ", data.scheme, data.period_start.isoformat(), data.period_end.isoformat()])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
