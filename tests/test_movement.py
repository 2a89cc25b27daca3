"""The movement: rules as versioned data, the classification workflow, the standard's 70% rule."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from antq.core.audit import AuditContext
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.movement.choices import Subject
from antq.movement.classification import appraise, approve, classification_start, refresh_facts, self_score
from antq.movement.models import Classification, StandardEvaluation
from antq.movement.rule_services import rule_row_update, rule_set_new_version
from antq.movement.rules import Rubric, rubric_for, standard_rules_for
from antq.movement.standard import standard_check, standard_decide, standard_evaluation_start, standard_register
from antq.records.services import case_create
from tests.fixtures import World

D = datetime.date


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are matched in English here; the Vietnamese wording is checked where it matters."""
    with translation.override("en"):
        yield


def ctx(world: World, username: str) -> AuditContext:
    return AuditContext(actor=world.users[username], source="web")


def fact(row: Any) -> dict[str, Any]:
    """The computed fact an automatic item or criterion carries."""
    assert isinstance(row.fact, dict)
    return row.fact


def hand_points(classification: Classification, points: str = "8") -> tuple[dict[str, Decimal], dict[str, str]]:
    """Points for every hand-scored item (capped at its maximum), with evidence."""
    items = [s.item for s in classification.scores.select_related("item") if not s.item.auto_source]
    return ({i.code: min(Decimal(points), i.max_points) for i in items},
            {i.code: "Biên bản, kế hoạch" for i in items})


def test_seeded_rubrics_total_100_and_both_standards_coexist(db: None) -> None:
    for subject in Subject.values:
        rubric = rubric_for(subject, 2024, None)
        assert rubric is not None and rubric.max_points == 100, subject
    assert standard_rules_for(Subject.COMMUNE, 2020, None).basis.startswith("TT 23/2012")  # type: ignore[union-attr]
    assert standard_rules_for(Subject.COMMUNE, 2024, None).basis.startswith("TT 124/2021")  # type: ignore[union-attr]
    commune_2024 = standard_rules_for(Subject.COMMUNE, 2024, None)
    assert commune_2024 is not None
    assert any(c.auto_source == "seventy_percent" for c in commune_2024.criteria.all())


def test_a_commune_cannot_appraise_or_approve_itself(world: World) -> None:
    commune = world.units["commune_a"]
    classification = classification_start(ctx=ctx(world, "alice"), unit=commune, year=2026)
    points, evidence = hand_points(classification)
    classification = self_score(ctx=ctx(world, "alice"), classification=classification, points=points,
                                evidence=evidence)
    assert classification.status == Classification.Status.SUBMITTED
    with pytest.raises(ValidationError, match="level above"):
        appraise(ctx=ctx(world, "alice"), classification=classification, points={})
    with pytest.raises(ValidationError):
        approve(ctx=ctx(world, "alice"), classification=classification)
    with pytest.raises(OutOfScope):
        classification_start(ctx=ctx(world, "bob"), unit=commune, year=2026)


def test_appraisal_changes_need_a_reason_and_approval_locks(world: World) -> None:
    commune = world.units["commune_a"]
    classification = classification_start(ctx=ctx(world, "alice"), unit=commune, year=2026)
    points, evidence = hand_points(classification)
    classification = self_score(ctx=ctx(world, "alice"), classification=classification, points=points,
                                evidence=evidence)
    first = next(iter(points))
    with pytest.raises(ValidationError, match="reason"):
        appraise(ctx=ctx(world, "paula"), classification=classification, points={first: Decimal("2")})
    classification = appraise(ctx=ctx(world, "paula"), classification=classification,
                              points={first: Decimal("2")}, reasons={first: "Thiếu biên bản"})
    assert classification.self_total is not None
    assert classification.appraised_total == classification.self_total - points[first] + 2
    classification = approve(ctx=ctx(world, "paula"), classification=classification)
    assert classification.locked and classification.level
    with pytest.raises(ValidationError, match="locked"):
        self_score(ctx=ctx(world, "alice"), classification=classification, points={})
    history = ChangeRecord.objects.for_object(classification).order_by("time", "id")
    assert [r.reason for r in history] == ["", "self-score", "appraisal", "approval"]


