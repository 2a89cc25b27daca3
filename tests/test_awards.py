"""Awards, first slice: reward money, decision numbers per issuer and year, one achievement one
award, the commemorative medal's conditions, revocation."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from antq.awards.models import Award, AwardType, Decision
from antq.awards.services import AwardSpec, award_revoke, decision_issue, reward_amount
from antq.core.audit import AuditContext
from antq.core.errors import OutOfScope
from antq.movement.grassroots import member_add, member_leave, team_create
from tests.fixtures import World

D = datetime.date


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def ctx(world: World, username: str) -> AuditContext:
    return AuditContext(actor=world.users[username], source="web")


def kind(code: str) -> AwardType:
    return AwardType.objects.get(code=code)


def test_reward_money_is_coefficient_times_base_salary_rounded_up_to_10000(db: None) -> None:
    flag = kind("co-thi-dua-tinh")  # 8,0 × lương cơ sở
    assert reward_amount(flag, False, D(2020, 12, 20)) == 11_920_000  # 8 × 1.490.000
    assert reward_amount(flag, False, D(2024, 12, 20)) == 18_720_000  # 8 × 2.340.000
    certificate = kind("giay-khen-chu-tich-xa")  # 0,3 × 1.490.000 = 447.000 → 450.000
    assert reward_amount(certificate, True, D(2020, 12, 20)) == 450_000
    assert reward_amount(certificate, False, D(2020, 12, 20)) == 900_000  # 0,6 × 1.490.000 = 894.000 → 900.000
    assert reward_amount(kind("ky-niem-chuong-bvantq"), True, D(2020, 12, 20)) == 0


def test_decision_numbers_restart_each_year_per_issuer(world: World) -> None:
    province, other = world.units["province"], world.units["other_province"]

    def issue(issuer_key: str, day: datetime.date, achievement: str, who: str = "paula") -> Decision:
        return decision_issue(ctx=ctx(world, who), issuer=world.units[issuer_key], authority="province",
                              decided_on=day, signer="Chủ tịch UBND tỉnh", title="Khen thưởng phong trào",
                              awards=[AwardSpec(kind("bang-khen-chu-tich-tinh"), world.units["commune_a"],
                                                achievement)])

    numbers = [issue("province", D(2025, 12, 20), "a").number, issue("province", D(2025, 12, 28), "b").number,
               issue("province", D(2026, 1, 5), "c").number]
    assert numbers == [1, 2, 1] and str(Decision.objects.get(year=2026, issuer=province)) == "01/QĐ-UBND"
    elsewhere = AwardSpec(kind("bang-khen-chu-tich-tinh"), world.units["other_commune"], "d")
    assert decision_issue(ctx=ctx(world, "oscar"), issuer=other, authority="province", decided_on=D(2026, 1, 6),
                          signer="Chủ tịch", title="Khen", awards=[elsewhere]).number == 1
    with pytest.raises(OutOfScope):  # a commune officer issues no provincial decision
        issue("province", D(2026, 2, 1), "e", who="alice")


def test_one_achievement_earns_one_award_and_revocation_shows(world: World) -> None:
    province = world.units["province"]
    spec = AwardSpec(kind("co-thi-dua-tinh"), world.units["commune_a"], "cluster:1:2025")
    first = decision_issue(ctx=ctx(world, "paula"), issuer=province, authority="province", decided_on=D(2025, 12, 20),
                           signer="Chủ tịch", title="Tặng cờ thi đua", awards=[spec])
    with pytest.raises(ValidationError, match="one achievement, one award"):
        decision_issue(ctx=ctx(world, "paula"), issuer=province, authority="province", decided_on=D(2025, 12, 21),
                       signer="Chủ tịch", title="Bằng khen", awards=[
                           AwardSpec(kind("bang-khen-chu-tich-tinh"), world.units["commune_a"], "cluster:1:2025")])
    assert Decision.objects.count() == 1  # the refused decision took no number
    with pytest.raises(ValidationError, match="not awarded by this authority"):
        decision_issue(ctx=ctx(world, "paula"), issuer=province, authority="province", decided_on=D(2025, 12, 21),
                       signer="Chủ tịch", title="Sai thẩm quyền", awards=[
                           AwardSpec(kind("co-thi-dua-chinh-phu"), world.units["commune_a"], "x")])
    award = first.awards.get()
    revocation = decision_issue(ctx=ctx(world, "paula"), issuer=province, authority="province",
                                decided_on=D(2026, 3, 1), signer="Chủ tịch", title="Thu hồi", awards=[
                                    AwardSpec(kind("bang-khen-chu-tich-tinh"), world.units["commune_b"], "y")])
    with pytest.raises(ValidationError):
        award_revoke(ctx=ctx(world, "paula"), award=award, reason=" ", by=revocation)
    award_revoke(ctx=ctx(world, "paula"), award=award, reason="Kê khai không trung thực", by=revocation)
    award.refresh_from_db()
    assert award.status == Award.Status.REVOKED and award.get_status_display() == "Revoked"
    assert award.revoked_by == revocation
    # Once revoked, the achievement may be judged again.
    decision_issue(ctx=ctx(world, "paula"), issuer=province, authority="province", decided_on=D(2026, 3, 2),
                   signer="Chủ tịch", title="Xét lại", awards=[spec])


def test_the_commemorative_medal_once_per_person_with_its_conditions(world: World) -> None:
    operator = AuditContext.cli()
    hardship = team_create(ctx=operator, unit=world.units["village_b"], name="Tổ Xóm Chiềng", decision_no="1/QĐ",
                           decision_date=D(2014, 7, 1), hardship_area=True)
    plain = team_create(ctx=operator, unit=world.units["village_a"], name="Tổ Đồng Tiến", decision_no="2/QĐ",
                        decision_date=D(2014, 7, 1))
    base = {"sex": "male", "education": "upper_secondary", "resident_since": D(2000, 1, 1)}
    member_add(ctx=operator, team=hardship, full_name="Lò Văn Mười", birth_year=1970, joined_on=D(2018, 1, 1),
               **base)  # 8 years in a hardship area count as 16
    veteran = member_add(ctx=operator, team=plain, full_name="Bùi Văn Ít", birth_year=1972, joined_on=D(2015, 1, 1),
                         **base)
    member_leave(ctx=operator, member=veteran, left_on=D(2020, 1, 1), reason="Chuyển đi")  # 5 years only
    medal = kind("ky-niem-chuong-bvantq")
    ministry = world.units["province"]  # the ministry's decisions are entered by the province here

    def award(name: str, year: int, round_: int = 1, **flags: bool) -> Decision:
        return decision_issue(ctx=operator, issuer=ministry, authority="ministry", decided_on=D(2026, 8, 19),
                              signer="Bộ trưởng", title="Tặng Kỷ niệm chương", awards=[
                                  AwardSpec(medal, world.units["commune_b"], f"medal:{name}:{round_}", name, year,
                                            **flags)])

    with pytest.raises(ValidationError, match="5,0 years of service; 15 are required"):
        award("Bùi Văn Ít", 1972)
    with pytest.raises(ValidationError, match="Deferred"):
        award("Lò Văn Mười", 1970, pending_review=True)
    with pytest.raises(ValidationError, match="holds a police medal"):
        award("Lò Văn Mười", 1970, holds_police_medal=True)
    award("Lò Văn Mười", 1970)
    with pytest.raises(ValidationError, match="once per person"):
        award("Lò Văn Mười", 1970, round_=2)  # another proposal, the same person


def test_rankings_follow_the_figures_and_proposals_freeze_with_the_decision(world: World) -> None:
    from antq.awards.clusters import cluster_decide, cluster_ranking, proposals_refresh
    from antq.awards.models import Cluster, ClusterCriterion, ClusterMember, ManualScore, Source
    from antq.awards.proposals import proposals_review
    from antq.records.services import case_create, case_update

    operator = AuditContext.cli()
    cluster = Cluster.objects.create(province=world.units["province"], year=2026, name="Cụm thi đua số 1")
    members = {key: ClusterMember.objects.create(cluster=cluster, unit=world.units[key])
               for key in ("commune_a", "commune_b", "commune_pt")}
    manual = ClusterCriterion.objects.create(cluster=cluster, position=1, name="Kết quả tự chấm", weight=40)
    ClusterCriterion.objects.create(cluster=cluster, position=2, name="Tỷ lệ khám phá", weight=60,
                                    source=Source.CLEARANCE_RATE)
    for key, value in (("commune_a", 80), ("commune_b", 90), ("commune_pt", 85)):
        ManualScore.objects.create(criterion=manual, member=members[key], value=value)
    cases = {}
    for key, cleared in (("commune_a", 4), ("commune_b", 1), ("commune_pt", 2)):
        for n in range(4):
            cases[(key, n)] = case_create(ctx=operator, case_no=f"{key}-{n}", unit=world.units[key],
                                          occurred_on=D(2026, 3, 2), severity="nghiem_trong", group="ttxh",
                                          cleared_on=D(2026, 4, 1) if n < cleared else None)
    ranking = cluster_ranking(cluster)
    # Manual 80/90/85 → 0/40/20 points; clearance 100%/25%/50% → 60/0/20: totals 60, 40, 40 — the tie
    # between B and Việt Trì goes to the first criterion.
    assert [(r.unit.code, r.total) for r in ranking] == [("04795", 60), ("05266", 40), ("07900", 40)]
    assert [r.rank for r in ranking] == [1, 2, 3]
    proposals = {p.unit.code: p.award_type.code for p in proposals_refresh(cluster)}
    assert proposals == {"04795": "co-thi-dua-tinh", "05266": "bang-khen-chu-tich-tinh",
                         "07900": "bang-khen-chu-tich-tinh"}
    for n in range(1, 4):  # commune B clears its cases: the ranking and the proposals follow
        case_update(ctx=operator, case=cases[("commune_b", n)], cleared_on=D(2026, 4, 2))
    assert cluster_ranking(cluster)[0].unit.code == "05266"
    approved = proposals_review(ctx=operator, proposals=proposals_refresh(cluster), action="approve")
    assert {p.rank: p.unit.code for p in approved}[1] == "05266"
    case_update(ctx=operator, case=cases[("commune_a", 0)], cleared_on=None)  # A: 75% → still third
    assert {p.status for p in proposals_refresh(cluster)} == {"approved"}  # the ranking gives the same proposals
    decision = cluster_decide(ctx=operator, cluster=cluster, decided_on=D(2026, 12, 20), signer="Chủ tịch UBND")
    assert decision.number == 1 and decision.awards.count() == 3
    flag = decision.awards.get(award_type__code="co-thi-dua-tinh")
    assert flag.unit.code == "05266" and flag.amount == 18_720_000
    for n in range(4):  # later changes move the ranking, not the decided proposals
        case_update(ctx=operator, case=cases[("commune_b", n)], cleared_on=None)
    assert cluster_ranking(cluster)[0].unit.code != "05266"
    assert {p.rank: p.unit.code for p in proposals_refresh(cluster)}[1] == "05266"
    with pytest.raises(ValidationError):
        cluster_decide(ctx=operator, cluster=cluster, decided_on=D(2026, 12, 21), signer="Chủ tịch UBND")


def test_the_plan_tracks_tasks_targets_and_overdue_and_the_conference_is_recorded(world: World) -> None:
    from antq.awards.plans import conference_record, plan_create, plan_progress, target_value_now, task_progress

    paula = ctx(world, "paula")
    province = world.units["province"]
    plan = plan_create(ctx=paula, unit=province, year=2027, title="Kế hoạch BCĐ năm 2027", tasks=[
        {"text": "Xây dựng đơn vị đạt tiêu chuẩn \"An toàn về ANTT\"", "lead": province,
         "coordinating": [world.units["commune_a"]], "deadline": D(2027, 11, 15), "target_kind": "standard_share",
         "target_value": 80},
        {"text": "Nhân rộng mô hình quần chúng tự quản", "lead": world.units["commune_a"],
         "deadline": D(2026, 6, 30)},
    ])
    first, second = plan.tasks.all()
    assert target_value_now(first) == 0
    with pytest.raises(OutOfScope):  # progress comes from the lead unit (or above)
        task_progress(ctx=ctx(world, "bob"), task=second, on=D(2026, 5, 1), percent=50, note="Đã làm")
    task_progress(ctx=ctx(world, "alice"), task=second, on=D(2026, 5, 1), percent=60, note="6 mô hình mới")
    progress = plan_progress(plan, today=D(2026, 11, 29))
    assert progress.overdue == [second] and progress.done == 0
    task_progress(ctx=ctx(world, "alice"), task=second, on=D(2026, 11, 30), percent=100, note="Hoàn thành")
    assert plan_progress(plan, today=D(2026, 12, 1)).done == 1
    with pytest.raises(ValidationError):
        conference_record(ctx=paula, unit=province, year=2026, held_on=D(2026, 12, 28), place="Hội trường",
                          chair="Phó Chủ tịch UBND tỉnh", attendees=[{"title": "Giám đốc"}])
    conference = conference_record(ctx=paula, unit=province, year=2026, held_on=D(2026, 12, 28),
                                   place="Hội trường Công an tỉnh", chair="Phó Chủ tịch UBND tỉnh",
                                   attendees=[{"name": "Nguyễn Văn A", "title": "Giám đốc Công an tỉnh",
                                               "organisation": "Công an tỉnh"}])
    assert conference.attendees[0]["title"] == "Giám đốc Công an tỉnh"
    from django.test import Client

    client = Client()
    client.force_login(world.users["paula"])
    page = client.get(f"/dashboard/?unit={province.pk}&period=2027").content.decode()
    assert "Kế hoạch BCĐ năm 2027: 1/2" in page


def test_awards_of_a_revoked_decision_show_as_revoked(world: World) -> None:
    from django.test import Client

    province = world.units["province"]
    specs = [AwardSpec(kind("bang-khen-chu-tich-tinh"), world.units[key], f"rv:{key}") for key in ("commune_a",
                                                                                                   "commune_b")]
    decision = decision_issue(ctx=ctx(world, "paula"), issuer=province, authority="province",
                              decided_on=D(2026, 6, 1), signer="Chủ tịch", title="Khen", awards=specs)
    revoking = decision_issue(ctx=ctx(world, "paula"), issuer=province, authority="province",
                              decided_on=D(2026, 7, 1), signer="Chủ tịch", title="Khen khác", awards=[
                                  AwardSpec(kind("bang-khen-chu-tich-tinh"), world.units["commune_pt"], "rv:other")])
    paula = Client()
    paula.force_login(world.users["paula"])
    paula.post(f"/awards/decisions/{decision.pk}/", {"revoking": revoking.pk, "reason": "Hồ sơ không trung thực"})
    assert set(decision.awards.values_list("status", flat=True)) == {"revoked"}
    page = paula.get(f"/awards/decisions/{decision.pk}/").content.decode()
    assert "Đã thu hồi" in page and "Hồ sơ không trung thực" in page and "certificate-" not in page
    alice = Client()
    alice.force_login(world.users["alice"])  # sees her commune's award, may not revoke
    assert alice.post(f"/awards/decisions/{decision.pk}/", {"revoking": revoking.pk, "reason": "x"}).status_code == 404



def test_the_cluster_dossier_is_made_from_the_live_ranking(world: World) -> None:
    import io as _io

    from django.test import Client
    from docx import Document

    from antq.awards.models import Cluster, ClusterCriterion, ClusterMember, ManualScore

    cluster = Cluster.objects.create(province=world.units["province"], year=2026, name="Cụm thi đua số 2",
                                     vote_record="Biểu quyết 5/5 nhất trí")
    criterion = ClusterCriterion.objects.create(cluster=cluster, position=1, name="Điểm bình xét", weight=100)
    for key, value in (("commune_a", "92.5"), ("commune_b", "80")):
        member = ClusterMember.objects.create(cluster=cluster, unit=world.units[key])
        ManualScore.objects.create(criterion=criterion, member=member, value=value)
    paula = Client()
    paula.force_login(world.users["paula"])
    for kind, title in (("to-trinh", "TỜ TRÌNH"), ("bien-ban", "BIÊN BẢN"), ("danh-sach", "DANH SÁCH"),
                        ("bao-cao-thanh-tich", "BÁO CÁO")):
        response = paula.get(f"/awards/clusters/{cluster.pk}/dossier/{kind}.docx")
        assert response.status_code == 200
        document = Document(_io.BytesIO(response.content))
        text = "\\n".join(p.text for p in document.paragraphs)
        cells = " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
        assert title in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
        assert "Phường Hòa Bình" in text + cells
    minutes = Document(_io.BytesIO(paula.get(f"/awards/clusters/{cluster.pk}/dossier/bien-ban.docx").content))
    assert "Biểu quyết 5/5 nhất trí" in "\\n".join(p.text for p in minutes.paragraphs)
    assert paula.get(f"/awards/clusters/{cluster.pk}/dossier/nonsense.docx").status_code == 404


def test_progress_is_reported_on_the_plan_page_by_the_lead_unit(world: World) -> None:
    from django.test import Client

    from antq.awards.plans import plan_create

    plan = plan_create(ctx=ctx(world, "paula"), unit=world.units["province"], year=2026, title="Kế hoạch 2026",
                       tasks=[{"text": "Nhân rộng mô hình", "lead": world.units["commune_a"],
                               "deadline": D(2026, 12, 14)}])
    task = plan.tasks.get()
    alice, bob = Client(), Client()
    alice.force_login(world.users["alice"])
    bob.force_login(world.users["bob"])
    assert bob.post(f"/awards/plans/{plan.pk}/", {"task": task.pk, "on": "2026-11-01", "percent": 50,
                                                  "note": "x"}).status_code == 404  # not the lead, not above
    assert "Nhân rộng mô hình" in alice.get("/awards/tasks/").content.decode()  # the lead sees its task
    assert "Nhân rộng mô hình" not in bob.get("/awards/tasks/").content.decode()
    assert alice.post("/awards/tasks/", {"task": task.pk, "on": "2026-10-01", "percent": 40,
                                         "note": "3 mô hình mới"}).status_code == 302
    assert bob.post("/awards/tasks/", {"task": task.pk, "on": "2026-10-01", "percent": 40,
                                       "note": "x"}).status_code == 404
    paula = Client()
    paula.force_login(world.users["paula"])
    assert paula.post(f"/awards/plans/{plan.pk}/", {"task": task.pk, "on": "2026-11-01", "percent": 100,
                                                    "note": "Đã nhân rộng 6 mô hình"}).status_code == 302
    task.refresh_from_db()
    assert task.status == "done"
    assert "1/1" in paula.get(f"/awards/plans/{plan.pk}/").content.decode()


def test_the_secretariat_builds_a_cluster_in_the_ui_and_it_ranks(world: World) -> None:
    from django.test import Client

    from antq.awards.models import Cluster

    paula = Client()
    paula.force_login(world.users["paula"])
    response = paula.post("/awards/", {"province": world.units["province"].pk, "year": 2026, "name": "Cụm số 3"})
    cluster = Cluster.objects.get(name="Cụm số 3")
    assert response.status_code == 302
    url = f"/awards/clusters/{cluster.pk}/"
    for code in ("04795", "05266"):
        paula.post(url, {"action": "member", "code": code})
    page = paula.post(url, {"action": "member", "code": "00004"}, follow=True).content.decode()  # another province
    assert "00004" in page and cluster.members.count() == 2
    paula.post(url, {"action": "criterion", "name": "Điểm bình xét", "weight": "100", "source": "manual"})
    criterion = cluster.criteria.get()
    a, b = cluster.members.order_by("unit__code")
    paula.post(url, {"action": "scores", f"score-{criterion.pk}-{a.pk}": "70", f"score-{criterion.pk}-{b.pk}": "95,5"})
    paula.post(url, {"action": "vote", "vote_record": "Biểu quyết nhất trí"})
    cluster.refresh_from_db()
    assert cluster.vote_record == "Biểu quyết nhất trí"
    assert "Xã Lạc Sơn" in paula.get(url).content.decode().split('data-testid="proposals"')[1].split("</tr>")[0]
    alice = Client()
    alice.force_login(world.users["alice"])
    new_cluster = {"province": world.units["province"].pk, "year": 2026, "name": "x"}
    assert alice.post("/awards/", new_cluster).status_code == 404
    assert alice.post(url, {"action": "member", "code": "04795"}).status_code == 404


def test_criteria_from_reporting_timeliness_and_the_standard(world: World) -> None:
    from antq.awards.clusters import cluster_ranking
    from antq.awards.models import Cluster, ClusterCriterion, ClusterMember, Source
    from antq.core.periods import month_periods
    from antq.movement.models import StandardEvaluation
    from antq.movement.reports import GRACE_DAYS, report_save
    from antq.movement.standard import recognised_share, standard_evaluation_start

    operator = AuditContext.cli()
    figures = {"propaganda_sessions": 1, "propaganda_attendees": 40, "meetings": 1, "people_reports": 0,
               "crimes_detected_by_people": 0, "hotspots": 0, "new_models": 0, "active_teams": 1}
    for key, sent, late in (("commune_a", 12, 0), ("commune_b", 9, 3)):
        for index, month in enumerate(month_periods(2025, "mps")[:sent]):
            delay = GRACE_DAYS + (5 if index < late else 0)
            report_save(ctx=operator, unit=world.units[key], spec=month.spec, figures=figures, submit=True,
                        submitted_on=month.end + datetime.timedelta(days=delay))
    for key, result in (("commune_a", "not_met"), ("commune_b", "recognised")):
        evaluation = standard_evaluation_start(ctx=operator, unit=world.units[key], year=2025)
        StandardEvaluation.objects.filter(pk=evaluation.pk).update(result=result)
    assert recognised_share(world.units["province"], 2025) == 50
    assert recognised_share(world.units["commune_b"], 2025) == 100
    cluster = Cluster.objects.create(province=world.units["province"], year=2025, name="Cụm báo cáo")
    for key in ("commune_a", "commune_b"):
        ClusterMember.objects.create(cluster=cluster, unit=world.units[key])
    ClusterCriterion.objects.create(cluster=cluster, position=1, name="Báo cáo đúng hạn", weight=60,
                                    source=Source.TIMELINESS)
    ClusterCriterion.objects.create(cluster=cluster, position=2, name="Đạt tiêu chuẩn", weight=40,
                                    source=Source.STANDARD)
    ranking = cluster_ranking(cluster)
    # A: 12/12 on time, not recognised → 60 + 0; B: 6/12 on time (3 late, 3 missing), recognised → 0 + 40.
    assert [(r.unit.code, r.values, r.total) for r in ranking] == [
        ("04795", (Decimal(100), Decimal(0)), Decimal(60)), ("05266", (Decimal(50), Decimal(100)), Decimal(40))]
