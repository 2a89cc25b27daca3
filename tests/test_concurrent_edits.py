"""Two people edit the same record at once: the second save, based on the page as it was
before the first, is refused with "changed by someone else" on the page (never a 500), the
first person's change stays, and the refused save leaves no audit record.

Every model with a `version` field must have its scenario below: a new versioned model
without one fails `test_every_versioned_model_has_a_scenario`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.utils import translation

from antq.accounts.services import token_create
from antq.awards.clusters import cluster_create
from antq.awards.models import AwardType, Cluster, Conference, Task
from antq.awards.plans import conference_record, plan_create
from antq.awards.proposals import proposal_create, proposals_review
from antq.awards.services import AwardSpec
from antq.core.audit import AuditContext
from antq.core.models import ChangeRecord
from antq.core.versioning import StaleVersion
from antq.movement.choices import Subject
from antq.movement.classification import classification_start
from antq.movement.grassroots import member_add, team_create
from antq.movement.models import (
    Classification,
    ModelSite,
    MovementReport,
    StandardEvaluation,
    TeamMember,
)
from antq.movement.reports import report_save
from antq.movement.rules import LevelRule, RubricItem, StandardCriterion
from antq.movement.self_managed import model_site_create, model_type_create
from antq.movement.standard import standard_evaluation_start
from antq.records.models import CriminalCase, TrafficAccident
from antq.records.services import accident_create, case_create
from antq.reports.brief import brief_save
from antq.reports.models import BriefDraft, ReportDraft
from antq.reports.services import draft_save
from antq.tipoffs.models import Tip
from antq.tipoffs.services import tip_submit
from antq.units.models import Unit
from tests.fixtures import World, acting

D = datetime.date
STALE = "This record was changed by someone else meanwhile; reload it and try again."
STALE_VI = "Hồ sơ vừa được người khác sửa; hãy tải lại rồi thử lại."
FIGURES = {"propaganda_sessions": 4, "propaganda_attendees": 230, "meetings": 2, "people_reports": 5,
           "crimes_detected_by_people": 1, "hotspots": 0, "new_models": 1, "active_teams": 3}


@dataclass(frozen=True)
class Scenario:
    """One record edited in place through the page people use.

    `form(record, mark, version)` is what an editor posts when writing `mark` (1 or 2) from
    a page that showed `version`; `written(record)` reads back what a save changes."""

    editors: tuple[str, str]  # first and second; the same name is one person in two tabs
    make: Callable[[World], Any]
    page: Callable[[Any], str]
    form: Callable[[Any, int, int], dict[str, Any]]
    written: Callable[[Any], object]
    post_to: Callable[[Any], str] | None = None  # when the form posts elsewhere than its page


# -- the records -------------------------------------------------------------------------------


def _case(world: World) -> CriminalCase:
    return case_create(ctx=acting(world, "alice"), case_no="HS-1", unit=world.units["commune_a"],
                       occurred_on=D(2026, 3, 1), severity="nghiem_trong", group="ttxh", suspects=1)


def _accident(world: World) -> TrafficAccident:
    return accident_create(ctx=acting(world, "alice"), accident_no="TN-1", unit=world.units["commune_a"],
                           occurred_on=D(2026, 3, 1), deaths=0, injuries=1)


def _hand_item(classification: Classification) -> str:
    return str(classification.scores.filter(item__auto_source="").order_by("item__position")
               .values_list("item__code", flat=True)[0])


def _hand_criterion(evaluation: StandardEvaluation) -> str:
    return str(evaluation.checks.filter(criterion__auto_source="").order_by("criterion__position")
               .values_list("criterion__code", flat=True)[0])


def _member(world: World) -> TeamMember:
    team = team_create(ctx=acting(world, "alice"), unit=world.units["village_a"], name="Tổ bảo vệ ANTT Đồng Tiến",
                       decision_no="15/QĐ-UBND", decision_date=D(2024, 7, 1))
    return member_add(ctx=acting(world, "alice"), team=team, full_name="Bùi Văn Bình", birth_year=1980, sex="male",
                      education="lower_secondary", resident_since=D(2000, 1, 1), joined_on=D(2024, 7, 1))


def _site(world: World) -> ModelSite:
    camera = model_type_create(ctx=acting(world, "paula"), name="Camera an ninh", province=world.units["province"])
    return model_site_create(ctx=acting(world, "alice"), model_type=camera, unit=world.units["village_a"],
                             started_on=D(2025, 9, 1))


def _task(world: World) -> Task:
    plan = plan_create(ctx=acting(world, "paula"), unit=world.units["province"], year=2027, title="Kế hoạch 2027",
                       tasks=[{"text": "Xây dựng phong trào", "lead": world.units["province"],
                               "deadline": D(2027, 12, 14)}])
    return plan.tasks.get()


def _conference(world: World) -> Conference:
    return conference_record(ctx=acting(world, "paula"), unit=world.units["province"], year=2026,
                             held_on=D(2026, 11, 20), place="Hội trường UBND tỉnh", chair="Chủ tịch UBND tỉnh",
                             attendees=[])


def _brief(world: World) -> BriefDraft:
    return brief_save(ctx=acting(world, "paula"), conference=_conference(world), title="Hội nghị tổng kết",
                      text="Đoạn đầu.")


def _tip(world: World) -> Tip:
    tip, _code = tip_submit(kind="tin_bao", province=world.units["province"], commune=world.units["commune_b"],
                            place_detail="", occurred="", description="Có người lạ trộm gia súc ban đêm.",
                            contact="", files=[])
    return tip


def _rubric_item(world: World) -> RubricItem:
    return RubricItem.objects.filter(rubric__subject=Subject.COMMUNE, rubric__province__isnull=True,
                                     auto_source="").order_by("rubric__first_year", "position")[0]


def _level_rule(world: World) -> LevelRule:
    return LevelRule.objects.filter(scheme__province__isnull=True).order_by("scheme__first_year", "pk")[0]


def _criterion(world: World) -> StandardCriterion:
    return StandardCriterion.objects.filter(rule_set__subject=Subject.COMMUNE, rule_set__province__isnull=True,
                                            auto_source="").order_by("-rule_set__first_year", "position")[0]


def _rule_row(kind: str) -> Callable[[Any], str]:
    return lambda row: f"/movement/rules/{kind}/rows/{row.pk}/"


SCENARIOS: dict[type[models.Model], Scenario] = {
    CriminalCase: Scenario(
        ("alice", "paula"), _case, lambda case: f"/records/cases/{case.pk}/edit/",
        lambda case, mark, version: {"case_no": "HS-1", "unit_code": "04795", "occurred_on": "2026-03-01",
                                     "severity": "nghiem_trong", "group": "ttxh", "suspects": mark + 1,
                                     "version": version, "reason": "bổ sung"},
        lambda case: case.suspects),
    TrafficAccident: Scenario(
        ("alice", "alice"), _accident, lambda accident: f"/records/accidents/{accident.pk}/edit/",
        lambda accident, mark, version: {"accident_no": "TN-1", "unit_code": "04795", "occurred_on": "2026-03-01",
                                         "mode": "duong_bo", "deaths": 0, "injuries": mark + 1, "version": version},
        lambda accident: accident.injuries),
    Classification: Scenario(
        ("alice", "paula"), lambda w: classification_start(ctx=acting(w, "alice"), unit=w.units["commune_a"],
                                                          year=2026),
        lambda row: f"/movement/classifications/{row.pk}/",
        lambda row, mark, version: {"action": "save", "version": version, f"self-{_hand_item(row)}": mark},
        lambda row: row.scores.get(item__code=_hand_item(row)).self_points),
    StandardEvaluation: Scenario(
        ("alice", "paula"), lambda w: standard_evaluation_start(ctx=acting(w, "alice"), unit=w.units["commune_a"],
                                                               year=2026),
        lambda row: f"/movement/standard/{row.pk}/",
        lambda row, mark, version: {"action": "check", "version": version, f"met-{_hand_criterion(row)}": "yes",
                                    f"evidence-{_hand_criterion(row)}": f"Biên bản số {mark}"},
        lambda row: row.checks.get(criterion__code=_hand_criterion(row)).evidence),
    TeamMember: Scenario(
        ("alice", "paula"), _member, lambda member: f"/movement/teams/{member.team_id}/",
        lambda member, mark, version: {"action": "leave", "member": member.pk, "version": version,
                                       "left_on": f"2026-0{mark + 4}-30", "reason": f"Chuyển nơi ở {mark}"},
        lambda member: (member.left_on, member.leave_reason)),
    ModelSite: Scenario(
        ("paula", "root"), _site, lambda site: f"/movement/sites/{site.pk}/",
        lambda site, mark, version: {"action": "recognise", "version": version, "on": "2026-06-01",
                                     "decision": f"3{mark}/QĐ-UBND"},
        lambda site: site.advanced_example_decision),
    MovementReport: Scenario(
        ("alice", "paula"), lambda w: report_save(ctx=acting(w, "alice"), unit=w.units["commune_a"], spec="2026-03",
                                                 figures=FIGURES),
        lambda report: f"/movement/reports/{report.unit_id}/{report.spec}/",
        lambda report, mark, version: {"action": "save", "version": version, **FIGURES, "meetings": mark + 2},
        lambda report: report.figures["meetings"]),
    Task: Scenario(
        ("paula", "paula"), _task, lambda task: f"/awards/plans/{task.plan_id}/",
        lambda task, mark, version: {"op": "change", "task": task.pk, f"t{task.pk}-version": version,
                                     f"t{task.pk}-status": "open", f"t{task.pk}-deadline": f"2027-0{mark + 5}-30",
                                     f"t{task.pk}-reason": "Dời hạn"},
        lambda task: task.deadline),
    ReportDraft: Scenario(
        ("paula", "root"), lambda w: draft_save(ctx=acting(w, "paula"), unit=w.units["province"], year=2026,
                                               scheme="mps", values={"situation": "Ổn định."}),
        lambda draft: f"/reports/?unit={draft.unit_id}&year=2026&scheme=mps",
        lambda draft, mark, version: {"unit": draft.unit_id, "year": 2026, "scheme": "mps", "version": version,
                                      "situation": f"Tình hình ổn định ({mark})."},
        lambda draft: draft.situation, post_to=lambda draft: "/reports/"),
    BriefDraft: Scenario(
        ("paula", "paula"), _brief, lambda brief: f"/reports/brief/{brief.conference_id}/",
        lambda brief, mark, version: {"op": "save", "version": version, "title": "Hội nghị tổng kết",
                                      "text": f"Đoạn sửa lần {mark}."},
        lambda brief: brief.text),
    Tip: Scenario(
        ("bob", "paula"), _tip, lambda tip: f"/tips/{tip.pk}/",
        lambda tip, mark, version: {"op": "triage", "version": version, "classification": f"Trộm cắp {mark}"},
        lambda tip: tip.classification),
    Conference: Scenario(
        ("paula", "root"), _conference, lambda conference: f"/awards/conferences/{conference.pk}/",
        lambda conference, mark, version: {"version": version, "held_on": "2026-11-20", "place": f"Hội trường {mark}",
                                           "chair": "Chủ tịch UBND tỉnh", "attendees": "", "agenda": "",
                                           "documents": ""},
        lambda conference: conference.place),
    Cluster: Scenario(
        ("paula", "paula"), lambda w: cluster_create(ctx=acting(w, "paula"), province=w.units["province"],
                                                    year=2026, name="Cụm thi đua số 1"),
        lambda cluster: f"/awards/clusters/{cluster.pk}/",
        lambda cluster, mark, version: {"action": "vote", "version": version, "vote_record": f"Biểu quyết {mark}"},
        lambda cluster: cluster.vote_record),
    Unit: Scenario(
        ("alice", "paula"), lambda w: w.units["village_a"], lambda unit: f"/units/{unit.pk}/edit/",
        lambda unit, mark, version: {"version": version, "kind": unit.kind, "subtype": unit.subtype,
                                     "name": f"Tổ dân phố Đồng Tiến {mark}", "code": unit.code,
                                     "valid_from": unit.valid_from.isoformat(), "valid_to": "",
                                     "reason": "đổi tên"},
        lambda unit: unit.name),
    RubricItem: Scenario(
        ("root", "root"), _rubric_item, lambda item: "/movement/rules/?subject=commune",
        lambda item, mark, version: {"version": version, "text": f"Nội dung sửa lần {mark}",
                                     "max_points": str(item.max_points)},
        lambda item: item.text, post_to=_rule_row("rubric")),
    LevelRule: Scenario(
        ("root", "root"), _level_rule, lambda rule: "/movement/rules/?subject=commune",
        lambda rule, mark, version: {"version": version, "min_points": str(Decimal(40) + mark)},
        lambda rule: rule.min_points, post_to=_rule_row("levels")),
    StandardCriterion: Scenario(
        ("root", "root"), _criterion, lambda criterion: "/movement/rules/?subject=commune",
        lambda criterion, mark, version: {"version": version, "text": f"Tiêu chí sửa lần {mark}"},
        lambda criterion: criterion.text, post_to=_rule_row("standard")),
}


def versioned_models() -> set[type[models.Model]]:
    return {m for m in apps.get_models() if any(f.name == "version" for f in m._meta.fields)}


def test_every_versioned_model_has_a_scenario() -> None:
    missing = {m.__name__ for m in versioned_models() - set(SCENARIOS)}
    assert not missing, f"versioned models without a concurrent-edit scenario: {sorted(missing)}"
    assert not set(SCENARIOS) - versioned_models(), "a scenario for a model that has no version"


def test_the_message_is_translated() -> None:
    with translation.override("vi"):
        assert StaleVersion(2).messages == [STALE_VI]
    with translation.override("en"):
        assert StaleVersion(2).messages == [STALE]


def tab(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def shows_version(html: str, version: int) -> bool:
    return re.search(rf'name="(?:\w+-)?version" value="{version}"', html) is not None


@pytest.mark.parametrize("model", list(SCENARIOS), ids=lambda m: m.__name__)
def test_the_second_save_from_an_old_page_is_refused(world: World, model: type[models.Model]) -> None:
    scenario = SCENARIOS[model]
    record = scenario.make(world)
    version, before = record.version, scenario.written(record)
    first, second = tab(world, scenario.editors[0]), tab(world, scenario.editors[1])
    for editor in (first, second):  # both open the record before either saves
        page = editor.get(scenario.page(record))
        assert page.status_code == 200 and shows_version(page.content.decode(), version)
    target = (scenario.post_to or scenario.page)(record)

    saved = first.post(target, scenario.form(record, 1, version), follow=True)
    assert saved.status_code == 200 and STALE_VI not in saved.content.decode()
    record.refresh_from_db()
    changed = scenario.written(record)
    assert changed != before and record.version == version + 1, "the first save went through"

    audited = ChangeRecord.objects.count()
    refused = second.post(target, scenario.form(record, 2, version), follow=True)
    assert refused.status_code == 200 and STALE_VI in refused.content.decode()
    record.refresh_from_db()
    assert scenario.written(record) == changed and record.version == version + 1, "the first change is intact"
    assert ChangeRecord.objects.count() == audited, "a refused save writes no audit record"


def test_two_first_saves_of_a_new_report_the_second_is_refused(world: World) -> None:
    """The empty form stands for "no report yet" (version 0): one saved meanwhile is a change."""
    page = f"/movement/reports/{world.units['commune_a'].pk}/2026-04/"
    first, second = tab(world, "alice"), tab(world, "paula")
    assert shows_version(first.get(page).content.decode(), 0) and shows_version(second.get(page).content.decode(), 0)
    assert first.post(page, {"action": "save", "version": 0, **FIGURES}).status_code == 302
    refused = second.post(page, {"action": "save", "version": 0, **FIGURES, "meetings": 9})
    assert refused.status_code == 200 and STALE_VI in refused.content.decode()
    assert MovementReport.objects.get(spec="2026-04").figures["meetings"] == FIGURES["meetings"]


def test_the_api_answers_a_stale_version_with_409(world: World) -> None:
    report = report_save(ctx=acting(world, "alice"), unit=world.units["commune_a"], spec="2026-03", figures=FIGURES)
    _token, raw = token_create(ctx=AuditContext.system(), user=world.users["alice"], name="test")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    url = "/api/v1/movement/reports/04795/2026-03"
    body = {"figures": {**FIGURES, "meetings": 3}, "version": report.version}
    assert api.put(url, body, content_type="application/json").status_code == 200
    stale = api.put(url, {**body, "figures": FIGURES}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["current_version"] == report.version + 1
    report.refresh_from_db()
    assert report.figures["meetings"] == 3


def test_a_second_review_of_the_same_proposal_is_refused_by_its_state(world: World) -> None:
    """Proposals have no version: each transition checks the state under a row lock, so the
    second of two concurrent approvals finds the proposal already approved."""
    certificate = AwardType.objects.get(code="bang-khen-chu-tich-tinh", valid_to__isnull=True)
    proposal = proposal_create(ctx=acting(world, "paula"), spec=AwardSpec(
        certificate, world.units["commune_b"], "Dẫn đầu cụm"), year=2026)
    first_tab, second_tab = [proposal], [proposal]  # both pages loaded the proposal as "proposed"
    proposals_review(ctx=acting(world, "paula"), proposals=first_tab, action="approve")
    audited = ChangeRecord.objects.count()
    with translation.override("en"), pytest.raises(ValidationError, match="the proposal is approved"):
        proposals_review(ctx=acting(world, "root"), proposals=second_tab, action="approve")
    proposal.refresh_from_db()
    assert proposal.status == "approved" and ChangeRecord.objects.count() == audited


def test_a_record_created_by_two_users_in_the_same_instant_is_refused_for_the_second(world: World) -> None:
    """Both pages showed "no report yet" and both saves passed the version check before either
    inserted: the unique key stops the second insert, which is refused like a stale edit."""
    from django.db import transaction

    from antq.core.versioning import create_first
    from antq.reports.models import ReportDraft

    unit = world.units["province"]
    first = ReportDraft.objects.create(unit=unit, year=2026, scheme="mps", situation="Bản của người thứ nhất")
    with transaction.atomic():
        with pytest.raises(StaleVersion):
            create_first(ReportDraft(unit=unit, year=2026, scheme="mps", situation="Bản của người thứ hai"))
        assert ReportDraft.objects.filter(unit=unit).count() == 1  # the transaction is still usable
    first.refresh_from_db()
    assert first.situation == "Bản của người thứ nhất"
