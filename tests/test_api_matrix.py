"""Every API route, called as every persona, against commune B (bob's commune, village and records).

The routes come from the API's own OpenAPI schema, so a new route without an entry in
CASES fails here until someone says how to call it and who may.
Anonymous → 401; a persona that may not see (or may not act on) the target → 404, or an
empty list for list routes (a header-only file for CSV exports); the others succeed.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from antq.accounts.models import Grant
from antq.accounts.roles import ROLE_ACTIONS
from antq.accounts.services import token_create
from antq.api.urls import api
from antq.awards.models import AwardType, Cluster, ClusterMember, Decision, Plan, Proposal, Task
from antq.awards.plans import plan_create
from antq.awards.proposals import proposal_create, proposals_review
from antq.awards.services import AwardSpec, decision_issue
from antq.core.audit import AuditContext
from antq.core.scoping import Action
from antq.movement.classification import appraise, classification_start, self_score
from antq.movement.grassroots import team_create
from antq.movement.models import Classification, SecurityTeam
from antq.movement.reports import report_save
from antq.movement.self_managed import model_site_create, model_type_create
from antq.movement.standard import standard_evaluation_start
from antq.records.models import CriminalCase, TrafficAccident
from antq.records.services import accident_create, case_create
from tests.fixtures import VISIBLE, World

API = "/api/v1"
ON = "2025-08-01"
PERSONAS = [None, *sorted(VISIBLE), "root"]


@dataclass(frozen=True)
class Case:
    """How to call a route on commune B's data, and what right the caller needs."""

    target: str  # key in World.units that must be visible
    action: str  # the right needed on it
    request: Callable[[World], tuple[str, dict[str, Any] | None]]  # (url, JSON body)
    ok: int
    is_list: bool = False
    is_csv: bool = False  # a CSV export: always 200, with data rows only for those who may see
    everyone: bool = False  # reference data every signed-in user reads


def _bob_grant(world: World) -> Grant:
    return Grant.objects.get(user=world.users["bob"], unit=world.units["commune_b"])


def _bob_case(world: World) -> CriminalCase:
    """A criminal case in commune B (created on first use, by the system)."""
    found = CriminalCase.objects.filter(case_no="HS-M-0001").first()
    return found or case_create(ctx=AuditContext.system(), case_no="HS-M-0001", unit=world.units["commune_b"],
                                occurred_on=datetime.date(2025, 8, 1), severity="nghiem_trong", group="ttxh")


def _bob_accident(world: World) -> TrafficAccident:
    found = TrafficAccident.objects.filter(accident_no="TN-M-0001").first()
    return found or accident_create(ctx=AuditContext.system(), accident_no="TN-M-0001", unit=world.units["commune_b"],
                                    occurred_on=datetime.date(2025, 8, 1), deaths=1, injuries=1)


def _commune_b_indicators(world: World) -> tuple[str, None]:
    _bob_case(world)  # something to count
    return "/indicators?unit=05266&period=2025&map=current&indicator=criminal_cases", None


def _bob_classification(world: World, step: str = "draft") -> Classification:
    """Commune B's 2026 classification, taken by the system to `step` (submitted, appraised)."""
    ctx = AuditContext.system()
    row = classification_start(ctx=ctx, unit=world.units["commune_b"], year=2026)
    if step in ("submitted", "appraised") and row.status == Classification.Status.DRAFT:
        items = [s.item for s in row.scores.select_related("item") if not s.item.auto_source]
        row = self_score(ctx=ctx, classification=row, points={i.code: i.max_points for i in items},
                         evidence={i.code: "Biên bản" for i in items})
    if step == "appraised" and row.status == Classification.Status.SUBMITTED:
        row = appraise(ctx=ctx, classification=row, points={})
    return row


def _bob_report(world: World) -> str:
    report_save(ctx=AuditContext.system(), unit=world.units["commune_b"], spec="2026-03", figures=FIGURES)
    return "/movement/reports/05266/2026-03"


def _bob_evaluation(world: World) -> int:
    return standard_evaluation_start(ctx=AuditContext.system(), unit=world.units["commune_b"], year=2026).pk