def test_automatic_items_follow_the_records_until_locked(world: World) -> None:
    commune = world.units["commune_a"]
    classification = classification_start(ctx=ctx(world, "alice"), unit=commune, year=2026)
    serious = classification.scores.get(item__auto_source="no_serious_crime")
    assert serious.self_points == serious.item.max_points and fact(serious)["value"] == 0
    case_create(ctx=AuditContext.cli(), case_no="MV-1", unit=world.units["village_a"], occurred_on=D(2026, 3, 2),
                severity="rat_nghiem_trong", group="ttxh")
    refresh_facts(classification)
    serious.refresh_from_db()
    assert serious.self_points == 0 and fact(serious)["value"] == 1
    assert fact(serious)["records"]["unit"] == commune.pk
    # Outside the commune's window (16/11/2025 – 15/11/2026) nothing changes.
    case_create(ctx=AuditContext.cli(), case_no="MV-2", unit=commune, occurred_on=D(2025, 11, 10),
                severity="rat_nghiem_trong", group="ttxh")
    refresh_facts(classification)
    serious.refresh_from_db()
    assert fact(serious)["value"] == 1


def test_the_2020_rules_and_the_2024_rules_coexist(world: World) -> None:
    """A 2020 evaluation keeps showing the rubric it was judged by after the 2024 change."""
    from django.test import Client

    old_commune = world.units["old_commune_a"]  # Phường Thịnh Lang, on the map of 2020
    old = classification_start(ctx=AuditContext.cli(), unit=old_commune, year=2020)
    seeded = old.rubric
    item = seeded.items.get(code="1")
    with pytest.raises(ValidationError, match="new version"):
        rule_row_update(ctx=AuditContext.cli(), row=item, max_points="5")
    newer = rule_set_new_version(ctx=AuditContext.cli(), base=seeded, first_year=2024, basis="Quy định mới 2024")
    rule_row_update(ctx=AuditContext.cli(), row=newer.items.get(code="1"), max_points="5",
                       text="Nghị quyết, kế hoạch (sửa 2024)")
    current = classification_start(ctx=AuditContext.cli(), unit=old_commune, year=2024)
    assert current.rubric == newer and current.rubric.max_points == 100 - item.max_points + 5
    old.refresh_from_db()
    assert old.rubric == seeded and seeded.items.get(code="1").max_points == item.max_points
    seeded.refresh_from_db()
    assert seeded.last_year == 2023
    assert rubric_for(Subject.COMMUNE, 2020, None) == seeded and rubric_for(Subject.COMMUNE, 2030, None) == newer
    paula = Client()
    paula.force_login(world.users["paula"])
    sheet_2020 = paula.get(f"/movement/classifications/{old.pk}/").content.decode()
    sheet_2024 = paula.get(f"/movement/classifications/{current.pk}/").content.decode()
    assert "(sửa 2024)" not in sheet_2020 and seeded.basis in sheet_2020
    assert "(sửa 2024)" in sheet_2024 and "Quy định mới 2024" in sheet_2024
    assert standard_rules_for(Subject.COMMUNE, 2020, None) != standard_rules_for(Subject.COMMUNE, 2024, None)
    with pytest.raises(OutOfScope):  # a commune officer does not edit rules
        rule_set_new_version(ctx=ctx(world, "alice"), base=newer, first_year=2027)
    assert Rubric.objects.filter(subject=Subject.COMMUNE).count() == 2


def _recognise(world: World, unit_key: str, year: int, recognise: bool = True) -> StandardEvaluation:
    evaluation = standard_evaluation_start(ctx=ctx(world, "paula"), unit=world.units[unit_key], year=year)
    hand = {c.criterion.code: True for c in evaluation.checks.select_related("criterion")
            if not c.criterion.auto_source}
    standard_check(ctx=ctx(world, "paula"), evaluation=evaluation, results=hand)
    return standard_decide(ctx=ctx(world, "paula"), evaluation=evaluation, recognise=recognise,
                           decision_no=f"{unit_key}/QĐ-UBND", decision_date=D(year, 11, 18), signer="Chủ tịch UBND")


