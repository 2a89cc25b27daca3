from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from antq.core.audit import AuditContext
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.core.versioning import StaleVersion
from antq.records.models import CriminalCase
from antq.records.services import accident_create, case_create, case_update, later_death_add
from tests.fixtures import World

D = datetime.date


def ctx(world: World, username: str) -> AuditContext:
    return AuditContext(actor=world.users[username], source="web")


def new_case(world: World, username: str = "alice", **extra) -> CriminalCase:
    values = {"case_no": "HS-1", "unit": world.units["commune_a"], "occurred_on": D(2025, 8, 1),
              "severity": "nghiem_trong", "group": "ttxh", **extra}
    return case_create(ctx=ctx(world, username), **values)


def test_case_lives_in_its_province_and_is_audited(world: World) -> None:
    case = new_case(world)
    assert case.province == world.units["province"]
    record = ChangeRecord.objects.for_object(case).get()
    assert record.actor_name == "alice" and record.after["case_no"] == "HS-1"


def test_group_comes_from_the_article_when_missing(world: World) -> None:
    case = new_case(world, group="", article="251.2")
    assert case.group == "ma_tuy"
    with pytest.raises(ValidationError) as info:
        new_case(world, case_no="HS-2", group="", article="")
    assert "group" in info.value.message_dict


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"cleared_on": D(2025, 7, 20)}, "cleared_on"),
        ({"occurred_on": D(2099, 1, 1)}, "occurred_on"),
        ({"unit": "old_commune_a"}, "unit"),  # old unit is not valid on 1/8/2025
    ],
)
def test_invalid_values_name_the_field(world: World, extra: dict, field: str) -> None:
    if extra.get("unit") == "old_commune_a":
        extra = {"unit": world.units["old_commune_a"]}
    with pytest.raises(ValidationError) as info:
        new_case(world, **extra)
    assert field in info.value.message_dict
    assert not CriminalCase.objects.exists()


def test_case_numbers_are_unique_per_province(world: World) -> None:
    new_case(world)
    with pytest.raises(ValidationError):
        new_case(world, unit=world.units["commune_b"], username="paula")
    # The same number in another province is fine.
    case_create(ctx=ctx(world, "oscar"), case_no="HS-1", unit=world.units["other_commune"],
                occurred_on=D(2025, 8, 1), severity="nghiem_trong", group="ttxh")


def test_out_of_scope_is_refused(world: World) -> None:
    with pytest.raises(OutOfScope):
        new_case(world, username="bob")
    with pytest.raises(OutOfScope):
        new_case(world, username="victor")  # a viewer cannot write


def test_stale_version_loses_nothing(world: World) -> None:
    case = new_case(world)
    case_update(ctx=ctx(world, "alice"), case=case, expected_version=1, suspects=2)
    with pytest.raises(StaleVersion):
        case_update(ctx=ctx(world, "alice"), case=case, expected_version=1, suspects=5)
    case.refresh_from_db()
    assert (case.suspects, case.version) == (2, 2)


def test_sensitive_flags_only_from_the_secretariat(world: World) -> None:
    case = new_case(world, child_victim=True)
    assert case.child_victim is False  # an officer cannot set it
    case = case_update(ctx=ctx(world, "paula"), case=case, child_victim=True)
    assert case.child_victim is True
    case = case_update(ctx=ctx(world, "alice"), case=case, child_victim=False, suspects=1)
    assert case.child_victim is True  # nor clear it


def test_later_deaths_count_as_of_their_recording(world: World) -> None:
    accident = accident_create(ctx=ctx(world, "alice"), accident_no="TN-1", unit=world.units["commune_a"],
                               occurred_on=D(2025, 8, 1), deaths=1, injuries=2)
    later_death_add(ctx=ctx(world, "alice"), accident=accident, died_on=D(2025, 8, 20), recorded_on=D(2025, 8, 21))
    with pytest.raises(ValidationError):
        later_death_add(ctx=ctx(world, "alice"), accident=accident, died_on=D(2025, 7, 1))
    from antq.core.periods import period_from_spec
    from antq.indicators.engine import Computation, indicator_report, resolve_unit
    from antq.records.models import TrafficAccident

    period = period_from_spec("2025", "mps")
    report = indicator_report(unit=resolve_unit("04795", period, "current"), period=period, map_="current",
                              computation=Computation(CriminalCase.objects.all(), TrafficAccident.objects.all()))
    assert report["indicators"]["accident_deaths"]["value"] == 2


