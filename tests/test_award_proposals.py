"""Proposals by hand and their review, the catalogue's versions and the base salary, the
province's proposal rules, the plan and conference entry pages, and the award API."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from antq.accounts.services import token_create
from antq.awards.catalogue import award_type_revise, base_salary_add, proposal_rules_set
from antq.awards.models import AwardType, Cluster, ClusterCriterion, ClusterMember, ManualScore, Plan, Proposal
from antq.awards.proposals import proposal_create, proposals_decide, proposals_review
from antq.awards.services import AwardSpec, award_type_on
from antq.core.audit import AuditContext
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from tests.fixtures import World
from tests.fixtures import acting as ctx

D = datetime.date


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def kind(code: str) -> AwardType:
    return AwardType.objects.get(code=code, valid_to__isnull=True)


def login(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def test_an_individual_is_proposed_reviewed_returned_approved_and_decided(world: World) -> None:
    spec = AwardSpec(kind("bang-khen-chu-tich-tinh"), world.units["commune_a"],
                     "Phát hiện, tố giác đường dây ma túy", "Hà Văn Dũng", 1988)
    proposal = proposal_create(ctx=ctx(world, "alice"), spec=spec, year=2026)
    assert proposal.issuer == world.units["province"] and proposal.status == "proposed"
    assert not Proposal.objects.restrict(world.users["bob"]).exists()  # another commune sees nothing
    with pytest.raises(OutOfScope):
        proposals_review(ctx=ctx(world, "bob"), proposals=[proposal], action="submit")
    with pytest.raises(OutOfScope):  # the commune proposes, the province's council approves
        proposals_review(ctx=ctx(world, "alice"), proposals=[proposal], action="approve")
    with pytest.raises(ValidationError, match="already proposed"):
        proposal_create(ctx=ctx(world, "alice"), spec=spec, year=2026)
    proposals_review(ctx=ctx(world, "alice"), proposals=[proposal], action="submit")
    with pytest.raises(ValidationError, match="Say why"):
        proposals_review(ctx=ctx(world, "paula"), proposals=[proposal], action="return")
    proposals_review(ctx=ctx(world, "paula"), proposals=[proposal], action="return", note="Bổ sung báo cáo")
    with pytest.raises(ValidationError, match="approve them first"):
        proposals_decide(ctx=ctx(world, "paula"), proposals=[proposal], decided_on=D(2026, 12, 20),
                         signer="Chủ tịch UBND tỉnh", title="Tặng Bằng khen")
    proposals_review(ctx=ctx(world, "alice"), proposals=[proposal], action="submit")
    proposals_review(ctx=ctx(world, "paula"), proposals=[proposal], action="approve")
    decision = proposals_decide(ctx=ctx(world, "paula"), proposals=[proposal], decided_on=D(2026, 12, 20),
                                signer="Chủ tịch UBND tỉnh", title="Tặng Bằng khen")
    award = decision.awards.get()
    assert (award.person_name, award.unit, award.amount) == ("Hà Văn Dũng", world.units["commune_a"], 2_340_000)
    proposal.refresh_from_db()
    assert proposal.status == "decided" and proposal.decision == decision and str(decision) == "01/QĐ-UBND"
    statuses = [r.after.get("status") for r in ChangeRecord.objects.for_object(proposal).order_by("time", "id")]
    assert statuses == ["proposed", "submitted", "returned", "submitted", "approved", "decided"]
    with pytest.raises(ValidationError, match="already been awarded"):  # one achievement, one award
        proposal_create(ctx=ctx(world, "alice"), spec=spec, year=2026)


def test_refusals_say_why_at_once(world: World) -> None:
    medal = AwardSpec(kind("ky-niem-chuong-bvantq"), world.units["village_b"], "Kỷ niệm chương", "Lò Văn Xa", 1960)
    with pytest.raises(ValidationError, match="No service record of Lò Văn Xa"):
        proposal_create(ctx=ctx(world, "bob"), spec=medal, year=2026)
    flag_to_person = AwardSpec(kind("co-thi-dua-tinh"), world.units["commune_b"], "Dẫn đầu", "Lò Văn Xa", 1960)
    with pytest.raises(ValidationError, match="not awarded to this kind of recipient"):
        proposal_create(ctx=ctx(world, "bob"), spec=flag_to_person, year=2026)
    commune_form = AwardSpec(kind("giay-khen-chu-tich-xa"), world.units["village_b"], "Tuần tra", "Lò Văn Xa", 1960)
    local = proposal_create(ctx=ctx(world, "bob"), spec=commune_form, year=2026)
    assert local.issuer == world.units["commune_b"]  # the commune chair's form: the commune's register
    provincial = proposal_create(ctx=ctx(world, "paula"), spec=AwardSpec(
        kind("bang-khen-chu-tich-tinh"), world.units["commune_b"], "Dẫn đầu cụm"), year=2026)
    proposals_review(ctx=ctx(world, "paula"), proposals=[local, provincial], action="approve")
    with pytest.raises(ValidationError, match="different issuers"):
        proposals_decide(ctx=ctx(world, "paula"), proposals=[local, provincial], decided_on=D(2026, 12, 20),
                         signer="Chủ tịch", title="Khen")


def test_a_revised_entry_and_a_new_base_salary_apply_from_their_dates(world: World) -> None:
    certificate = kind("bang-khen-chu-tich-tinh")
    with pytest.raises(OutOfScope):  # the national catalogue is the administrators'
        award_type_revise(ctx=ctx(world, "paula"), award_type=certificate, valid_from=D(2026, 7, 1),
                          changes={"coefficient_individual": "1.5"})
    proposal = proposal_create(ctx=ctx(world, "paula"), spec=AwardSpec(
        certificate, world.units["commune_b"], "Điển hình tiên tiến", "Đinh Văn Ba", 1979), year=2026)
    revised = award_type_revise(ctx=ctx(world, "root"), award_type=certificate, valid_from=D(2026, 7, 1),
                                changes={"coefficient_individual": "1.5"})
    certificate.refresh_from_db()
    assert certificate.valid_to == D(2026, 6, 30) and award_type_on(certificate.code, D(2026, 8, 1)) == revised
    base_salary_add(ctx=ctx(world, "root"), amount=2_530_000, valid_from=D(2026, 7, 1), basis="NĐ mới")
    with pytest.raises(ValidationError):
        base_salary_add(ctx=ctx(world, "root"), amount=2_600_000, valid_from=D(2026, 7, 1), basis="trùng ngày")
    proposals_review(ctx=ctx(world, "paula"), proposals=[proposal], action="approve")
    decision = proposals_decide(ctx=ctx(world, "paula"), proposals=[proposal], decided_on=D(2026, 12, 20),
                                signer="Chủ tịch", title="Khen")
    award = decision.awards.get()
    assert award.award_type == revised
    assert award.amount == 3_800_000  # 1,5 × 2.530.000 = 3.795.000, rounded up to 10.000


def test_a_province_sets_its_own_rule_from_ranks_to_proposals(world: World) -> None:
    cluster = Cluster.objects.create(province=world.units["province"], year=2026, name="Cụm 7")
    criterion = ClusterCriterion.objects.create(cluster=cluster, position=1, name="Điểm", weight=100)
    for key, value in (("commune_a", 90), ("commune_b", 80), ("commune_pt", 70)):
        member = ClusterMember.objects.create(cluster=cluster, unit=world.units[key])
        ManualScore.objects.create(criterion=criterion, member=member, value=value)
    flag = kind("co-thi-dua-tinh")
    with pytest.raises(ValidationError, match="overlap"):
        proposal_rules_set(ctx=ctx(world, "paula"), province=world.units["province"],
                           rows=[(1, 2, flag), (2, 3, kind("bang-khen-chu-tich-tinh"))])
    with pytest.raises(OutOfScope):
        proposal_rules_set(ctx=ctx(world, "oscar"), province=world.units["province"], rows=[(1, 2, flag)])
    page = login(world, "paula")
    response = page.post("/awards/catalogue/", {"op": "rules", "province": world.units["province"].pk,
                                                "from-1": "1", "to-1": "2", "award-1": flag.pk})
    assert response.status_code == 302
    body = page.get(f"/awards/clusters/{cluster.pk}/").content.decode().split('data-testid="proposals"')[1]
    assert body.count("Cờ thi đua của UBND tỉnh") == 2 and "Bằng khen" not in body.split("</table>")[0]
    page.post("/awards/catalogue/", {"op": "rules", "province": world.units["province"].pk})  # back to national
    body = page.get(f"/awards/clusters/{cluster.pk}/").content.decode().split('data-testid="proposals"')[1]
    assert body.split("</table>")[0].count("Bằng khen của Chủ tịch UBND tỉnh") == 2


def test_proposals_page_create_review_and_decide(world: World) -> None:
    alice, paula, bob = login(world, "alice"), login(world, "paula"), login(world, "bob")
    certificate = kind("bang-khen-chu-tich-tinh")
    form = {"op": "create", "unit_code": "04795", "award_type": certificate.pk, "person_name": "Nguyễn Thị Hạnh",
            "person_birth_year": "1990", "achievement": "Vận động quần chúng"}
    assert alice.post("/awards/proposals/?year=2026", form).status_code == 302
    refused = alice.post("/awards/proposals/?year=2026", {**form, "unit_code": "05266"}).content.decode()
    assert "Không có đơn vị mang mã này trong địa bàn của bạn." in refused  # commune B is not hers
    proposal = Proposal.objects.get()
    assert "Nguyễn Thị Hạnh" not in bob.get("/awards/proposals/?year=2026").content.decode()
    assert bob.post("/awards/proposals/?year=2026", {"op": "submit", "proposal": proposal.pk}).status_code == 404
    alice.post("/awards/proposals/?year=2026", {"op": "submit", "proposal": proposal.pk})
    # She sees her proposal but approving is the province's: a 404, as for anything out of reach.
    assert alice.post("/awards/proposals/?year=2026", {"op": "approve", "proposal": proposal.pk}).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == "submitted"
    assert "Đã trình thẩm định" in alice.get("/awards/proposals/?year=2026").content.decode()
    paula.post("/awards/proposals/?year=2026", {"op": "approve", "proposal": proposal.pk})
    response = paula.post("/awards/proposals/?year=2026", {
        "op": "decide", "proposal": proposal.pk, "decided_on": "2026-12-20", "signer": "Chủ tịch UBND tỉnh",
        "title": "Tặng Bằng khen"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "decided" and proposal.decision is not None
    assert "Nguyễn Thị Hạnh" in paula.get(response["Location"]).content.decode()


def test_plan_and_conference_are_written_in_the_ui(world: World) -> None:
    paula, alice = login(world, "paula"), login(world, "alice")
    response = paula.post("/awards/plans/new/", {
        "unit_code": "25", "year": 2027, "title": "Kế hoạch BCĐ năm 2027", "deadline": "2027-12-14",
        "tasks": "Xây dựng phong trào\n\nCủng cố lực lượng nòng cốt\n"})
    plan = Plan.objects.get()
    assert response.status_code == 302 and [t.text for t in plan.tasks.all()] == [
        "Xây dựng phong trào", "Củng cố lực lượng nòng cốt"]
    assert alice.post("/awards/plans/new/", {"unit_code": "25", "year": 2028, "title": "x", "deadline": "2028-12-1",
                                             "tasks": "x"}).status_code == 200 and Plan.objects.count() == 1
    url = f"/awards/plans/{plan.pk}/"
    paula.post(url, {"op": "task", "text": "Nhân rộng mô hình tự quản", "lead_code": "04795",
                     "coordinating_codes": "05266", "deadline": "2027-06-30", "target_kind": "standard_share",
                     "target_value": "80"})
    task = plan.tasks.get(position=3)
    assert task.lead == world.units["commune_a"] and list(task.coordinating.all()) == [world.units["commune_b"]]
    assert alice.post(url, {"op": "task", "text": "x", "lead_code": "04795", "deadline": "2027-06-30"}
                      ).status_code == 404  # the commune leads a task, it does not write the province's plan
    stale = {"op": "change", "task": task.pk, f"t{task.pk}-version": 0, f"t{task.pk}-status": "dropped",
             f"t{task.pk}-deadline": "2027-06-30", f"t{task.pk}-reason": "Gộp vào nhiệm vụ 1"}
    assert "người khác sửa" in paula.post(url, stale, follow=True).content.decode()
    paula.post(url, {**stale, f"t{task.pk}-version": task.version})
    task.refresh_from_db()
    assert task.status == "dropped"
    response = paula.post("/awards/conferences/new/", {
        "unit_code": "25", "year": 2026, "held_on": "2026-12-28", "place": "Hội trường UBND tỉnh",
        "chair": "Chủ tịch UBND tỉnh", "agenda": "Tổng kết",
        "attendees": "Nguyễn Văn An | Giám đốc | Công an tỉnh\nTrần Thị Bình||Hội LHPN tỉnh"})
    assert response.status_code == 302
    conference_url = response["Location"]
    page = paula.get(conference_url).content.decode()
    assert "Nguyễn Văn An, Giám đốc (Công an tỉnh)" in page and "Trần Thị Bình (Hội LHPN tỉnh)" in page
    assert alice.get(conference_url).status_code == 404


def test_the_award_api_carries_a_proposal_to_its_decision(world: World) -> None:
    def client(username: str) -> Client:
        _token, raw = token_create(ctx=AuditContext.system(), user=world.users[username], name="t")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    bob, paula = client("bob"), client("paula")
    api = "/api/v1/awards"
    medal = bob.post(f"{api}/proposals", {"unit_code": "05266", "year": 2026, "award_code": "ky-niem-chuong-bvantq",
                                          "achievement": "Kỷ niệm chương", "person_name": "Lò Văn Xa",
                                          "person_birth_year": 1960}, content_type="application/json")
    assert medal.status_code == 422 and "Lò Văn Xa" in str(medal.json())
    created = bob.post(f"{api}/proposals", {"unit_code": "05266", "year": 2026,
                                            "award_code": "bang-khen-chu-tich-tinh", "achievement": "Dẫn đầu"},
                       content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert bob.post(f"{api}/proposals/review", {"ids": [pk], "action": "approve"},
                    content_type="application/json").status_code == 404
    approved = paula.post(f"{api}/proposals/review", {"ids": [pk], "action": "approve"},
                          content_type="application/json")
    assert approved.json()["items"][0]["status"] == "approved"
    decided = paula.post(f"{api}/decisions", {"proposal_ids": [pk], "decided_on": "2026-12-20", "signer": "Chủ tịch",
                                              "title": "Tặng Bằng khen"}, content_type="application/json")
    assert decided.status_code == 201 and decided.json()["number"] == "01/QĐ-UBND"
    assert decided.json()["awards"][0]["amount"] == 4_680_000  # 2,0 × 2.340.000
    catalogue = bob.get(f"{api}/catalogue?on=2020-12-20").json()
    assert {"rank_from": 1, "rank_to": 1, "award_code": "co-thi-dua-tinh"} in catalogue["proposal_rules"]
    assert [s["amount"] for s in catalogue["base_salary"]][:2] == [1_390_000, 1_490_000]


def test_the_years_award_list_holds_only_the_users_area(world: World) -> None:
    import io

    from openpyxl import load_workbook

    from antq.awards.services import decision_issue

    specs = [AwardSpec(kind("bang-khen-chu-tich-tinh"), world.units[key], "Dẫn đầu phong trào", person, 1980)
             for key, person in (("commune_a", "Lường Văn A"), ("commune_b", "Lò Thị B"))]
    decision_issue(ctx=ctx(world, "paula"), issuer=world.units["province"], authority="province",
                   decided_on=D(2026, 12, 20), signer="Chủ tịch", title="Khen", awards=specs)

    def names(username: str) -> list[str]:
        response = login(world, username).get("/awards/export.xlsx?year=2026")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content))["Danh sách khen thưởng"]
        rows = list(sheet.iter_rows(min_row=3, values_only=True))
        assert all(row[8] == "Đã có thành tích: Dẫn đầu phong trào" for row in rows)
        return [str(row[6]) for row in rows]

    assert names("paula") == ["Lường Văn A", "Lò Thị B"]
    assert names("bob") == ["Lò Thị B"] and names("alice") == ["Lường Văn A"] and names("oscar") == []