def test_a_commune_below_70_percent_is_refused_with_the_units(world: World) -> None:
    year = 2026
    standard_register(ctx=ctx(world, "alice"), unit=world.units["commune_a"], year=year, registered_on=D(year, 2, 1))
    standard_register(ctx=ctx(world, "alice"), unit=world.units["village_a"], year=year, registered_on=D(year, 2, 1),
                      households=120, households_registered=120)
    _recognise(world, "village_a", year)
    commune = standard_evaluation_start(ctx=ctx(world, "alice"), unit=world.units["commune_a"], year=year)
    hand = {c.criterion.code: True for c in commune.checks.select_related("criterion") if not c.criterion.auto_source}
    standard_check(ctx=ctx(world, "alice"), evaluation=commune, results=hand)
    with pytest.raises(ValidationError) as refused:  # the school has not registered
        standard_decide(ctx=ctx(world, "paula"), evaluation=commune, recognise=True, decision_no="1/QĐ",
                        decision_date=D(year, 11, 19), signer="Chủ tịch UBND tỉnh")
    assert "Not registered: Trường THPT Công nghiệp" in str(refused.value)
    standard_register(ctx=ctx(world, "rita"), unit=world.units["school_a"], year=year, registered_on=D(year, 3, 1))
    _recognise(world, "school_a", year, recognise=False)
    with pytest.raises(ValidationError) as refused:  # 1 of 2 = 50%
        standard_decide(ctx=ctx(world, "paula"), evaluation=commune, recognise=True, decision_no="1/QĐ",
                        decision_date=D(year, 11, 19), signer="Chủ tịch UBND tỉnh")
    assert "1 of 2" in str(refused.value) and "50,00%" in str(refused.value)
    assert "Not recognised: Trường THPT Công nghiệp" in str(refused.value)
    with pytest.raises(ValidationError, match="level above"):  # and never by the commune itself
        standard_decide(ctx=ctx(world, "alice"), evaluation=commune, recognise=False, decision_no="1/QĐ",
                        decision_date=D(year, 11, 19), signer="x")
    commune.refresh_from_db()
    assert commune.result == StandardEvaluation.Result.PENDING


def test_a_commune_at_70_percent_with_every_criterion_is_recognised(world: World) -> None:
    year = 2026
    for key in ("village_a", "school_a"):
        standard_register(ctx=ctx(world, "paula"), unit=world.units[key], year=year, registered_on=D(year, 2, 1))
        _recognise(world, key, year)
    standard_register(ctx=ctx(world, "alice"), unit=world.units["commune_a"], year=year, registered_on=D(year, 2, 1))
    decided = _recognise(world, "commune_a", year)
    assert decided.result == StandardEvaluation.Result.RECOGNISED
    check = decided.checks.get(criterion__auto_source="seventy_percent")
    assert check.met is True and fact(check)["value"] == 2 and fact(check)["total"] == 2
    # The standard now gates "xuất sắc" and fills its rubric item.
    classification = classification_start(ctx=ctx(world, "alice"), unit=world.units["commune_a"], year=year)
    assert classification.scores.get(item__auto_source="standard_passed").self_points == 10


@pytest.mark.parametrize(("birth_year", "override", "message"), [
    (2009, "", "at least 18 years old"),  # 17 in 2026
    (1955, "", "older than 70"),  # 71 in 2026
])
def test_a_member_aged_17_or_71_is_refused_with_a_clear_message(world: World, birth_year: int, override: str,
                                                                  message: str) -> None:
    from antq.movement.grassroots import member_add, team_create

    team = team_create(ctx=ctx(world, "alice"), unit=world.units["village_a"], name="Tổ bảo vệ ANTT Đồng Tiến",
                       decision_no="15/QĐ-UBND", decision_date=D(2024, 7, 1))
    values = {"full_name": "Nguyễn Văn A", "birth_year": birth_year, "sex": "male", "education": "lower_secondary",
              "resident_since": D(2010, 1, 1), "joined_on": D(2026, 1, 5), "age_override": override}
    with pytest.raises(ValidationError, match=message) as refused:
        member_add(ctx=ctx(world, "alice"), team=team, **values)
    assert "birth_year" in refused.value.message_dict
    with translation.override("vi"), pytest.raises(ValidationError, match=r"phải đủ 18 tuổi|trên 70 tuổi"):
        member_add(ctx=ctx(world, "alice"), team=team, **values)
    assert not team.members.exists()


