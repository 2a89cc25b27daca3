"""The cluster's award dossier as DOCX (NĐ 98/2023 forms) in the ND 30/2020 layout of the
official documents: the submission (tờ trình), the summary of achievements (báo cáo thành
tích), the minutes of the cluster's vote (biên bản bình xét) and the short list (danh sách
trích ngang). Each is made from the live ranking and proposals, so it always says what the
ranking says."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from antq.awards.clusters import Ranked, cluster_ranking, proposals_refresh
from antq.awards.models import Cluster, Proposal
from antq.reports.data import province_name
from antq.reports.document import STEERING_BODY, Block, Document, number_text
from antq.reports.docx_render import docx_bytes
from antq.reports.phrasing import vi_long_date, vi_number

KINDS = {"to-trinh": "TỜ TRÌNH", "bao-cao-thanh-tich": "BÁO CÁO THÀNH TÍCH",
         "bien-ban": "BIÊN BẢN HỌP BÌNH XÉT THI ĐUA", "danh-sach": "DANH SÁCH TRÍCH NGANG"}
SYMBOLS = {"to-trinh": "TTr-BCĐ", "bao-cao-thanh-tich": "BC-BCĐ", "bien-ban": "BB-BCĐ", "danh-sach": "DS-BCĐ"}
Body = tuple[list[Block], str]  # the blocks and the signer's title


def _ranking_table(cluster: Cluster, ranking: list[Ranked]) -> Block:
    criteria = list(cluster.criteria.order_by("position"))
    header = ("Hạng", "Đơn vị", *[f"{c.name} ({vi_number(c.weight)})" for c in criteria], "Tổng điểm")
    rows = tuple((str(r.rank), r.unit.name, *[vi_number(p) for p in r.points], vi_number(r.total)) for r in ranking)
    return Block("table", header=header, rows=rows)


def _proposal_lines(proposals: list[Proposal]) -> list[Block]:
    return [Block("paragraph", f"- {p.award_type.name}: {p.unit.name} (xếp thứ {p.rank})") for p in proposals]


def _submission(cluster: Cluster, ranking: list[Ranked], proposals: list[Proposal]) -> Body:
    return ([Block("paragraph", f"Căn cứ kết quả chấm điểm, xếp hạng và biên bản họp bình xét của {cluster.name} "
                                f"năm {cluster.year}, Ban Chỉ đạo đề nghị khen thưởng các tập thể sau:"),
             *_proposal_lines(proposals)], "TRƯỞNG BAN")


def _report(cluster: Cluster, ranking: list[Ranked], proposals: list[Proposal]) -> Body:
    proposed = [r for r in ranking if any(p.unit == r.unit for p in proposals)]
    return ([Block("paragraph", "Kết quả thực hiện các tiêu chí thi đua của các tập thể được đề nghị:"),
             _ranking_table(cluster, proposed)], "THỦ TRƯỞNG ĐƠN VỊ")


def _minutes(cluster: Cluster, ranking: list[Ranked], proposals: list[Proposal]) -> Body:
    members = ", ".join(m.unit.name for m in cluster.members.select_related("unit").order_by("unit__name"))
    return ([Block("paragraph", f"Thành phần: đại diện các đơn vị thành viên ({members})."),
             Block("paragraph", cluster.vote_record or "Kết quả bỏ phiếu: (ghi theo biên bản của cụm)."),
             _ranking_table(cluster, ranking), *_proposal_lines(proposals)], "TRƯỞNG CỤM THI ĐUA")


def _list(cluster: Cluster, ranking: list[Ranked], proposals: list[Proposal]) -> Body:
    totals = {r.unit.pk: r.total for r in ranking}
    rows = tuple((str(n), p.unit.name, p.award_type.name,
                  f"Xếp thứ {p.rank} {cluster.name}, {vi_number(totals.get(p.unit.pk, 0))} điểm")
                 for n, p in enumerate(proposals, start=1))
    return [Block("table", header=("STT", "Tập thể", "Hình thức đề nghị", "Thành tích"), rows=rows)], "TRƯỞNG BAN"


BODIES: dict[str, Callable[[Cluster, list[Ranked], list[Proposal]], Body]] = {
    "to-trinh": _submission, "bao-cao-thanh-tich": _report, "bien-ban": _minutes, "danh-sach": _list}


def dossier_docx(cluster: Cluster, kind: str) -> bytes:
    if kind not in KINDS:
        raise KeyError(kind)
    ranking = cluster_ranking(cluster)
    blocks, signer = BODIES[kind](cluster, ranking, proposals_refresh(cluster, ranking))
    province = cluster.province
    return docx_bytes(Document(
        parent_body=f"UBND {province.name}".upper(), issuing_body=STEERING_BODY,
        number=number_text(None, SYMBOLS[kind]), place_date=vi_long_date(province_name(province), timezone.localdate()),
        type_name=KINDS[kind], subject=f"Khen thưởng {cluster.name} năm {cluster.year}", blocks=blocks,
        signer_prefix="", signer_title=signer, signer_name=""))