CASES_HEADER = "Số hồ sơ,Mã đơn vị,Ngày xảy ra,Loại tội phạm,Nhóm tội phạm,Điều khoản BLHS,Ngày khám phá,Số đối tượng\n"


def run_import(tmp_path, text: str, *extra: str) -> str:
    path = tmp_path / "cases.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import", "cases", str(path), *extra, stdout=out)
    return out.getvalue()


def test_cli_import_then_reimport_updates(world: World, tmp_path) -> None:
    text = (CASES_HEADER + "HS-9,04795,02/03/2024,nghiêm trọng,TTXH,173,2024-03-20,2\n"
            "HS-10,04795,2025-08-02,rat_nghiem_trong,,251,,\n")
    assert "2 mới" in run_import(tmp_path, text, "--dry-run")
    assert not CriminalCase.objects.exists()
    assert "2 mới" in run_import(tmp_path, text)
    old = CriminalCase.objects.get(case_no="HS-9")
    assert old.unit == world.units["old_commune_a"]  # 04795 on 2/3/2024 is the old ward
    assert CriminalCase.objects.get(case_no="HS-10").unit == world.units["commune_a"]
    assert "1 cập nhật / updated, 1 không đổi" in run_import(tmp_path, text.replace(",2\n", ",3\n"))
    old.refresh_from_db()
    assert old.suspects == 3 and old.version == 2


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("HS-1,99999,2024-03-02,nghiêm trọng,ttxh,,,", "Mã đơn vị"),
        ("HS-1,04795,2024-13-02,nghiêm trọng,ttxh,,,", "Ngày xảy ra"),
        ("HS-1,04795,2024-03-02,nặng,ttxh,,,", "Loại tội phạm"),
        ("HS-1,04795,2024-03-02,nghiêm trọng,xyz,,,", "Nhóm tội phạm"),
        ("HS-1,04795,2024-03-02,nghiêm trọng,ttxh,,2024-03-01,", "Ngày khám phá"),
        ("HS-1,04795,2024-03-02,nghiêm trọng,ttxh,,,-1", "Số đối tượng"),
        ("HS-1,04795,2024-03-02,nghiêm trọng,,999,,", "Nhóm tội phạm"),
        (",04795,2024-03-02,nghiêm trọng,ttxh,,,", "Số hồ sơ"),
    ],
)
def test_a_defective_file_changes_nothing_and_names_row_and_column(world: World, tmp_path, row: str,
                                                                   column: str) -> None:
    good = "HS-OK,04795,2024-03-02,nghiêm trọng,ttxh,,,\n"
    with pytest.raises(CommandError) as info:
        run_import(tmp_path, CASES_HEADER + good + row + "\n")
    assert "dòng/row 3" in str(info.value) and column in str(info.value)
    assert not CriminalCase.objects.exists()


def test_duplicate_numbers_inside_a_file(world: World, tmp_path) -> None:
    row = "HS-1,04795,2024-03-02,nghiêm trọng,ttxh,,,\n"
    with pytest.raises(CommandError, match="dòng/row 3"):
        run_import(tmp_path, CASES_HEADER + row + row)