def _bob_standard(world: World) -> str:
    standard_evaluation_start(ctx=AuditContext.system(), unit=world.units["commune_b"], year=2026)
    return "/movement/standard?unit=05266&year=2026"


def _province_decision(world: World) -> str:
    decision_issue(ctx=AuditContext.system(), issuer=world.units["province"], authority="province",
                   decided_on=datetime.date(2025, 12, 20), signer="Chủ tịch", title="Khen thưởng",
                   awards=[AwardSpec(AwardType.objects.get(code="bang-khen-chu-tich-tinh"), world.units["commune_b"],
                                     "matrix")])
    return "/awards/decisions?year=2025"


def _bob_proposal(world: World, status: str = "proposed") -> int:
    """A proposal by hand for commune B (written by the system, taken to `status`)."""
    ctx = AuditContext.system()
    spec = AwardSpec(AwardType.objects.get(code="bang-khen-chu-tich-tinh"), world.units["commune_b"], "Tham mưu tốt")
    proposal = Proposal.objects.filter(unit=world.units["commune_b"]).first() or proposal_create(
        ctx=ctx, spec=spec, year=2025)
    if status == "approved" and proposal.status != status:
        proposals_review(ctx=ctx, proposals=[proposal], action="approve")
    return proposal.pk


def _bob_proposals(world: World) -> str:
    _bob_proposal(world)
    return "/awards/proposals?year=2025&status=proposed"


def _province_decisions(world: World) -> tuple[int, int]:
    _province_decision(world)
    revoking = decision_issue(ctx=AuditContext.system(), issuer=world.units["province"], authority="province",
                              decided_on=datetime.date(2025, 12, 22), signer="Chủ tịch", title="Thu hồi",
                              awards=[AwardSpec(AwardType.objects.get(code="bang-khen-chu-tich-tinh"),
                                                world.units["commune_b"], "matrix 2")])
    first = Decision.objects.exclude(pk=revoking.pk).get()
    return first.pk, revoking.pk


def _province_plan(world: World) -> Task:
    plan = Plan.objects.first() or plan_create(
        ctx=AuditContext.system(), unit=world.units["province"], year=2026, title="Kế hoạch 2026",
        tasks=[{"text": "Nhân rộng mô hình", "lead": world.units["commune_b"], "deadline": datetime.date(2026, 12, 1)}])
    return plan.tasks.get()


def _province_cluster(world: World) -> int:
    cluster = Cluster.objects.create(province=world.units["province"], year=2025, name="Cụm 1")
    ClusterMember.objects.create(cluster=cluster, unit=world.units["commune_b"])
    return cluster.pk


def _bob_team_id(world: World) -> int:
    team = SecurityTeam.objects.filter(unit=world.units["village_b"]).first()
    return (team or team_create(ctx=AuditContext.system(), unit=world.units["village_b"], name="Tổ Xóm Chiềng",
                                decision_no="16/QĐ-UBND", decision_date=datetime.date(2024, 7, 1))).pk


def _bob_team(world: World) -> str:
    _bob_team_id(world)
    return "/movement/teams?unit=05266"


def _bob_site(world: World) -> str:
    camera = model_type_create(ctx=AuditContext.system(), name="Camera an ninh", province=world.units["province"])
    model_site_create(ctx=AuditContext.system(), model_type=camera, unit=world.units["village_b"],
                      started_on=datetime.date(2025, 8, 1))
    return "/movement/sites?unit=05266"


FIGURES = {"propaganda_sessions": 2, "propaganda_attendees": 80, "meetings": 1, "people_reports": 3,
           "crimes_detected_by_people": 1, "hotspots": 0, "new_models": 0, "active_teams": 2}