def test_membership_conditions_and_service_time(world: World) -> None:
    from antq.movement.grassroots import member_add, member_leave, service_days, team_create

    plain = team_create(ctx=ctx(world, "alice"), unit=world.units["village_a"], name="Tổ 1",
                        decision_no="15/QĐ-UBND", decision_date=D(2024, 7, 1))
    hardship = team_create(ctx=ctx(world, "bob"), unit=world.units["village_b"], name="Tổ Xóm Chiềng",
                           decision_no="16/QĐ-UBND", decision_date=D(2024, 7, 1), hardship_area=True)
    base = {"full_name": "Bùi Thị B", "birth_year": 1955, "sex": "female", "education": "primary",
            "resident_since": D(2000, 1, 1), "joined_on": D(2024, 7, 1)}
    with pytest.raises(ValidationError, match="Lower-secondary"):
        member_add(ctx=ctx(world, "alice"), team=plain, **base)
    with pytest.raises(ValidationError, match="at least 1 year"):
        member_add(ctx=ctx(world, "bob"), team=hardship, **{**base, "resident_since": D(2024, 1, 1)})
    with pytest.raises(OutOfScope):  # another commune's team
        member_add(ctx=ctx(world, "alice"), team=hardship, **base)
    member = member_add(ctx=ctx(world, "bob"), team=hardship, **base)  # 69 in 2024, primary is enough here
    older = member_add(ctx=ctx(world, "bob"), team=hardship, **{**base, "full_name": "Lò Văn C", "birth_year": 1950,
                                                                "age_override": "20/QĐ-UBND"})
    assert older.pk and ChangeRecord.objects.for_object(member).exists()
    member_leave(ctx=ctx(world, "bob"), member=member, left_on=D(2025, 6, 30), reason="Chuyển nơi ở")
    assert service_days("Bùi Thị B", 1955, D(2026, 11, 1)) == 365



def test_models_are_counted_by_sites_teams_and_members_up_the_tree(world: World) -> None:
    from antq.movement.self_managed import (
        model_counts,
        model_site_create,
        model_site_recognise,
        model_team_create,
        model_type_create,
    )

    camera = model_type_create(ctx=ctx(world, "paula"), name="Camera an ninh", province=world.units["province"])
    with pytest.raises(OutOfScope):  # the catalogue is the province secretariat's
        model_type_create(ctx=ctx(world, "alice"), name="Tổ tự quản", province=world.units["province"])
    original = model_site_create(ctx=ctx(world, "alice"), model_type=camera, unit=world.units["village_a"],
                                 started_on=D(2025, 9, 1))
    copy = model_site_create(ctx=ctx(world, "bob"), model_type=camera, unit=world.units["village_b"],
                             started_on=D(2026, 2, 1), replicated_from=original)
    model_team_create(ctx=ctx(world, "alice"), site=original, name="Tổ camera 1", members=7, started_on=D(2025, 9, 1))
    model_team_create(ctx=ctx(world, "alice"), site=original, name="Tổ camera 2", members=5, started_on=D(2026, 1, 1))
    model_team_create(ctx=ctx(world, "bob"), site=copy, name="Tổ camera Chiềng", members=6, started_on=D(2026, 2, 1))
    with pytest.raises(ValidationError, match="level above"):
        model_site_recognise(ctx=ctx(world, "alice"), site=original, on=D(2026, 6, 1), decision="")
    model_site_recognise(ctx=ctx(world, "paula"), site=original, on=D(2026, 6, 1), decision="35/QĐ-UBND")
    province = model_counts(world.units["province"], D(2026, 11, 1))
    assert (province.models, province.sites, province.teams, province.members, province.advanced_examples) == (
        1, 2, 3, 18, 1)
    commune = model_counts(world.units["commune_a"], D(2025, 12, 1))
    assert (commune.sites, commune.teams, commune.members, commune.advanced_examples) == (1, 1, 7, 0)


FIGURES = {"propaganda_sessions": 4, "propaganda_attendees": 230, "meetings": 2, "people_reports": 5,
           "crimes_detected_by_people": 1, "hotspots": 0, "new_models": 1, "active_teams": 3}


