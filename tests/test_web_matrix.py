"""Every page × every persona: in scope → served, out of scope → 404, anonymous → login."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from antq.accounts.models import ApiToken, Grant
from antq.accounts.services import token_create
from antq.awards.models import Award, AwardType, Cluster, ClusterMember, Conference, Decision, Plan
from antq.awards.plans import conference_record, plan_create
from antq.awards.services import AwardSpec, decision_issue
from antq.core.audit import AuditContext
from antq.movement.classification import classification_start
from antq.movement.evidence import evidence_attach
from antq.movement.grassroots import team_create
from antq.movement.models import (
    Classification,
    Evidence,
    LevelRule,
    ModelSite,
    Rubric,
    SecurityTeam,
    StandardEvaluation,
)
from antq.movement.self_managed import model_site_create, model_type_create
from antq.movement.standard import standard_evaluation_start
from antq.records.models import ArticleGroup, CriminalCase, TrafficAccident
from antq.records.services import accident_create, case_create
from antq.tipoffs.models import Attachment, Tip
from antq.tipoffs.services import Upload, tip_submit
from antq.web import urls as web_urls
from tests.fixtures import VISIBLE, World

PERSONAS = ["alice", "bob", "dina", "victor", "paula", "oscar", "rita"]
CHANGERS = {"alice", "bob", "dina", "paula", "oscar", "rita"}  # roles with the change action
MANAGERS = {"dina", "paula", "oscar"}
PUBLIC = {"tip_new", "tip_communes", "tip_follow", "public_statistics"}  # the citizens' pages: no account


def unit_pk(world: World) -> int:
    return world.units["village_b"].pk


def sees(persona: str, key: str) -> bool:
    return key in VISIBLE[persona]


def can_change(persona: str, key: str) -> bool:
    return persona in CHANGERS and sees(persona, key)


# url name → (method, args builder, predicate "persona may use it on commune B's objects")
Target = tuple[str, Callable[[World], list[int | str]], Callable[[str], bool]]
TARGETS: dict[str, Target] = {
    "home": ("get", lambda w: [], lambda p: True),
    "login": ("get", lambda w: [], lambda p: True),
    "logout": ("post", lambda w: [], lambda p: True),
    "password_change": ("get", lambda w: [], lambda p: True),
    "tokens": ("get", lambda w: [], lambda p: True),
    "token_revoke": ("post", lambda w: [ApiToken.objects.get(user__username="bob").pk], lambda p: p == "bob"),
    "grants": ("get", lambda w: [], lambda p: p in MANAGERS),
    "grant_revoke": ("post", lambda w: [Grant.objects.get(user__username="bob").pk],
                     lambda p: p in MANAGERS and sees(p, "commune_b")),
    "audit_log": ("get", lambda w: [], lambda p: True),
    "unit_tree": ("get", lambda w: [], lambda p: True),
    "unit_search": ("get", lambda w: [], lambda p: True),
    "unit_import": ("get", lambda w: [], lambda p: p in CHANGERS),
    "unit_import_template": ("get", lambda w: [], lambda p: True),
    "unit_detail": ("get", lambda w: [unit_pk(w)], lambda p: sees(p, "village_b")),
    "unit_children": ("get", lambda w: [w.units["commune_b"].pk], lambda p: sees(p, "commune_b")),
    "unit_create": ("get", lambda w: [w.units["commune_b"].pk], lambda p: can_change(p, "commune_b")),
    "unit_edit": ("get", lambda w: [unit_pk(w)], lambda p: can_change(p, "village_b")),
    "unit_delete": ("get", lambda w: [unit_pk(w)], lambda p: can_change(p, "village_b")),
    "dashboard": ("get", lambda w: [], lambda p: True),
    "rules": ("get", lambda w: [], lambda p: p in {"paula", "oscar"}),  # province-level managers
    "rule_end": ("post", lambda w: ["article", ArticleGroup.objects.filter(province__isnull=True)[0].pk],
                 lambda p: False),  # national defaults: administrators only
    "dashboard_export": ("get", lambda w: ["csv"], lambda p: True),
    "record_list": ("get", lambda w: ["cases"], lambda p: True),
    "record_create": ("get", lambda w: ["accidents"], lambda p: p in CHANGERS),
    "record_import": ("get", lambda w: ["cases"], lambda p: p in CHANGERS),
    "record_template": ("get", lambda w: ["accidents"], lambda p: True),
    "record_export": ("get", lambda w: ["cases", "xlsx"], lambda p: True),
    "record_detail": ("get", lambda w: ["cases", case_pk()], lambda p: sees(p, "commune_b")),
    "record_edit": ("get", lambda w: ["accidents", accident_pk()], lambda p: can_change(p, "commune_b")),
    "record_delete": ("get", lambda w: ["cases", case_pk()], lambda p: can_change(p, "commune_b")),
    "later_death_add": ("post", lambda w: [accident_pk()], lambda p: can_change(p, "commune_b")),
    "movement_home": ("get", lambda w: [], lambda p: True),
    "movement_rules": ("get", lambda w: [], lambda p: p in {"paula", "oscar"}),
    "rule_version": ("post", lambda w: ["rubric", Rubric.objects.filter(province__isnull=True)[0].pk],
                     lambda p: p in {"paula", "oscar"}),
    "rule_row": ("post", lambda w: ["levels", LevelRule.objects.filter(scheme__province__isnull=True)[0].pk],
                    lambda p: p in {"paula", "oscar"}),
    "classification_start": ("post", lambda w: [w.units["commune_b"].pk, 2026], lambda p: can_change(p, "commune_b")),
    "classification_detail": ("get", lambda w: [Classification.objects.get(unit=w.units["commune_b"]).pk],
                              lambda p: sees(p, "commune_b")),
    "standard_register": ("post", lambda w: [w.units["village_b"].pk, 2026], lambda p: can_change(p, "village_b")),
    "standard_start": ("post", lambda w: [w.units["commune_b"].pk, 2026], lambda p: can_change(p, "commune_b")),
    "standard_detail": ("get", lambda w: [StandardEvaluation.objects.get(unit=w.units["commune_b"]).pk],
                        lambda p: sees(p, "commune_b")),
    "standard_certificate": ("get", lambda w: [StandardEvaluation.objects.get(unit=w.units["commune_b"]).pk],
                             lambda p: sees(p, "commune_b")),
    "team_create": ("post", lambda w: [w.units["village_b"].pk], lambda p: can_change(p, "village_b")),
    "site_create": ("post", lambda w: [w.units["village_b"].pk], lambda p: can_change(p, "village_b")),
    "site_detail": ("get", lambda w: [ModelSite.objects.get(unit=w.units["village_b"]).pk],
                    lambda p: sees(p, "village_b")),
    "awards_home": ("get", lambda w: [], lambda p: True),
    "proposal_list": ("get", lambda w: [], lambda p: True),
    "report_builder": ("get", lambda w: [], lambda p: True),
    "tip_new": ("get", lambda w: [], lambda p: True),
    "public_statistics": ("get", lambda w: [], lambda p: True),
    "tip_communes": ("get", lambda w: [], lambda p: True),
    "tip_follow": ("get", lambda w: [], lambda p: True),
    "tip_list": ("get", lambda w: [], lambda p: True),
    "tip_detail": ("get", lambda w: [Tip.objects.get().pk], lambda p: sees(p, "commune_b")),
    "tip_file": ("get", lambda w: [Tip.objects.get().pk, Attachment.objects.get().pk],
                 lambda p: sees(p, "commune_b")),
    "report_file": ("get", lambda w: [], lambda p: False),  # POST only: a GET is a 404 for everyone
    "brief_edit": ("get", lambda w: [Conference.objects.get().pk], lambda p: sees(p, "province")),
    "award_list_export": ("get", lambda w: [], lambda p: True),
    "award_catalogue": ("get", lambda w: [], lambda p: True),
    "plan_new": ("get", lambda w: [], lambda p: True),
    "conference_new": ("get", lambda w: [], lambda p: True),
    "cluster_detail": ("get", lambda w: [Cluster.objects.get().pk], lambda p: sees(p, "province")),
    "cluster_dossier": ("get", lambda w: [Cluster.objects.get().pk, "bien-ban"], lambda p: sees(p, "province")),
    "decision_detail": ("get", lambda w: [Decision.objects.get().pk], lambda p: sees(p, "province")),
    "my_tasks": ("get", lambda w: [], lambda p: True),
    "plan_detail": ("get", lambda w: [Plan.objects.get().pk], lambda p: sees(p, "province")),
    "conference_detail": ("get", lambda w: [Conference.objects.get().pk], lambda p: sees(p, "province")),
    "decision_export": ("get", lambda w: [Decision.objects.get().pk], lambda p: sees(p, "province")),
    "award_certificate": ("get", lambda w: [Award.objects.get().pk], lambda p: sees(p, "commune_b")),
    "evidence_download": ("get", lambda w: [Evidence.objects.get(unit=w.units["commune_b"]).pk],
                          lambda p: sees(p, "commune_b")),
    "team_detail": ("get", lambda w: [SecurityTeam.objects.get(unit=w.units["village_b"]).pk],
                    lambda p: sees(p, "village_b")),
    "movement_report": ("get", lambda w: [w.units["commune_b"].pk, "2026-03"], lambda p: sees(p, "commune_b")),
    "movement_import": ("get", lambda w: ["members"], lambda p: p in CHANGERS),
    "movement_import_template": ("get", lambda w: ["reports"], lambda p: True),
    "movement_results_export": ("get", lambda w: [w.units["commune_b"].pk, 2025], lambda p: sees(p, "commune_b")),
}


def case_pk() -> int:
    return CriminalCase.objects.get(case_no="B-1").pk


def accident_pk() -> int:
    return TrafficAccident.objects.get(accident_no="B-TN-1").pk


def test_matrix_knows_every_page() -> None:
    names = {p.name for p in web_urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == set(TARGETS), f"add the new page(s) to TARGETS: {names ^ set(TARGETS)}"


@pytest.fixture
def world_with_token(world: World, settings: Any, tmp_path: Path) -> World:
    ctx = AuditContext.system()
    token_create(ctx=ctx, user=world.users["bob"], name="bob's")
    case_create(ctx=ctx, case_no="B-1", unit=world.units["commune_b"], occurred_on=datetime.date(2025, 8, 1),
                severity="nghiem_trong", group="ttxh")
    accident_create(ctx=ctx, accident_no="B-TN-1", unit=world.units["commune_b"],
                    occurred_on=datetime.date(2025, 8, 1), deaths=1, injuries=0)
    settings.VAR_DIR = tmp_path  # evidence files go to the test's own folder
    sheet = classification_start(ctx=ctx, unit=world.units["commune_b"], year=2025)
    evidence_attach(ctx=ctx, target=sheet.scores.get(item__code="1"), name="bien-ban.pdf",
                    handle=io.BytesIO(b"%PDF-1.4\n%%EOF\n"))
    evaluation = standard_evaluation_start(ctx=ctx, unit=world.units["commune_b"], year=2025)
    StandardEvaluation.objects.filter(pk=evaluation.pk).update(result="recognised", decision_no="9/QĐ-UBND",
                                                               decision_date=datetime.date(2025, 11, 19))
    team_create(ctx=ctx, unit=world.units["village_b"], name="Tổ Xóm Chiềng", decision_no="16/QĐ-UBND",
                decision_date=datetime.date(2024, 7, 1))
    camera = model_type_create(ctx=ctx, name="Camera an ninh", province=world.units["province"])
    model_site_create(ctx=ctx, model_type=camera, unit=world.units["village_b"], started_on=datetime.date(2025, 8, 1))
    cluster = Cluster.objects.create(province=world.units["province"], year=2025, name="Cụm thi đua số 1")
    ClusterMember.objects.create(cluster=cluster, unit=world.units["commune_b"])
    decision_issue(ctx=ctx, issuer=world.units["province"], authority="province",
                   decided_on=datetime.date(2025, 12, 20), signer="Chủ tịch UBND tỉnh", title="Khen thưởng",
                   awards=[AwardSpec(AwardType.objects.get(code="bang-khen-chu-tich-tinh"), world.units["commune_b"],
                                     "matrix")])
    plan_create(ctx=ctx, unit=world.units["province"], year=2026, title="Kế hoạch 2026", tasks=[
        {"text": "Nhân rộng mô hình", "lead": world.units["commune_b"], "deadline": datetime.date(2026, 12, 14)}])
    conference_record(ctx=ctx, unit=world.units["province"], year=2025, held_on=datetime.date(2025, 12, 28),
                      place="Hội trường", chair="Chủ tịch UBND tỉnh", attendees=[{"name": "Nguyễn Văn A"}])
    tip_submit(kind="tin_bao", province=world.units["province"], commune=world.units["commune_b"], place_detail="",
               occurred="", description="Có người lạ trộm gia súc ban đêm", contact="",
               files=[Upload("anh.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"))])
    return world


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_anonymous_is_sent_to_login(world_with_token: World, name: str) -> None:
    method, args, _allowed = TARGETS[name]
    response = getattr(Client(), method)(reverse(name, args=args(world_with_token)))
    if name == "login" or name in PUBLIC:
        assert response.status_code == 200
    elif name == "logout":
        assert response.status_code == 302
    else:
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(set(TARGETS) - {"login", "logout"}))
def test_persona_sees_exactly_its_scope(world_with_token: World, name: str, persona: str) -> None:
    method, args, allowed = TARGETS[name]
    client = Client()
    client.force_login(world_with_token.users[persona])
    response = getattr(client, method)(reverse(name, args=args(world_with_token)))
    if allowed(persona):
        assert response.status_code in (200, 302), response.status_code
        page = response.content.decode() if response["Content-Type"].startswith("text/html") else ""
        if response.status_code == 200 and "<title>" in page:
            title = page.split("<title>", 1)[1].split("</title>", 1)[0]
            assert "<" not in title, f"markup inside the page title: {title[:80]}"
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_never_mention_units_out_of_scope(world: World, persona: str) -> None:
    client = Client()
    client.force_login(world.users[persona])
    pages = [reverse("home"), reverse("unit_tree"), reverse("audit_log"), reverse("dashboard"),
             reverse("unit_search") + "?q=xom", reverse("unit_search") + "?q=to+dan+pho"]
    body = "".join(client.get(url).content.decode() for url in pages)
    for key, unit in world.units.items():
        if key in VISIBLE[persona] or unit.kind != "village":
            continue
        assert unit.name not in body, f"{persona} sees {unit.name}"