CASES: dict[tuple[str, str], Case] = {
    ("/units", "get"): Case("commune_b", Action.VIEW, lambda w: (f"/units?q=05266&date={ON}", None), 200,
                            is_list=True),
    ("/units", "post"): Case("commune_b", Action.CHANGE, lambda w: (
        "/units", {"parent_code": "05266", "parent_date": ON, "kind": "village", "name": "Xóm Mới"}), 201),
    ("/units/{code}", "get"): Case("commune_b", Action.VIEW,
                                   lambda w: (f"/units/05266?date={ON}", None), 200),
    ("/units/{code}", "patch"): Case("village_b", Action.CHANGE, lambda w: (
        f"/units/{w.units['village_b'].code}?date={ON}", {"version": 1, "name": "Xóm Chiềng Mới"}), 200),
    ("/units/{code}", "delete"): Case("village_b", Action.CHANGE, lambda w: (
        f"/units/{w.units['village_b'].code}?date={ON}", None), 204),
    ("/units/{code}/children", "get"): Case("commune_b", Action.VIEW,
                                            lambda w: (f"/units/05266/children?date={ON}", None), 200),
    ("/units/{code}/lineage", "get"): Case("commune_b", Action.VIEW,
                                           lambda w: (f"/units/05266/lineage?date={ON}", None), 200),
    ("/units/{code}/history", "get"): Case("village_b", Action.VIEW, lambda w: (
        f"/units/{w.units['village_b'].code}/history?date={ON}", None), 200),
    ("/grants", "get"): Case("commune_b", Action.MANAGE_GRANTS,
                             lambda w: (f"/grants?unit=05266&date={ON}", None), 200, is_list=True),
    ("/grants", "post"): Case("commune_b", Action.MANAGE_GRANTS, lambda w: (
        "/grants", {"username": "alice", "unit_code": "05266", "unit_date": ON, "role": "viewer"}), 201),
    ("/grants/{grant_id}", "delete"): Case("commune_b", Action.MANAGE_GRANTS,
                                           lambda w: (f"/grants/{_bob_grant(w).pk}", None), 204),
    ("/cases", "get"): Case("commune_b", Action.VIEW, lambda w: (
        f"/cases?unit=05266&date={ON}&q={_bob_case(w).case_no}", None), 200, is_list=True),
    ("/cases", "post"): Case("commune_b", Action.CHANGE, lambda w: (
        "/cases", {"case_no": "HS-M-0002", "unit_code": "05266", "occurred_on": ON, "severity": "nghiem_trong",
                   "group": "ttxh"}), 201),
    ("/cases/export.csv", "get"): Case("commune_b", Action.VIEW, lambda w: (
        f"/cases/export.csv?unit=05266&q={_bob_case(w).case_no}", None), 200, is_csv=True),
    ("/cases/{case_id}", "get"): Case("commune_b", Action.VIEW, lambda w: (f"/cases/{_bob_case(w).pk}", None), 200),
    ("/cases/{case_id}", "patch"): Case("commune_b", Action.CHANGE, lambda w: (
        f"/cases/{_bob_case(w).pk}", {"version": 1, "suspects": 2}), 200),
    ("/cases/{case_id}", "delete"): Case("commune_b", Action.CHANGE,
                                         lambda w: (f"/cases/{_bob_case(w).pk}", None), 204),
    ("/accidents", "get"): Case("commune_b", Action.VIEW, lambda w: (
        f"/accidents?unit=05266&q={_bob_accident(w).accident_no}", None), 200, is_list=True),
    ("/accidents", "post"): Case("commune_b", Action.CHANGE, lambda w: (
        "/accidents", {"accident_no": "TN-M-0002", "unit_code": "05266", "occurred_on": ON, "injuries": 1}), 201),
    ("/accidents/export.csv", "get"): Case("commune_b", Action.VIEW, lambda w: (
        f"/accidents/export.csv?unit=05266&date={ON}&q={_bob_accident(w).accident_no}", None), 200, is_csv=True),
    ("/accidents/{accident_id}", "get"): Case("commune_b", Action.VIEW, lambda w: (
        f"/accidents/{_bob_accident(w).pk}", None), 200),
    ("/accidents/{accident_id}", "patch"): Case("commune_b", Action.CHANGE, lambda w: (
        f"/accidents/{_bob_accident(w).pk}", {"version": 1, "injuries": 2}), 200),
    ("/accidents/{accident_id}", "delete"): Case("commune_b", Action.CHANGE, lambda w: (
        f"/accidents/{_bob_accident(w).pk}", None), 204),
    ("/accidents/{accident_id}/later-deaths", "post"): Case("commune_b", Action.CHANGE, lambda w: (
        f"/accidents/{_bob_accident(w).pk}/later-deaths", {"died_on": "2025-08-20", "count": 1}), 201),
    ("/indicators", "get"): Case("commune_b", Action.VIEW, lambda w: _commune_b_indicators(w), 200),
    ("/movement/classifications", "get"): Case("commune_b", Action.VIEW, lambda w: (
        f"/movement/classifications?unit=05266&year={_bob_classification(w).year}", None), 200, is_list=True),
    ("/movement/classifications", "post"): Case("commune_b", Action.CHANGE, lambda w: (
        "/movement/classifications", {"unit_code": "05266", "year": 2026}), 201),
    ("/movement/classifications/{classification_id}", "get"): Case("commune_b", Action.VIEW, lambda w: (
        f"/movement/classifications/{_bob_classification(w).pk}", None), 200),
    ("/movement/classifications/{classification_id}/self-score", "post"): Case(
        "commune_b", Action.CHANGE, lambda w: (
            f"/movement/classifications/{_bob_classification(w).pk}/self-score", {"submit": False}), 200),
    ("/movement/classifications/{classification_id}/appraisal", "post"): Case(
        "province", Action.CHANGE, lambda w: (
            f"/movement/classifications/{_bob_classification(w, 'submitted').pk}/appraisal", {}), 200),
    ("/movement/classifications/{classification_id}/approval", "post"): Case(
        "province", Action.APPROVE, lambda w: (
            f"/movement/classifications/{_bob_classification(w, 'appraised').pk}/approval", {}), 200),
    ("/movement/standard", "get"): Case("commune_b", Action.VIEW, lambda w: (_bob_standard(w), None), 200,
                                        is_list=True),
    ("/movement/standard/registrations", "post"): Case("commune_b", Action.CHANGE, lambda w: (
        "/movement/standard/registrations", {"unit_code": "05266", "year": 2026, "registered_on": "2026-02-01"}), 201),
    ("/movement/standard/evaluations", "post"): Case("commune_b", Action.CHANGE, lambda w: (
        "/movement/standard/evaluations", {"unit_code": "05266", "year": 2026}), 201),
    ("/movement/standard/evaluations/{evaluation_id}/checks", "post"): Case("commune_b", Action.CHANGE, lambda w: (
        f"/movement/standard/evaluations/{_bob_evaluation(w)}/checks", {"results": {"1": True}}), 200),
    ("/movement/standard/evaluations/{evaluation_id}/decision", "post"): Case("province", Action.APPROVE, lambda w: (
        f"/movement/standard/evaluations/{_bob_evaluation(w)}/decision", {
            "recognise": False, "decision_no": "9/QĐ-UBND", "decision_date": "2026-11-18", "signer": "Chủ tịch"}),
        200),
    ("/movement/reports/{unit_code}/{spec}", "get"): Case("commune_b", Action.VIEW, lambda w: (
        _bob_report(w), None), 200),
    ("/movement/teams", "get"): Case("village_b", Action.VIEW, lambda w: (_bob_team(w), None), 200, is_list=True),
    ("/movement/teams/{team_id}/members", "post"): Case("village_b", Action.CHANGE, lambda w: (
        f"/movement/teams/{_bob_team_id(w)}/members", {
            "full_name": "Lò Văn Mới", "birth_year": 1990, "sex": "male", "education": "upper_secondary",
            "resident_since": "2010-01-01", "joined_on": "2025-08-01"}), 201),
    ("/awards/decisions", "get"): Case("province", Action.VIEW, lambda w: (_province_decision(w), None), 200,
                                       is_list=True),
    ("/awards/clusters/{cluster_id}/ranking", "get"): Case("province", Action.VIEW, lambda w: (
        f"/awards/clusters/{_province_cluster(w)}/ranking", None), 200),
    ("/awards/proposals", "get"): Case("commune_b", Action.VIEW, lambda w: (
        _bob_proposals(w), None), 200, is_list=True),
    ("/awards/proposals", "post"): Case("commune_b", Action.CHANGE, lambda w: (
        "/awards/proposals", {"unit_code": "05266", "year": 2025, "award_code": "bang-khen-chu-tich-tinh",
                              "achievement": "Dẫn đầu phong trào"}), 201),
    ("/awards/proposals/review", "post"): Case("province", Action.APPROVE, lambda w: (
        "/awards/proposals/review", {"ids": [_bob_proposal(w)], "action": "approve"}), 200),
    ("/awards/decisions", "post"): Case("province", Action.APPROVE, lambda w: (
        "/awards/decisions", {"proposal_ids": [_bob_proposal(w, "approved")], "decided_on": "2025-12-20",
                              "signer": "Chủ tịch UBND tỉnh", "title": "Tặng Bằng khen"}), 201),
    ("/awards/decisions/{decision_id}/revocation", "post"): Case("province", Action.APPROVE, lambda w: (
        lambda ids: (f"/awards/decisions/{ids[0]}/revocation", {"reason": "Sai đối tượng", "by_decision_id": ids[1]})
    )(_province_decisions(w)), 200),
    ("/awards/catalogue", "get"): Case("province", Action.VIEW, lambda w: ("/awards/catalogue?on=2025-12-20", None),
                                       200, everyone=True),
    ("/awards/plans", "get"): Case("province", Action.VIEW, lambda w: (
        f"/awards/plans?year={_province_plan(w).plan.year}", None), 200, is_list=True),
    ("/awards/tasks/{task_id}/progress", "post"): Case("commune_b", Action.CHANGE, lambda w: (
        f"/awards/tasks/{_province_plan(w).pk}/progress", {"on": "2026-05-01", "percent": 40, "note": "Đã làm"}),
        200),
    ("/movement/sites", "get"): Case("village_b", Action.VIEW, lambda w: (_bob_site(w), None), 200, is_list=True),
    ("/movement/reports/{unit_code}/{spec}", "put"): Case("commune_b", Action.CHANGE, lambda w: (
        "/movement/reports/05266/2026-04", {"figures": FIGURES, "submit": True}), 200),
}


