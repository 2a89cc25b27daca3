"""Demo emulation and awards for Hòa Bình 2020, as the review conference reported them: six
clusters whose rankings (from the demo's classifications and clearance rates) give the
province's flag to 6 collectives and certificates to 5 second and 3 third places; the
Ministry's certificates to 10 collectives; the commemorative medal to 5 members of
grassroots teams; the 2021 plan with the article's tasks; the conference and its chair."""

from __future__ import annotations

import datetime

from antq.awards.clusters import cluster_decide, proposals_refresh
from antq.awards.models import AwardType, Cluster, ClusterCriterion, ClusterMember, Decision, ManualScore, Source
from antq.awards.plans import conference_record, plan_create
from antq.awards.proposals import proposal_create, proposals_decide, proposals_review
from antq.awards.services import AwardSpec
from antq.core.audit import AuditContext
from antq.movement.grassroots import member_add, team_create
from antq.units.models import Unit, UnitKind
from antq.units.selectors import unit_at

YEAR = 2020
DECIDED = datetime.date(2020, 12, 20)
CLUSTER_SIZES = [6, 5, 4, 2, 2, 1]  # 6 first places, 5 second, 3 third
TASKS_2021 = [
    "Triển khai hiệu quả các văn bản chỉ đạo của Trung ương về đẩy mạnh xây dựng phong trào toàn dân bảo vệ ANTQ",
    "Nâng cao chất lượng công tác vận động cán bộ, đảng viên và nhân dân tham gia bảo đảm ANTT",
    "Nâng cao chất lượng xây dựng cơ quan, đơn vị đạt tiêu chuẩn \"An toàn về ANTT\"",
    "Tăng cường phối hợp giữa các cơ quan, ban, ngành, đoàn thể trong xây dựng phong trào và công tác dân vận",
    "Củng cố, kiện toàn lực lượng nòng cốt ở cơ sở",
    "Nâng cao chất lượng thực hiện tiêu chí an ninh, trật tự trong xây dựng nông thôn mới",
    "Nhân rộng và duy trì hiệu quả các mô hình quần chúng tự quản về ANTT",
    "Nâng cao chất lượng công tác tuyên truyền phong trào toàn dân bảo vệ ANTQ",
]
ATTENDEES = [
    {"name": "Nguyễn Thế Chi", "title": "Đại tá, Phó Cục trưởng",
     "organisation": "Cục Xây dựng phong trào bảo vệ ANTQ, Bộ Công an"},
    {"name": "Bùi Đức Hinh", "title": "Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch HĐND tỉnh",
     "organisation": "Tỉnh ủy Hòa Bình"},
]


def load_demo_awards(ctx: AuditContext) -> int:
    """Idempotent: skipped when the 2020 clusters exist. Returns the decisions written."""
    province = unit_at("17", DECIDED)
    if province is None or Cluster.objects.filter(province=province, year=YEAR).exists():
        return 0
    communes = list(Unit.objects.valid_on(DECIDED).subtree_of(province).filter(kind=UnitKind.COMMUNE)
                    .order_by("code"))
    decisions = [_cluster(ctx, province, number, communes[start:start + size])
                 for number, (start, size) in enumerate(_slices(), start=1)]
    ministry = [AwardSpec(_kind("bang-khen-bo-truong-bca"), unit,
                          "Thành tích xuất sắc trong phong trào toàn dân bảo vệ ANTQ năm 2020")
                for unit in communes[-10:]]
    decisions.append(_by_hand(ctx, ministry, "Bộ trưởng Bộ Công an", "Tặng Bằng khen của Bộ trưởng Bộ Công an"))
    decisions.append(_medals(ctx, communes[-1]))
    plan_create(ctx=ctx, unit=province, year=YEAR + 1, title="Kế hoạch của Ban Chỉ đạo tỉnh năm 2021", tasks=[
        {"text": text, "lead": province, "deadline": datetime.date(YEAR + 1, 12, 14),
         **({"target_kind": "standard_share", "target_value": 80} if "tiêu chuẩn" in text else {})}
        for text in TASKS_2021])
    conference_record(ctx=ctx, unit=province, year=YEAR, held_on=datetime.date(2020, 12, 29),
                      place="Hội trường UBND tỉnh Hòa Bình", chair="Bùi Văn Khánh, Chủ tịch UBND tỉnh",
                      attendees=ATTENDEES, agenda="Tổng kết phong trào toàn dân bảo vệ ANTQ năm 2020; khen thưởng; "
                                                  "nhiệm vụ năm 2021", decisions=decisions)
    return len(decisions)


