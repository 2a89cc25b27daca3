"""Acceptance: the demo reproduces the 2020 Hòa Bình review conference figures."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_gives_the_article_figures(tmp_path: Path) -> None:
    call_command("demo", "--quiet-logins", stdout=io.StringIO())
    out = io.StringIO()
    call_command("indicators", "--unit", "17", "--period", "2020", "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    figures = report["indicators"]
    assert report["unit"] == {"code": "17", "name": "Tỉnh Hòa Bình", "valid_from": None, "valid_to": "2025-06-30"}
    assert report["period"] == {"scheme": "mps", "spec": "2020", "start": "2019-12-15", "end": "2020-12-14"}
    assert figures["criminal_cases"]["value"] == 775
    assert figures["criminal_cases_cleared"]["value"] == 703
    assert figures["clearance_rate"]["value"] == 90.71
    assert figures["serious_cases"]["value"] == 90 and figures["serious_cases_cleared"]["value"] == 88
    assert figures["serious_clearance_rate"]["value"] == 97.78  # "gần 98%"
    assert figures["ttxh_cases"]["value"] == 564 and figures["ttxh_cases"]["previous"] == 595
    assert figures["ttxh_cases"]["change_pct"] == -5.21
    for key, now, before in (("accidents", 104, 118), ("accident_deaths", 87, 96), ("accident_injuries", 58, 71)):
        assert (figures[key]["value"], figures[key]["previous"]) == (now, before)
    assert figures["accidents_all_three_decreased"]["value"] is True
    assert figures["clearance_rate"]["target"] == 75.0

    # The awards of the conference: 6 flags, 5 + 3 certificates, 10 Ministry certificates, 5 medals.
    from collections import Counter

    from antq.awards.models import Award, Conference

    assert Counter(a.award_type.code for a in Award.objects.all()) == {
        "co-thi-dua-tinh": 6, "bang-khen-chu-tich-tinh": 8, "bang-khen-bo-truong-bca": 10, "ky-niem-chuong-bvantq": 5}
    assert Conference.objects.get(year=2020).chair.startswith("Bùi Văn Khánh")

    # The merged province compares 2025 with the three old provinces of 2024.
    out = io.StringIO()
    call_command("indicators", "--unit", "25", "--period", "2025", "--format", "json", stdout=out)
    merged = json.loads(out.getvalue())
    assert merged["unit"]["valid_from"] == "2025-07-01"
    assert merged["indicators"]["criminal_cases"]["previous"] > 2000  # Hòa Bình + Vĩnh Phúc + Phú Thọ
    # Demo again: nothing duplicated.
    call_command("demo", "--quiet-logins", stdout=io.StringIO())
    out = io.StringIO()
    call_command("indicators", "--unit", "17", "--period", "2020", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["indicators"]["criminal_cases"]["value"] == 775

    # Issue 6 acceptance: the annual report and the news brief from the command line.
    from docx import Document

    report = tmp_path / "bao-cao.docx"
    call_command("report", "annual", "--unit", "17", "--year", "2020", "--format", "docx", "-o", str(report),
                 stdout=io.StringIO(), stderr=io.StringIO())
    document = Document(str(report))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    for phrase in ("703/775", "90,71%", "giảm 5,21%", "giảm cả 3 tiêu chí", "cờ thi đua cho 6 tập thể",
                   "5 đơn vị xếp thứ nhì, 3 đơn vị xếp thứ 3", "Bộ Công an tặng bằng khen cho 10 tập thể",
                   "cho 5 đồng chí", "hơn 90%", "gần 98%", "Hòa Bình, ngày 29 tháng 12 năm 2020", "Bùi Văn Khánh"):
        assert phrase in text, phrase
    brief = tmp_path / "tin.txt"
    conference = Conference.objects.get(year=2020)
    call_command("report", "brief", "--conference", str(conference.pk), "-o", str(brief), stdout=io.StringIO())
    said = brief.read_text(encoding="utf-8")
    assert "Đồng chí Bùi Văn Khánh, Chủ tịch UBND tỉnh chủ trì hội nghị." in said
    assert "Nguyễn Thế Chi" in said and "Bùi Đức Hinh" in said and "703/775" in said