def test_movement_reports_are_checked_locked_and_reopened_with_a_reason(world: World) -> None:
    from antq.movement.reports import monthly_timeliness, report_approve, report_reopen, report_save

    commune = world.units["commune_a"]
    with pytest.raises(ValidationError) as refused:
        report_save(ctx=ctx(world, "alice"), unit=commune, spec="2026-03",
                    figures={**FIGURES, "propaganda_attendees": 3, "crimes_detected_by_people": 9})
    assert set(refused.value.message_dict) == {"propaganda_attendees", "crimes_detected_by_people"}
    with pytest.raises(ValidationError):
        report_save(ctx=ctx(world, "alice"), unit=commune, spec="2026-03", figures={**FIGURES, "meetings": -1})
    report = report_save(ctx=ctx(world, "alice"), unit=commune, spec="2026-03", figures=FIGURES, submit=True)
    assert report.due_on == D(2026, 3, 17) and report.period_start == D(2026, 2, 15)
    with pytest.raises(ValidationError, match="level above"):
        report_approve(ctx=ctx(world, "alice"), report=report)
    report = report_approve(ctx=ctx(world, "paula"), report=report)
    with pytest.raises(ValidationError, match="locked"):
        report_save(ctx=ctx(world, "alice"), unit=commune, spec="2026-03", figures=FIGURES)
    with pytest.raises(ValidationError):
        report_reopen(ctx=ctx(world, "paula"), report=report, reason=" ")
    report_reopen(ctx=ctx(world, "paula"), report=report, reason="Sửa số liệu tuyên truyền")
    corrected = report_save(ctx=ctx(world, "alice"), unit=commune, spec="2026-03",
                            figures={**FIGURES, "propaganda_sessions": 5}, submit=True)
    assert corrected.figures["propaganda_sessions"] == 5 and corrected.submitted_on == report.submitted_on
    timeliness = monthly_timeliness(commune, 2026, today=D(2026, 11, 29))
    assert (timeliness.due, timeliness.submitted) == (11, 1)  # the MPS months up to 14/11 are due by 17/11


def test_the_secretariat_versions_rubrics_in_the_ui(world: World) -> None:
    from django.test import Client

    seeded = Rubric.objects.get(subject=Subject.COMMUNE, province__isnull=True)
    paula = Client()
    paula.force_login(world.users["paula"])
    assert paula.get("/movement/rules/?subject=commune").status_code == 200
    response = paula.post(f"/movement/rules/rubric/{seeded.pk}/version/",
                          {"province": world.units["province"].pk, "first_year": 2027, "basis": "KH 12/KH-UBND"})
    assert response.status_code == 302
    own = Rubric.objects.get(subject=Subject.COMMUNE, province=world.units["province"])
    item = own.items.get(code="2")
    paula.post(f"/movement/rules/rubric/rows/{item.pk}/", {"text": item.text, "max_points": "7",
                                                            "evidence_required": "on"})
    item.refresh_from_db()
    assert item.max_points == 7 and own.first_year == 2027
    assert rubric_for(Subject.COMMUNE, 2027, world.units["province"]) == own
    assert rubric_for(Subject.COMMUNE, 2027, world.units["other_province"]) == seeded  # others keep the national
    national_item = seeded.items.get(code="2")
    paula.post(f"/movement/rules/rubric/rows/{national_item.pk}/", {"text": "x", "max_points": "1"})
    national_item.refresh_from_db()
    assert national_item.max_points == 12  # national defaults are the administrators'
    alice = Client()
    alice.force_login(world.users["alice"])
    assert alice.get("/movement/rules/").status_code == 404


def test_units_late_with_their_classification_are_listed_until_they_send_it(world: World) -> None:
    from django.test import Client

    paula = Client()
    paula.force_login(world.users["paula"])
    page = paula.get(f"/movement/?unit={world.units['province'].pk}&year=2025").content.decode()
    assert "Phường Hòa Bình" in page.split('data-testid="overdue"')[1].split("</div>")[0]
    classification = classification_start(ctx=ctx(world, "alice"), unit=world.units["commune_a"], year=2025)
    points, evidence = hand_points(classification)
    self_score(ctx=ctx(world, "alice"), classification=classification, points=points, evidence=evidence)
    page = paula.get(f"/movement/?unit={world.units['province'].pk}&year=2025").content.decode()
    overdue = page.split('data-testid="overdue"')[1].split("</div>")[0]
    assert "Phường Hòa Bình" not in overdue and "Xã Lạc Sơn" in overdue