def schema_routes() -> list[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return sorted((path.removeprefix(API), method) for path, methods in paths.items() for method in methods)


ROUTES = schema_routes()


def may(world: World, persona: str, case: Case) -> bool:
    user = world.users[persona]
    if user.is_superuser or case.everyone:
        return True
    rights = set().union(*(ROLE_ACTIONS[role] for role in user.roles()))
    return case.target in VISIBLE[persona] and case.action in rights


def headers_for(world: World, persona: str | None) -> dict[str, str]:
    if persona is None:
        return {}
    _, raw = token_create(ctx=AuditContext.system(), user=world.users[persona], name="matrix")
    return {"Authorization": f"Bearer {raw}"}


def call(world: World, method: str, case: Case, headers: dict[str, str]) -> Any:
    send = getattr(Client(enforce_csrf_checks=True, headers=headers), method)
    url, body = case.request(world)
    if body is None:
        return send(API + url)
    return send(API + url, data=body, content_type="application/json")


def test_matrix_knows_every_route() -> None:
    """Fails when a route is added (or removed) without updating CASES."""
    assert ROUTES, "the OpenAPI schema lists no routes"
    assert set(ROUTES) == set(CASES), f"unknown to the matrix: {set(ROUTES) ^ set(CASES)}"


@pytest.mark.parametrize("persona", PERSONAS, ids=[p or "anonymous" for p in PERSONAS])
@pytest.mark.parametrize(("path", "method"), ROUTES, ids=[f"{m.upper()} {p}" for p, m in ROUTES])
def test_route_as_persona(world: World, path: str, method: str, persona: str | None) -> None:
    case = CASES.get((path, method))
    assert case is not None, f"the matrix does not know how to call {method.upper()} {path}: add it to CASES"
    headers = headers_for(world, persona)
    response = call(world, method, case, headers)
    if persona is None:
        assert response.status_code == 401, response.content
        return
    allowed = may(world, persona, case)
    if case.is_csv:
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert (len(rows) > 1) is allowed, rows
    elif case.is_list:
        assert response.status_code == 200, response.content
        data = response.json()
        assert (data["count"] > 0) is allowed, data
        assert len(data["items"]) == data["count"]
    elif allowed:
        assert response.status_code == case.ok, response.content
    else:
        assert response.status_code == 404, response.content
        missing = Client(headers=headers).get(f"{API}/units/no-such-unit")
        assert missing.status_code == 404 and response.json() == missing.json()  # nothing tells them apart
