"""Citizens' reports: anonymous submission routed to the commune, the follow-up code, files
checked by content and stripped of their metadata, scoping, deadlines, the decision the
reporter reads, throttling that never tells a wrong code from an unknown one, and no
address or browser string anywhere in the database."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.utils import timezone
from PIL import Image

from antq.core.errors import OutOfScope
from antq.tipoffs.models import Attachment, Tip
from antq.tipoffs.services import ALPHABET, CODE_CHARS, tip_by_code, tip_decide, tip_extend, tip_submit
from tests.fixtures import World
from tests.fixtures import acting as ctx

D = datetime.date
ADDRESS, AGENT = "203.0.113.77", "Mozilla/5.0 (ReporterPhone; antq-test-agent)"


@pytest.fixture(autouse=True)
def files_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def gps_jpeg() -> bytes:
    image = Image.new("RGB", (32, 24), "red")
    exif = Image.Exif()
    exif[0x010F] = "ReporterPhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (21.0, 1.0, 30.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def public() -> Client:
    return Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)


def submit_form(world: World, **extra: Any) -> dict[str, Any]:
    return {"kind": "to_giac", "province": world.units["province"].pk, "commune": world.units["commune_b"].pk,
            "description": "Một nhóm đối tượng tụ tập đánh bạc tại bãi đất trống cuối xóm.", **extra}


def test_an_anonymous_report_reaches_its_commune_and_its_files_lose_their_metadata(world: World) -> None:
    original = gps_jpeg()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the file does carry GPS
    photo = io.BytesIO(original)
    photo.name = "anh.jpg"
    page = public().post("/to-giac/", {**submit_form(world), "files": [photo]})
    assert page.status_code == 200
    code = page.content.decode().split('data-testid="tip-code"><strong>')[1].split("<")[0]
    raw = code.replace("-", "")
    assert len(raw) == CODE_CHARS and set(raw) <= set(ALPHABET)  # 20 × 5 = 100 random bits
    tip = Tip.objects.get()
    assert tip.unit == world.units["commune_b"] and tip.contact == "" and code not in str(tip.code_hash)
    bob, alice = Client(), Client()
    bob.force_login(world.users["bob"])
    alice.force_login(world.users["alice"])
    assert "đánh bạc" in bob.get(f"/tips/{tip.pk}/").content.decode()
    assert alice.get(f"/tips/{tip.pk}/").status_code == 404  # another commune: as if it did not exist
    attachment = Attachment.objects.get()
    served = bob.get(f"/tips/{tip.pk}/files/{attachment.pk}/").getvalue()
    assert served[:3] == b"\xff\xd8\xff" and b"Exif" not in served and b"ReporterPhoneMaker" not in served
    assert not Image.open(io.BytesIO(served)).getexif()
    assert alice.get(f"/tips/{tip.pk}/files/{attachment.pk}/").status_code == 404


def test_a_renamed_executable_is_refused_and_nothing_is_kept(world: World, tmp_path: Path) -> None:
    program = io.BytesIO(b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200)
    program.name = "anh.jpg"
    page = public().post("/to-giac/", {**submit_form(world), "files": [program]}).content.decode()
    assert "anh.jpg" in page and "kiểm tra theo nội dung" in page
    assert not Tip.objects.exists() and not list((tmp_path / "uploads" / "tips").glob("*"))


def test_the_code_shows_the_decision_and_wrong_codes_learn_nothing(world: World) -> None:
    tip, code = tip_submit(kind="tin_bao", province=world.units["province"], commune=world.units["commune_b"],
                           place_detail="", occurred="tối 20/11", description="Có người lạ trộm gia súc ban đêm.",
                           contact="0912 345 678", files=[])
    with pytest.raises(OutOfScope):
        tip_decide(ctx=ctx(world, "alice"), tip=tip, decision="khoi_to", notice="x")
    tip_decide(ctx=ctx(world, "bob"), tip=tip, decision="khoi_to", notice="Đã khởi tố vụ án trộm cắp tài sản.")
    citizen = public()
    found = citizen.post("/to-giac/tra-cuu/", {"code": code.lower().replace("-", " ")}).content.decode()
    assert "Đã khởi tố vụ án trộm cắp tài sản." in found and "0912" not in found
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    never = "-".join(["ZZZZ"] * 5)

    def answer(guess: str) -> str:
        body = citizen.post("/to-giac/tra-cuu/", {"code": guess}).content.decode()
        return body.split('data-testid="tip-result"')[1].split("</section>")[0]

    assert answer(wrong) == answer(never)  # a near miss and a made-up code look the same
    assert tip_by_code(wrong) is None
    statuses = [citizen.post("/to-giac/tra-cuu/", {"code": never}).status_code for _ in range(25)]
    assert 429 in statuses  # guessing is throttled…
    assert citizen.post("/to-giac/tra-cuu/", {"code": code}).status_code == 429  # …the right code too, then
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert "Đã khởi tố" in other.post("/to-giac/tra-cuu/", {"code": code}).content.decode()


def test_deadlines_follow_the_law(world: World) -> None:
    tip, _code = tip_submit(kind="to_giac", province=world.units["province"], commune=None, place_detail="",
                            occurred="", description="Không nhớ địa điểm, có dấu hiệu lừa đảo qua mạng.",
                            contact="", files=[])
    assert tip.unit == world.units["province"] and not tip.place_known  # no place: the province
    received = timezone.localtime(tip.received_at).date()  # the day in Việt Nam, as the law counts
    assert tip.deadline == received + datetime.timedelta(days=20)
    with pytest.raises(ValidationError):
        tip_extend(ctx=ctx(world, "paula"), tip=tip, until=received + datetime.timedelta(days=70), reason="Phức tạp")
    first = tip_extend(ctx=ctx(world, "paula"), tip=tip, until=received + datetime.timedelta(days=55),
                       reason="Vụ việc phức tạp")
    second = tip_extend(ctx=ctx(world, "paula"), tip=first, until=first.deadline + datetime.timedelta(days=55),
                        reason="Viện kiểm sát gia hạn")
    with pytest.raises(ValidationError, match="hai lần"):
        tip_extend(ctx=ctx(world, "paula"), tip=second, until=second.deadline + datetime.timedelta(days=5),
                   reason="Lần ba")


def test_the_database_holds_no_address_or_browser_of_any_reporter(world: World) -> None:
    photo = io.BytesIO(gps_jpeg())
    photo.name = "a.jpg"
    citizen = public()
    page = citizen.post("/to-giac/", {**submit_form(world), "files": [photo]}).content.decode()
    code = page.split('data-testid="tip-code"><strong>')[1].split("<")[0]
    citizen.post("/to-giac/tra-cuu/", {"code": code})
    citizen.post("/to-giac/tra-cuu/", {"code": "AAAA-BBBB"})
    for model in apps.get_models():
        text_fields = [f.name for f in model._meta.get_fields()
                       if isinstance(f, models.CharField | models.TextField | models.JSONField)]
        for row in model._default_manager.all().values(*text_fields) if text_fields else []:
            dumped = str(row)
            assert ADDRESS not in dumped and "antq-test-agent" not in dumped, model.__name__


def test_bulk_actions_on_the_triage_list(world: World) -> None:
    def sent(text: str) -> Tip:
        return tip_submit(kind="phan_anh", province=world.units["province"], commune=world.units["commune_b"],
                          place_detail="", occurred="", description=text, contact="", files=[])[0]

    first, second, third = sent("Tụ tập gây ồn ào sau 23 giờ."), sent("Tụ tập gây ồn ào sau 23 giờ đêm qua."), \
        sent("Đua xe trái phép trên tỉnh lộ.")
    bob, alice = Client(), Client()
    bob.force_login(world.users["bob"])
    alice.force_login(world.users["alice"])
    assert alice.post("/tips/", {"op": "assign_me", "tip": [first.pk]}).status_code == 404
    bob.post("/tips/", {"op": "assign_me", "tip": [first.pk, second.pk]})
    bob.post("/tips/", {"op": "duplicate", "tip": [second.pk], "duplicate_of": first.pk})
    second.refresh_from_db()
    assert second.status == "duplicate" and second.duplicate_of == first and second.assigned_to == world.users["bob"]
    page = bob.post("/tips/", {"op": "transfer", "tip": [third.pk], "to_code": "04795", "reason": ""}, follow=True)
    assert "Ghi lý do chuyển tin." in page.content.decode()
    bob.post("/tips/", {"op": "transfer", "tip": [third.pk], "to_code": "04795", "reason": "Xảy ra ở địa bàn phường"})
    third.refresh_from_db()
    assert third.unit == world.units["commune_a"] and bob.get(f"/tips/{third.pk}/").status_code == 404
    assert "Đua xe" in alice.get(f"/tips/{third.pk}/").content.decode()


def test_portal_reports_are_counted_for_the_movement(world: World) -> None:
    from antq.core.periods import month_periods, period_from_spec
    from antq.reports.data import report_data
    from antq.tipoffs.services import tip_triage

    for n in range(3):
        tip, _code = tip_submit(kind="tin_bao", province=world.units["province"], commune=world.units["commune_b"],
                                place_detail="", occurred="", description=f"Tin số {n} về trộm cắp vặt.", contact="",
                                files=[])
    tip_submit(kind="tin_bao", province=world.units["province"], commune=world.units["commune_a"], place_detail="",
               occurred="", description="Tin của phường khác.", contact="", files=[])
    first = Tip.objects.filter(unit=world.units["commune_b"]).order_by("pk").first()
    assert first is not None
    tip_triage(ctx=ctx(world, "bob"), tip=tip, duplicate_of=first)  # a duplicate is not counted twice
    today = datetime.date.today()
    year = period_from_spec(str(today.year), "mps")
    year = year if year.contains(today) else period_from_spec(str(today.year + 1), "mps")
    assert report_data(world.units["commune_b"], int(year.spec), "mps", world.users["bob"]).portal_tips == 2
    assert report_data(world.units["province"], int(year.spec), "mps", world.users["paula"]).portal_tips == 3
    month = next(m for m in month_periods(int(year.spec), "mps") if m.contains(today))
    bob = Client()
    bob.force_login(world.users["bob"])
    page = bob.get(f"/movement/reports/{world.units['commune_b'].pk}/{month.spec}/").content.decode()
    assert "2 tin báo của quần chúng gửi qua trang tiếp nhận trực tuyến" in page


def test_public_statistics_suppress_small_cells_and_show_no_records(world: World) -> None:
    from antq.core.audit import AuditContext
    from antq.indicators.public import last_complete_year
    from antq.records.services import case_create

    year = last_complete_year(datetime.date.today())
    day = datetime.date(year, 8, 1)  # inside the statistical year, on the new map
    for key, count, cleared in (("commune_a", 7, 6), ("commune_b", 3, 3)):
        for n in range(count):
            case_create(ctx=AuditContext.cli(), case_no=f"PUB-{key}-{n}", unit=world.units[key], occurred_on=day,
                        severity="nghiem_trong", group="ttxh", cleared_on=day if n < cleared else None)
    page = public().get("/thong-ke/", {"province": world.units["province"].pk, "year": year}).content.decode()
    table = page.split('data-testid="stats-table"')[1].split("</table>")[0]
    row_a = table.split("Phường Hòa Bình")[1].split("</tr>")[0]
    row_b = table.split("Xã Lạc Sơn")[1].split("</tr>")[0]
    assert "<td>7</td><td>6</td><td>85,71%</td>" in row_a
    assert row_b.count("&lt; 5") == 2 and "%" not in row_b  # 3 cases, 3 cleared: suppressed, no rate
    assert "PUB-" not in page and f"{year}" in page.split('data-testid="stats-dated"')[1][:200]
    assert public().get("/thong-ke/", {"province": 999999}).status_code == 404


def test_a_report_is_assigned_to_an_officer_of_its_unit_and_counts_down(world: World) -> None:
    from antq.accounts.services import grant_create, user_create
    from antq.core.audit import AuditContext

    colleague = user_create(ctx=AuditContext.system(), username="bao", password="x-Very-long-pass-2026")
    grant_create(ctx=AuditContext.system(), user=colleague, unit=world.units["commune_b"], role="officer")
    tip, _code = tip_submit(kind="phan_anh", province=world.units["province"], commune=world.units["commune_b"],
                            place_detail="", occurred="", description="Đổ trộm rác thải ra kênh.", contact="",
                            files=[])
    bob = Client()
    bob.force_login(world.users["bob"])
    page = bob.get(f"/tips/{tip.pk}/").content.decode()
    assert f'<option value="{colleague.pk}"' in page and f'<option value="{world.users["alice"].pk}"' not in page
    card = page.split('data-testid="tip"')[1].split("</section>")[0]
    assert "(còn 20 ngày)" in card  # the countdown from today
    bob.post(f"/tips/{tip.pk}/", {"op": "triage", "assigned_to": colleague.pk, "classification": "Môi trường"})
    tip.refresh_from_db()
    assert tip.assigned_to == colleague and tip.status == "handling"
    refused = bob.post(f"/tips/{tip.pk}/", {"op": "triage", "assigned_to": world.users["alice"].pk}, follow=True)
    assert "cán bộ của đơn vị thụ lý" in refused.content.decode()