def _slices() -> list[tuple[int, int]]:
    starts, position = [], 0
    for size in CLUSTER_SIZES:
        starts.append((position, size))
        position += size
    return starts


def _kind(code: str) -> AwardType:
    return AwardType.objects.get(code=code)


def _cluster(ctx: AuditContext, province: Unit, number: int, members: list[Unit]) -> Decision:
    cluster = Cluster.objects.create(province=province, year=YEAR, name=f"Cụm thi đua số {number}",
                                     vote_record="Biên bản họp bình xét của cụm, biểu quyết nhất trí 100%")
    ClusterCriterion.objects.create(cluster=cluster, position=1, name="Kết quả phân loại phong trào", weight=50,
                                    source=Source.CLASSIFICATION)
    ClusterCriterion.objects.create(cluster=cluster, position=2, name="Tỷ lệ điều tra, khám phá", weight=30,
                                    source=Source.CLEARANCE_RATE)
    manual = ClusterCriterion.objects.create(cluster=cluster, position=3, name="Điểm bình xét của cụm", weight=20)
    for index, unit in enumerate(members):
        member = ClusterMember.objects.create(cluster=cluster, unit=unit)
        ManualScore.objects.create(criterion=manual, member=member, value=100 - 3 * index)
    proposals_review(ctx=ctx, proposals=proposals_refresh(cluster), action="approve")
    return cluster_decide(ctx=ctx, cluster=cluster, decided_on=DECIDED, signer="Bùi Văn Khánh, Chủ tịch UBND tỉnh")


def _by_hand(ctx: AuditContext, specs: list[AwardSpec], signer: str, title: str) -> Decision:
    """Proposed, submitted, approved by the council and decided, as a province does it."""
    proposals = [proposal_create(ctx=ctx, spec=spec, year=YEAR) for spec in specs]
    proposals_review(ctx=ctx, proposals=proposals, action="submit")
    proposals_review(ctx=ctx, proposals=proposals, action="approve")
    return proposals_decide(ctx=ctx, proposals=proposals, decided_on=DECIDED, signer=signer, title=title)


def _medals(ctx: AuditContext, commune: Unit) -> Decision:
    village = Unit.objects.filter(parent=commune, kind=UnitKind.VILLAGE).first()
    if village is None:
        from antq.units.services import unit_create

        village = unit_create(ctx=ctx, parent=commune, kind=UnitKind.VILLAGE, subtype="Xóm",
                              name=f"Xóm Trung Tâm ({commune.short_name or commune.name})")
    team = team_create(ctx=ctx, unit=village, name="Tổ bảo vệ dân phố Xóm Trung Tâm", decision_no="05/QĐ-UBND",
                       decision_date=datetime.date(2004, 3, 1), hardship_area=True)
    awards = []
    for number, (name, sex) in enumerate([("Bùi Văn Hùng", "male"), ("Đinh Thị Lan", "female"),
                                          ("Quách Văn Sơn", "male"), ("Xa Thị Hoa", "female"),
                                          ("Bùi Văn Thắng", "male")]):
        member_add(ctx=ctx, team=team, full_name=name, birth_year=1965 + number, sex=sex,
                   role="leader" if number == 0 else "member", education="lower_secondary",
                   resident_since=datetime.date(1990, 1, 1), joined_on=datetime.date(2004, 3, 1))
        awards.append(AwardSpec(_kind("ky-niem-chuong-bvantq"), village, "Kỷ niệm chương Bảo vệ an ninh Tổ quốc", name,
                                1965 + number))
    return _by_hand(ctx, awards, "Bộ trưởng Bộ Công an", "Tặng Kỷ niệm chương \"Bảo vệ an ninh Tổ quốc\"")
