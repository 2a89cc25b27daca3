from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from antq.core.audit import AuditContext
from antq.core.models import ChangeRecord
from antq.units.imports import import_units, template
from antq.units.models import Unit
from tests.fixtures import World


def workbook(rows: list[list[object]], header: list[str] | None = None) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header or ["Mã đơn vị cấp trên (*)", "Loại (*)", "Tên (*)", "Loại hình", "Hiệu lực từ"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def ctx_for(world: World, username: str) -> AuditContext:
    return AuditContext(actor=world.users[username], source="web")


def test_good_file_creates_every_row_with_audit(world: World) -> None:
    data = workbook([["04795", "tổ dân phố", "Tổ dân phố số 5", "Tổ dân phố", None],
                     ["04795", "Cơ sở giáo dục", "Trường THCS Thịnh Lang", "Trường THCS", None]])
    result = import_units(ctx=ctx_for(world, "alice"), handle=data)
    assert result.ok, result.errors
    assert [u.kind for u in result.created] == ["village", "school"]
    assert all(u.parent == world.units["commune_a"] for u in result.created)
    assert ChangeRecord.objects.filter(actor=world.users["alice"], action="create").count() >= 2


def test_machine_keys_are_accepted_as_headers(world: World) -> None:
    data = workbook([["04795", "village", "Tổ 9"]], header=["parent_code", "kind", "name"])
    assert import_units(ctx=ctx_for(world, "alice"), handle=data).ok


def test_bad_rows_are_all_reported_and_nothing_is_written(world: World) -> None:
    before = Unit.objects.count()
    data = workbook([
        ["04795", "thôn", "Thôn hợp lệ", "Thôn", None],
        ["05266", "thôn", "Thôn xã khác", "Thôn", None],  # commune B: outside alice's scope
        ["99999", "thôn", "Thôn không có", "Thôn", None],
        ["04795", "linh tinh", "Sai loại", "", "31/02/2026"],
        ["04795", "thôn", None, "", None],
    ])
    result = import_units(ctx=ctx_for(world, "alice"), handle=data)
    assert not result.ok
    by_row = {(e.row, e.column) for e in result.errors}
    assert (3, "Mã đơn vị cấp trên") in by_row and (4, "Mã đơn vị cấp trên") in by_row
    assert (5, "Loại") in by_row and (5, "Hiệu lực từ") in by_row and (6, "Tên") in by_row
    # Out of scope reads exactly like missing: nothing leaks about commune B.
    messages = {e.row: e.message for e in result.errors if e.column == "Mã đơn vị cấp trên"}
    assert messages[3].replace("05266", "X") == messages[4].replace("99999", "X")
    assert Unit.objects.count() == before


def test_dry_run_writes_nothing(world: World) -> None:
    before = Unit.objects.count()
    result = import_units(ctx=ctx_for(world, "alice"), handle=workbook([["04795", "thôn", "Thôn thử"]]), dry_run=True)
    assert result.ok and len(result.created) == 1
    assert Unit.objects.count() == before


def test_csv_is_accepted_and_garbage_is_refused(world: World) -> None:
    csv_file = io.BytesIO("\ufeffMã đơn vị cấp trên,Loại,Tên\n04795,thôn,Thôn CSV\n".encode())
    assert import_units(ctx=ctx_for(world, "alice"), handle=csv_file).ok
    result = import_units(ctx=ctx_for(world, "alice"), handle=io.BytesIO(b"\xff\xfe\x00garbage"))
    assert not result.ok and "UTF-8" in str(result.errors[0])


def test_missing_required_column(world: World) -> None:
    data = workbook([["04795", "thôn"]], header=["parent_code", "kind"])
    result = import_units(ctx=ctx_for(world, "alice"), handle=data)
    assert [(e.row, e.column) for e in result.errors] == [(1, "Tên")]


def test_template_round_trips(world: World) -> None:
    book = load_workbook(io.BytesIO(template()))
    sheet = book.worksheets[0]
    assert sheet.cell(1, 1).value == "Mã đơn vị cấp trên (*)"
    result = import_units(ctx=ctx_for(world, "alice"), handle=io.BytesIO(template()))
    assert result.ok, result.errors  # the example row is importable as it is


def test_upload_page_reports_errors_and_imports(world: World) -> None:
    client = Client()
    client.force_login(world.users["alice"])
    bad = SimpleUploadedFile("x.xlsx", workbook([["05266", "thôn", "Thôn lạ"]]).getvalue())
    response = client.post(reverse("unit_import"), {"file": bad})
    assert response.status_code == 200 and "05266" in response.content.decode()
    good = SimpleUploadedFile("x.xlsx", workbook([["04795", "thôn", "Thôn mới"]]).getvalue())
    response = client.post(reverse("unit_import"), {"file": good})
    assert response.status_code == 302
    assert Unit.objects.filter(name="Thôn mới", parent=world.units["commune_a"]).exists()
    txt = SimpleUploadedFile("x.txt", b"a,b")
    assert "xlsx" in client.post(reverse("unit_import"), {"file": txt}).content.decode()