def test_ratings_follow_the_nine_months_leader_and_quota_rules(world: World) -> None:
    from antq.movement.grassroots import member_add, member_rate, team_create, team_rate

    alice = ctx(world, "alice")
    team = team_create(ctx=alice, unit=world.units["village_a"], name="Tổ 1", decision_no="15/QĐ-UBND",
                       decision_date=D(2025, 7, 1))
    young_team = team_create(ctx=alice, unit=world.units["village_a"], name="Tổ 2", decision_no="16/QĐ-UBND",
                             decision_date=D(2026, 6, 1))
    base = {"birth_year": 1980, "sex": "male", "education": "upper_secondary", "resident_since": D(2000, 1, 1),
            "joined_on": D(2025, 7, 1)}
    leader = member_add(ctx=alice, team=team, full_name="Tổ trưởng", role="leader", **base)
    late = member_add(ctx=alice, team=team, full_name="Mới vào", **{**base, "joined_on": D(2026, 5, 1)})
    with pytest.raises(ValidationError, match="less than 9 months"):
        team_rate(ctx=alice, team=young_team, year=2026, level="tot")
    with pytest.raises(ValidationError, match="less than 9 months"):
        member_rate(ctx=alice, member=late, year=2026, level="tot")
    with pytest.raises(ValidationError, match="20%"):  # no "well completed" yet: no "excellent" either
        team_rate(ctx=alice, team=team, year=2026, level="xuat_sac")
    team_rate(ctx=alice, team=team, year=2026, level="tot")
    with pytest.raises(ValidationError, match="above the team"):
        member_rate(ctx=alice, member=leader, year=2026, level="xuat_sac")
    assert member_rate(ctx=alice, member=leader, year=2026, level="tot").level == "tot"
    assert member_rate(ctx=alice, member=leader, year=2026, level="hoan_thanh").level == "hoan_thanh"
    with pytest.raises(OutOfScope):
        team_rate(ctx=ctx(world, "bob"), team=team, year=2026, level="tot")


def test_reports_import_is_all_or_nothing_and_names_row_and_column(world: World, tmp_path) -> None:
    from antq.movement.imports import import_reports, results_workbook
    from antq.movement.models import MovementReport

    header = ("Mã đơn vị,Kỳ báo cáo,propaganda_sessions,propaganda_attendees,meetings,people_reports,"
              "crimes_detected_by_people,hotspots,new_models,active_teams\n")
    good = "04795,2026-03,4,230,2,5,1,0,1,3\n05266,2026-03,2,80,1,3,1,0,0,2\n"
    bad = good + "05266,2026-04,5,3,1,3,9,0,0,2\n00004,2026-04,1,10,0,0,0,0,0,1\n"
    result = import_reports(ctx=ctx(world, "paula"), handle=io.BytesIO((header + bad).encode()))
    where = {(e.row, e.column) for e in result.errors}
    assert (4, "Số lượt người dự tuyên truyền") in where and (4, "Số vụ phát hiện nhờ quần chúng") in where
    assert (5, "Mã đơn vị") in where  # another province: out of scope
    assert not MovementReport.objects.exists() and result.created == 0
    assert import_reports(ctx=ctx(world, "paula"), handle=io.BytesIO((header + good).encode()), dry_run=True).ok
    assert not MovementReport.objects.exists()
    result = import_reports(ctx=ctx(world, "paula"), handle=io.BytesIO((header + good).encode()))
    assert (result.created, result.updated) == (2, 0) and MovementReport.objects.count() == 2
    again = header + good.replace(",4,230", ",6,230")
    result = import_reports(ctx=ctx(world, "paula"), handle=io.BytesIO(again.encode()))
    assert (result.created, result.updated) == (0, 2)
    assert MovementReport.objects.get(unit=world.units["commune_a"]).figures["propaganda_sessions"] == 6
    assert results_workbook(world.units["province"], 2026, world.users["paula"])[:2] == b"PK"


