"""Official documents: the phrasing rules, the report data against the indicator API, the
register, the data version, secret documents, the DOCX/PDF layouts and the news brief."""

from __future__ import annotations

import datetime
import io
import random
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from docx import Document as read_docx

from antq.accounts.services import token_create
from antq.awards.certificates import pdf_available
from antq.awards.plans import conference_record
from antq.core.audit import AuditContext
from antq.core.errors import OutOfScope
from antq.records.imports import import_records
from antq.records.services import case_create
from antq.reports.brief import brief_generate, brief_of, brief_save
from antq.reports.chart import font_file
from antq.reports.data import report_data
from antq.reports.phrasing import approximately, change, three_criteria, vi_long_date, vi_number
from antq.reports.services import annual_generate, draft_save, generated_log, report_number
from tests.fixtures import World
from tests.fixtures import acting as ctx

D = datetime.date


def docx_text(content: bytes) -> str:
    document = read_docx(io.BytesIO(content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_rates_are_rounded_the_customary_way() -> None:
    assert approximately(Decimal("90.71")) == "hơn 90%" and approximately(Decimal("97.78")) == "gần 98%"
    assert approximately(Decimal("75")) == "75%" and approximately(Decimal("89.5")) == "gần 90%"
    generator = random.Random(7)
    for _ in range(2000):
        rate = Decimal(generator.randint(1, 9999)) / 100
        phrase = approximately(rate)
        number = Decimal(phrase.split()[-1].rstrip("%").replace(",", "."))
        assert abs(number - rate) <= 1 or (number % 5 == 0 and abs(number - rate) <= 1), (rate, phrase)
        if phrase.startswith("hơn"):
            assert number < rate
        elif phrase.startswith("gần"):
            assert number > rate
        else:
            assert number == rate


def test_changes_numbers_and_dates_are_in_vietnamese_form() -> None:
    assert change(Decimal("-5.21")) == "giảm 5,21% so với cùng kỳ"
    assert change(Decimal("3.00")) == "tăng 3% so với cùng kỳ" and change(Decimal(0)) == "bằng cùng kỳ"
    assert change(None) == "" and vi_number(42102, 0) == "42.102" and vi_number(Decimal("1234.5")) == "1.234,5"
    assert vi_long_date("Hòa Bình", D(2021, 1, 5)) == "Hòa Bình, ngày 05 tháng 01 năm 2021"
    assert vi_long_date("Phú Thọ", D(2025, 12, 9)) == "Phú Thọ, ngày 09 tháng 12 năm 2025"
    assert three_criteria({"accidents": Decimal(-1), "accident_deaths": Decimal(-2),
                           "accident_injuries": Decimal(-3)}) == "giảm cả 3 tiêu chí"
    mixed = three_criteria({"accidents": Decimal(-10), "accident_deaths": Decimal(5), "accident_injuries": None})
    assert mixed == "số vụ giảm 10%, số người chết tăng 5%, số người bị thương chưa có số liệu cùng kỳ"


def _records(world: World) -> None:
    """Another province's cases and accidents over two years (a ward of Hà Nội), imported as
    the districts send them: CSV files through the all-or-nothing importer."""
    operator = AuditContext.cli()
    cases = ["case_no,unit_code,occurred_on,severity,group,cleared_on"]
    accidents = ["accident_no,unit_code,occurred_on,deaths,injuries"]
    for year, count, cleared, crashes in ((2025, 8, 5, 4), (2026, 6, 5, 3)):
        for n in range(count):  # the new map's units exist from 1/7/2025
            cases.append(f"HN-{year}-{n},00004,{year}-08-{2 + n:02d},"
                         f"{'rat_nghiem_trong' if n == 0 else 'it_nghiem_trong'},{'ttxh' if n % 2 else 'ma_tuy'},"
                         f"{f'{year}-09-01' if n < cleared else ''}")
        accidents += [f"HN-TN-{year}-{n},00004,{year}-08-01,1,{n}" for n in range(crashes)]
    for kind, lines in (("cases", cases), ("accidents", accidents)):
        result = import_records(ctx=operator, kind=kind, handle=io.BytesIO("\n".join(lines).encode()))
        assert not result.errors and result.created == len(lines) - 1


def test_report_figures_equal_the_indicator_api_for_another_province(world: World) -> None:
    _records(world)
    _token, raw = token_create(ctx=AuditContext.system(), user=world.users["oscar"], name="t")
    api = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/indicators?unit=01&period=2026").json()
    data = report_data(world.units["other_province"], 2026, "mps", world.users["oscar"])
    assert data.indicators == api["indicators"]
    generated = annual_generate(ctx=ctx(world, "oscar"), unit=world.units["other_province"], year=2026, fmt="docx")
    text = docx_text(generated.content)
    figures = api["indicators"]
    rate = f"{Decimal(str(figures['clearance_rate']['value'])):.2f}".replace(".", ",")
    assert f"{figures['criminal_cases_cleared']['value']}/{figures['criminal_cases']['value']}" in text
    assert f"đạt {rate}%" in text and "Số: " in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert figures["accidents_all_three_decreased"]["value"] is True  # 4 → 3 crashes, 4 → 3 deaths, 6 → 3 hurt
    assert "Tai nạn giao thông giảm cả 3 tiêu chí (xảy ra 3 vụ, làm chết 3 người, bị thương 3 người)" in text
    assert "Thường trực Thành ủy Hà Nội" in text
    charts = read_docx(io.BytesIO(generated.content)).inline_shapes  # the groups' chart, as in the PDF and HTML
    assert len(charts) == (1 if font_file() else 0)
    with pytest.raises(OutOfScope):  # another province's secretariat sees nothing of Hà Nội
        annual_generate(ctx=ctx(world, "paula"), unit=world.units["other_province"], year=2026, fmt="docx")


def test_the_data_version_follows_the_figures_and_the_log_keeps_who_generated(world: World) -> None:
    _records(world)
    province = world.units["other_province"]
    first = annual_generate(ctx=ctx(world, "oscar"), unit=province, year=2026, fmt="xlsx")
    again = annual_generate(ctx=ctx(world, "oscar"), unit=province, year=2026, fmt="html")
    assert first.data.version == again.data.version and first.record.kind == "annex"
    case_create(ctx=AuditContext.cli(), case_no="HN-late", unit=world.units["other_commune"],
                occurred_on=D(2026, 6, 1), severity="nghiem_trong", group="ttxh")
    later = annual_generate(ctx=ctx(world, "oscar"), unit=province, year=2026, fmt="docx")
    assert later.data.version != first.data.version
    assert [(r.format, r.created_by) for r in generated_log(world.users["oscar"])] == [
        ("docx", world.users["oscar"]), ("html", world.users["oscar"]), ("xlsx", world.users["oscar"])]


def test_secret_documents_need_the_right_and_are_logged(world: World) -> None:
    province = world.units["province"]
    with pytest.raises(OutOfScope):  # a viewer may read reports, not make secret ones
        annual_generate(ctx=ctx(world, "victor"), unit=province, year=2026, fmt="docx", secret=True)
    secret = annual_generate(ctx=ctx(world, "paula"), unit=province, year=2026, fmt="docx", secret=True)
    assert "MẬT" in docx_text(secret.content) and secret.filename.endswith("-MAT.docx")
    annual_generate(ctx=ctx(world, "victor"), unit=province, year=2026, fmt="docx")
    assert [r.secret for r in generated_log(world.users["paula"])] == [False, True]
    assert [r.secret for r in generated_log(world.users["victor"])] == [False]


def test_report_numbers_restart_each_year_per_issuer(world: World) -> None:
    paula = ctx(world, "paula")
    province, commune = world.units["province"], world.units["commune_b"]
    draft_save(ctx=paula, unit=province, year=2025, scheme="mps", values={"issued_on": D(2025, 12, 28)})
    assert report_number(ctx=paula, unit=province, year=2025).number == 1
    assert report_number(ctx=paula, unit=province, year=2025).number == 1  # taken once
    draft_save(ctx=paula, unit=province, year=2024, scheme="mps", values={"issued_on": D(2025, 12, 30)})
    assert report_number(ctx=paula, unit=province, year=2024).number == 2  # same register year 2025
    draft_save(ctx=paula, unit=province, year=2026, scheme="mps", values={"issued_on": D(2026, 1, 5)})
    assert report_number(ctx=paula, unit=province, year=2026).number == 1
    assert report_number(ctx=paula, unit=commune, year=2025).number == 1  # the commune's own register
    generated = annual_generate(ctx=paula, unit=province, year=2025, fmt="docx")
    assert "Số: 01/BC-BCĐ" in docx_text(generated.content) and generated.record.number == "01/BC-BCĐ"
    with pytest.raises(OutOfScope):
        report_number(ctx=ctx(world, "victor"), unit=province, year=2027)
    with pytest.raises(ValidationError):
        draft_save(ctx=paula, unit=province, year=2025, scheme="mps", values={"shortcomings": "x"},
                   expected_version=1)


def test_the_brief_names_the_chair_and_the_attendees_and_keeps_the_edit(world: World) -> None:
    conference = conference_record(
        ctx=ctx(world, "paula"), unit=world.units["province"], year=2026, held_on=D(2026, 12, 28),
        place="Hội trường UBND tỉnh", chair="Trần Duy Ninh, Chủ tịch UBND tỉnh",
        attendees=[{"name": "Lê Văn Thành", "title": "Thiếu tướng", "organisation": "Bộ Công an"}])
    brief = brief_generate(conference)
    assert "Đồng chí Trần Duy Ninh, Chủ tịch UBND tỉnh chủ trì hội nghị." in brief.paragraphs
    assert "đồng chí Lê Văn Thành, Thiếu tướng, Bộ Công an" in brief.text and "28/12/2026" in brief.text
    with pytest.raises(OutOfScope):
        brief_save(ctx=ctx(world, "bob"), conference=conference, title="x", text="y")
    brief_save(ctx=ctx(world, "paula"), conference=conference, title=brief.title, text="Đoạn một.\n\nĐoạn hai.")
    assert brief_of(conference).paragraphs == ["Đoạn một.", "Đoạn hai."]
    brief_save(ctx=ctx(world, "paula"), conference=conference, title=brief.title, text="")
    assert brief_of(conference).paragraphs == brief.paragraphs


def test_the_pdf_has_the_official_header_and_vietnamese_text(world: World) -> None:
    if pdf_available():
        pytest.skip(f"PDF needs Debian's pango here: {pdf_available()}")
    import pypdfium2 as pdfium

    situation = "\n".join(f"Đoạn {n}: tình hình an ninh chính trị, trật tự an toàn xã hội ổn định, không để xảy ra "
                          "đột xuất, bất ngờ, không hình thành điểm nóng về an ninh, trật tự." for n in range(1, 16))
    draft_save(ctx=ctx(world, "paula"), unit=world.units["province"], year=2026, scheme="mps",
               values={"situation": situation})
    generated = annual_generate(ctx=ctx(world, "paula"), unit=world.units["province"], year=2026, fmt="pdf")
    pdf = pdfium.PdfDocument(generated.content)
    page = pdf[0]
    width, height = page.get_size()
    text_page = page.get_textpage()
    text = text_page.get_text_range()
    for phrase in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BAN CHỈ ĐẠO PHONG TRÀO",
                   "Tổng kết phong trào toàn dân bảo vệ an ninh Tổ quốc năm 2026", "BÁO CÁO"):
        assert phrase in text.replace("\r\n", " ").replace("\n", " "), phrase

    def box(phrase: str) -> tuple[float, float, float, float]:
        searcher = text_page.search(phrase)
        found = searcher.get_next()
        assert found is not None, phrase
        return text_page.get_charbox(found[0])  # (left, bottom, right, top) of the first character

    nation, issuer, number, title = box("CỘNG HÒA"), box("BAN CHỈ ĐẠO"), box("Số:"), box("BÁO CÁO")
    assert nation[0] > width * 0.35 and issuer[2] < width * 0.45  # two columns: state right, issuer left
    assert abs(nation[3] - box("UBND")[3]) < 20  # both start on the top line
    assert number[3] < issuer[3] and title[3] < number[3]  # "Số" under the issuer, the title below the header
    assert nation[3] > height * 0.8  # the header sits at the top of the page
    image = page.render(scale=2).to_pil().convert("L")
    motto = box("Độc lập")
    # The solid rule under the motto: a row of dark pixels in the right column just below the motto line.
    y_top = int((height - motto[1]) * 2) + 2
    rows = [sum(1 for x in range(int(width), int(width * 2 * 0.95)) if image.getpixel((x, y)) < 100)
            for y in range(y_top, y_top + 30)]
    assert max(rows) > 100, rows
    assert len(pdf) >= 2  # page numbers: none on page 1, centred at the top from page 2
    second = pdf[1].get_textpage()
    number_box = second.get_charbox(second.count_chars() - 1)
    assert second.get_text_range().split()[-1] == "2" and number_box[1] > height * 0.92  # in the top margin
    text_centre = (30 + (210 - 30 - 15) / 2) * 72 / 25.4  # margins 30 mm left, 15 mm right, in points
    assert abs((number_box[0] + number_box[2]) / 2 - text_centre) < 10  # centred over the text
    assert text.split()[-1] != "1"


def test_the_docx_converts_in_libreoffice(world: World, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (Debian libreoffice-writer-nogui) is not installed here; .ci/run installs it")
    generated = annual_generate(ctx=ctx(world, "paula"), unit=world.units["province"], year=2026, fmt="docx")
    source = tmp_path / "bao-cao.docx"
    source.write_bytes(generated.content)
    done = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "bao-cao.pdf").read_bytes()[:5] == b"%PDF-"


def test_the_report_builder_saves_prose_numbers_and_downloads(world: World) -> None:
    province = world.units["province"]
    paula, victor, bob = Client(), Client(), Client()
    for client, name in ((paula, "paula"), (victor, "victor"), (bob, "bob")):
        client.force_login(world.users[name])
    query: dict[str, str | int] = {"unit": province.pk, "year": 2026, "scheme": "mps"}
    page = paula.get("/reports/", query).content.decode()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page and 'data-testid="prose"' in page
    assert 'data-testid="prose"' not in victor.get("/reports/", query).content.decode()  # a viewer reads only
    assert bob.get("/reports/", query).status_code == 404  # a commune does not see the province's report
    saved = paula.post("/reports/", {**query, "version": 0, "situation": "Tình hình ổn định, không có điểm nóng.",
                                     "shortcomings": "Một số xã báo cáo chậm.", "signer_title": "TRƯỞNG BAN",
                                     "signer_name": "Nguyễn Văn Khánh", "issued_on": "2026-12-20"})
    assert saved.status_code == 302
    paula.post("/reports/", {**query, "op": "number"})
    download = paula.post("/reports/file/", {**query, "format": "docx"})
    assert download.status_code == 200 and download["Content-Disposition"].endswith('-2026.docx"')
    text = docx_text(download.content)
    assert "Tình hình ổn định, không có điểm nóng." in text and "Một số xã báo cáo chậm." in text
    assert "Số: 01/BC-BCĐ" in text and "Phú Thọ, ngày 20 tháng 12 năm 2026" in text
    assert victor.post("/reports/file/", {**query, "format": "docx", "secret": "on"}).status_code == 404
    assert victor.post("/reports/", {**query, "op": "number"}).status_code == 404
    annex = paula.post("/reports/file/", {**query, "format": "xlsx"})
    assert annex["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    log = paula.get("/reports/", query).content.decode().split('data-testid="log"')[1]
    assert log.count("paula") == 2


def test_the_brief_page_shows_and_keeps_the_edit(world: World) -> None:
    conference = conference_record(
        ctx=ctx(world, "paula"), unit=world.units["province"], year=2026, held_on=D(2026, 12, 28),
        place="Hội trường UBND tỉnh", chair="Trần Duy Ninh, Chủ tịch UBND tỉnh", attendees=[])
    paula, bob = Client(), Client()
    paula.force_login(world.users["paula"])
    bob.force_login(world.users["bob"])
    url = f"/reports/brief/{conference.pk}/"
    assert "Trần Duy Ninh" in paula.get(url).content.decode()
    assert bob.get(url).status_code == 404
    paula.post(url, {"op": "save", "title": "Tổng kết năm 2026", "text": "Đã sửa."})
    assert "Đã sửa." in paula.get(url).content.decode()
    download = paula.post(url, {"op": "docx"})
    assert "Đã sửa." in docx_text(download.content)