def test_province_rules_override_and_are_dated(world: World) -> None:
    from antq.records.rule_services import rule_end, rule_value_set
    from antq.records.rules import Rules, rule_value

    province = world.units["province"]
    paula = ctx(world, "paula")
    assert rule_value("serious_severities", D(2025, 8, 1), province) == ["rat_nghiem_trong", "dac_biet_nghiem_trong"]
    row = rule_value_set(ctx=paula, key="serious_severities", province=province,
                         value=["nghiem_trong", "rat_nghiem_trong", "dac_biet_nghiem_trong"], valid_from=D(2025, 7, 1))
    assert Rules.for_unit(D(2025, 8, 1), province).serious_severities == {
        "nghiem_trong", "rat_nghiem_trong", "dac_biet_nghiem_trong"}
    assert "nghiem_trong" not in Rules.for_unit(D(2025, 6, 1), province).serious_severities  # before: defaults
    assert "nghiem_trong" not in Rules.for_unit(D(2025, 8, 1), world.units["other_province"]).serious_severities
    rule_end(ctx=paula, row=row, valid_to=D(2025, 12, 31))
    assert "nghiem_trong" not in Rules.for_unit(D(2026, 2, 1), province).serious_severities
    with pytest.raises(OutOfScope):
        rule_value_set(ctx=ctx(world, "oscar"), key="serious_severities", province=province, value=["nghiem_trong"])
    with pytest.raises(OutOfScope):  # national defaults only by an administrator
        rule_value_set(ctx=paula, key="serious_severities", province=None, value=["nghiem_trong"])
    with pytest.raises(ValidationError):
        rule_value_set(ctx=paula, key="serious_severities", province=province, value=["ttxh"])


def test_rules_page_for_the_secretariat_only(world: World) -> None:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(world.users["paula"])
    page = client.get(reverse("rules"))
    assert page.status_code == 200 and "Chương XVI" in page.content.decode()
    response = client.post(reverse("rules"), {
        "form": "article", "article-article_from": "173", "article-article_to": "173", "article-group": "kinh_te",
        "article-province": world.units["province"].pk})
    assert response.status_code == 302
    from antq.records.rules import group_for_article

    assert group_for_article("173", D(2025, 8, 1), world.units["province"]) == "kinh_te"
    assert group_for_article("173", D(2025, 8, 1), world.units["other_province"]) == "ttxh"
    alice = Client()
    alice.force_login(world.users["alice"])
    assert alice.get(reverse("rules")).status_code == 404


def test_templates_offer_drop_down_lists_and_import_as_they_are(world: World, tmp_path) -> None:
    from openpyxl import load_workbook

    from antq.records.imports import template

    path = tmp_path / "mau.xlsx"
    path.write_bytes(template("cases"))
    sheet = load_workbook(path).worksheets[0]
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert any(ref.startswith("D2") for ref in lists)  # severity
    out = io.StringIO()
    call_command("import", "cases", str(path), "--dry-run", stdout=out)  # the example row is valid
    assert "1 mới" in out.getvalue()


def test_bulk_writes_give_each_record_its_own_id_and_audit_record(world: World, tmp_path) -> None:
    """Imports write through the databases' bulk paths (COPY, executemany): every record must
    get its own id back, its automatic fields, and an audit record naming that id."""
    from antq.records.services import record_delete, records_bulk_create

    for number in range(3):  # ids already used, one freed: new ids continue after them
        new_case(world, case_no=f"HS-OLD-{number}")
    record_delete(ctx=ctx(world, "alice"), record=CriminalCase.objects.get(case_no="HS-OLD-2"))
    rows = "".join(f"HS-B{n},04795,2025-08-0{1 + n % 9},nghiem_trong,ttxh,,,\n" for n in range(120))
    assert "120 mới" in run_import(tmp_path, CASES_HEADER + rows)
    fresh = [CriminalCase(case_no=f"HS-C{n}", unit=world.units["commune_a"], province=world.units["province"],
                          occurred_on=D(2025, 9, 1 + n % 9), severity="it_nghiem_trong", group="ma_tuy")
             for n in range(95)]
    records_bulk_create(ctx=ctx(world, "alice"), records=fresh, batch_size=40)
    assert len({c.pk for c in fresh}) == 95
    stored = {c.pk: c for c in CriminalCase.objects.filter(case_no__regex=r"^HS-[BC]")}
    assert len(stored) == 215 and all(stored[c.pk].case_no == c.case_no for c in fresh)
    for case in stored.values():
        audit = ChangeRecord.objects.for_object(case).get()
        assert audit.after is not None and audit.after["id"] == case.pk and audit.after["case_no"] == case.case_no
        assert case.created_at is not None and case.version == 1