def test_team_page_adds_rates_and_lets_members_leave(world: World) -> None:
    from django.test import Client

    from antq.movement.grassroots import team_create
    from antq.movement.models import MemberRating, TeamRating

    team = team_create(ctx=ctx(world, "alice"), unit=world.units["village_a"], name="Tổ 1", decision_no="15/QĐ",
                       decision_date=D(2025, 7, 1))
    alice = Client()
    alice.force_login(world.users["alice"])
    url = f"/movement/teams/{team.pk}/"
    member = {"action": "add", "full_name": "Nguyễn Văn Trẻ", "birth_year": "2009", "sex": "male", "role": "leader",
              "education": "upper_secondary", "resident_since": "2010-01-01", "joined_on": "2025-07-01"}
    page = alice.post(url, member).content.decode()
    assert "phải đủ 18 tuổi" in page and not team.members.exists()  # refused, in Vietnamese, beside the field
    assert alice.post(url, {**member, "birth_year": "1985"}).status_code == 302
    leader = team.members.get()
    assert alice.post(url, {"action": "rate_team", "year": "2026", "level": "tot"}).status_code == 302
    page = alice.post(url, {"action": "rate_member", "member": leader.pk, "year": "2026", "level": "xuat_sac"},
                      follow=True).content.decode()
    assert "Tổ trưởng không được xếp loại cao hơn tổ" in page and not MemberRating.objects.exists()
    alice.post(url, {"action": "rate_member", "member": leader.pk, "year": "2026", "level": "tot"})
    alice.post(url, {"action": "leave", "member": leader.pk, "left_on": "2026-11-20", "reason": "Chuyển công tác"})
    leader.refresh_from_db()
    assert TeamRating.objects.get(team=team).level == "tot" and MemberRating.objects.get().level == "tot"
    assert leader.left_on == D(2026, 11, 20)
    bob = Client()
    bob.force_login(world.users["bob"])
    assert bob.post(url, {"action": "rate_team", "year": "2026", "level": "tot"}).status_code == 404


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_evidence_is_checked_by_content_and_served_only_in_scope(world: World, settings: Any, tmp_path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from antq.movement.models import Evidence

    settings.VAR_DIR = tmp_path
    classification = classification_start(ctx=ctx(world, "alice"), unit=world.units["commune_a"], year=2026)
    alice = Client()
    alice.force_login(world.users["alice"])
    url = f"/movement/classifications/{classification.pk}/"
    fake = SimpleUploadedFile("bien-ban.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf")
    page = alice.post(url, {"action": "evidence", "item": "1", "file": fake}, follow=True).content.decode()
    assert "PDF, PNG" in page or "PDF, PNG" in page.replace("&#x27;", "'")
    assert not Evidence.objects.exists() and not list(tmp_path.rglob("*.*"))
    alice.post(url, {"action": "evidence", "item": "1",
                     "file": SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")})
    evidence = Evidence.objects.get()
    assert evidence.content_type == "application/pdf" and evidence.size == len(PDF)
    assert not str(evidence.stored_as).startswith("bien-ban")  # stored under a random name
    download = alice.get(f"/movement/evidence/{evidence.pk}/")
    assert download.status_code == 200 and download.getvalue() == PDF
    assert download["Content-Disposition"].startswith("attachment")
    bob = Client()
    bob.force_login(world.users["bob"])
    assert bob.get(f"/movement/evidence/{evidence.pk}/").status_code == 404
    assert ChangeRecord.objects.for_object(evidence).exists()


def test_api_refuses_an_ineligible_member_naming_the_field(world: World) -> None:
    from django.test import Client

    from antq.movement.grassroots import team_create

    team = team_create(ctx=ctx(world, "alice"), unit=world.units["village_a"], name="Tổ 1", decision_no="15/QĐ",
                       decision_date=D(2025, 7, 1))
    alice = Client()
    alice.force_login(world.users["alice"])
    body = {"full_name": "Nguyễn Văn Trẻ", "birth_year": 2009, "sex": "male", "education": "upper_secondary",
            "resident_since": "2010-01-01", "joined_on": "2026-01-05"}
    response = alice.post(f"/api/v1/movement/teams/{team.pk}/members", body, content_type="application/json")
    assert response.status_code == 422 and "birth_year" in response.json()["fields"]
    assert alice.post(f"/api/v1/movement/teams/{team.pk}/members", {**body, "birth_year": 1990},
                      content_type="application/json").status_code == 201
    listed = alice.get("/api/v1/movement/teams?unit=04795").json()
    assert listed["count"] == 1 and listed["items"][0]["members"][0]["full_name"] == "Nguyễn Văn Trẻ"


def test_level_thresholds_and_criteria_are_versioned_like_rubrics(world: World) -> None:
    from django.test import Client

    from antq.movement.rules import LevelScheme, StandardRuleSet, levels_for

    province = world.units["province"]
    national = LevelScheme.objects.get(province__isnull=True)
    paula = Client()
    paula.force_login(world.users["paula"])
    paula.post(f"/movement/rules/levels/{national.pk}/version/", {"province": province.pk, "first_year": 2027})
    own = LevelScheme.objects.get(province=province)
    good = own.levels.get(level="kha")
    paula.post(f"/movement/rules/levels/rows/{good.pk}/", {"min_points": "65"})
    good.refresh_from_db()
    assert good.min_points == 65 and levels_for(2027, province) == own and levels_for(2026, province) == national
    criteria = StandardRuleSet.objects.get(province__isnull=True, subject=Subject.COMMUNE, first_year=2022)
    paula.post(f"/movement/rules/standard/{criteria.pk}/version/", {"province": province.pk, "first_year": 2027})
    copy = StandardRuleSet.objects.get(province=province, subject=Subject.COMMUNE)
    assert [c.code for c in copy.criteria.all()] == [c.code for c in criteria.criteria.all()]
    assert standard_rules_for(Subject.COMMUNE, 2027, province) == copy
    assert paula.post(f"/movement/rules/nonsense/{criteria.pk}/version/", {}).status_code == 404


def test_api_refuses_recognising_a_commune_below_70_percent_naming_the_units(world: World) -> None:
    from django.test import Client

    standard_register(ctx=ctx(world, "alice"), unit=world.units["village_a"], year=2026, registered_on=D(2026, 2, 1))
    _recognise(world, "village_a", 2026, recognise=False)
    evaluation = standard_evaluation_start(ctx=ctx(world, "alice"), unit=world.units["commune_a"], year=2026)
    paula = Client()
    paula.force_login(world.users["paula"])
    decision = {"recognise": True, "decision_no": "1/QĐ", "decision_date": "2026-11-19", "signer": "Chủ tịch"}
    response = paula.post(f"/api/v1/movement/standard/evaluations/{evaluation.pk}/decision", decision,
                          content_type="application/json")
    assert response.status_code == 422
    detail = " ".join(response.json()["detail"])
    assert "Tổ dân phố Đồng Tiến" in detail and "Trường THPT Công nghiệp" in detail
    alice = Client()
    alice.force_login(world.users["alice"])
    assert alice.post(f"/api/v1/movement/standard/evaluations/{evaluation.pk}/decision",
                      {"recognise": False, "decision_no": "1/QĐ", "decision_date": "2026-11-19", "signer": "x"},
                      content_type="application/json").status_code == 404  # never by the commune itself


def test_members_import_checks_every_condition_and_writes_nothing_on_error(world: World) -> None:
    from django.test import Client

    from antq.movement.grassroots import team_create
    from antq.movement.imports import import_members, member_template

    team = team_create(ctx=ctx(world, "alice"), unit=world.units["village_a"], name="Tổ Đồng Tiến",
                       decision_no="15/QĐ", decision_date=D(2025, 7, 1))
    code = world.units["village_a"].code
    header = "Tổ bảo vệ ANTT,Mã thôn/tổ dân phố,Họ và tên,Năm sinh,Giới tính,Chức danh,Trình độ học vấn," \
             "Cư trú từ ngày,Ngày công nhận\n"
    good = f"Tổ Đồng Tiến,{code},Nguyễn Văn A,1985,male,leader,upper_secondary,2010-01-01,2025-07-01\n"
    young = f"Tổ Đồng Tiến,{code},Nguyễn Văn B,2009,male,member,upper_secondary,2010-01-01,2026-01-05\n"
    elsewhere = "Tổ khác,99999,Lò Văn C,1980,male,member,upper_secondary,2010-01-01,2025-07-01\n"
    result = import_members(ctx=ctx(world, "alice"), handle=io.BytesIO((header + good + young + elsewhere).encode()))
    assert {(e.row, e.column) for e in result.errors} == {(3, "Năm sinh"), (4, "Tổ bảo vệ ANTT")}
    assert not team.members.exists()
    result = import_members(ctx=ctx(world, "alice"), handle=io.BytesIO((header + good).encode()))
    assert result.created == 1 and team.members.get().role == "leader"
    assert import_members(ctx=ctx(world, "bob"), handle=io.BytesIO((header + good).encode())).errors  # not his team
    assert member_template()[:2] == b"PK"
    alice = Client()
    alice.force_login(world.users["alice"])
    assert alice.get("/movement/import/members/").status_code == 200
    assert alice.get("/movement/import/nonsense/").status_code == 404
