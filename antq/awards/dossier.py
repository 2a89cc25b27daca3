"""The cluster's award dossier as DOCX (NĐ 98/2023 forms, the ND 30/2020 look): the
submission (tờ trình), the summary of achievements (báo cáo thành tích), the minutes of the
cluster's vote (biên bản bình xét) and the short list (danh sách trích ngang). Each is made
from the live ranking and proposals, so it always says what the ranking says."""

from __future__ import annotations

import io
from collections.abc import Callable

from django.utils import timezone
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from antq.awards.clusters import Ranked, cluster_ranking, proposals_refresh
from antq.awards.models import Cluster, Proposal

KINDS = {"to-trinh": "TỜ TRÌNH", "bao-cao-thanh-tich": "BÁO CÁO THÀNH TÍCH",
         "bien-ban": "BIÊN BẢN HỌP BÌNH XÉT THI ĐUA", "danh-sach": "DANH SÁCH TRÍCH NGANG"}


def _number(value: object) -> str:
    """Vietnamese decimals: 90,71."""
    return str(value).replace(".", ",")


def _page(document: DocumentType, cluster: Cluster, title: str) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(14)
    header = document.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    left.text = f"BAN CHỈ ĐẠO\n{cluster.province.name.upper()}"
    right.text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    for cell in (left, right):
        for paragraph in cell.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in paragraph.runs:
                run.bold = True
    place = document.add_paragraph(f"{cluster.province.short_name or cluster.province.name}, ngày "
                                   f"{timezone.localdate():%d} tháng {timezone.localdate():%m} năm "
                                   f"{timezone.localdate():%Y}")
    place.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    place.runs[0].italic = True
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.add_run(title).bold = True
    subject = document.add_paragraph(f"Khen thưởng {cluster.name} năm {cluster.year}")
    subject.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _ranking_table(document: DocumentType, cluster: Cluster, ranking: list[Ranked]) -> None:
    criteria = list(cluster.criteria.order_by("position"))
    table = document.add_table(rows=1, cols=3 + len(criteria))
    table.style = "Table Grid"
    titles = ["Hạng", "Đơn vị", *[f"{c.name} ({_number(c.weight)})" for c in criteria], "Tổng điểm"]
    for cell, text in zip(table.rows[0].cells, titles, strict=True):
        cell.text = text
    for row in ranking:
        cells = table.add_row().cells
        values = [str(row.rank), row.unit.name, *[_number(p) for p in row.points], _number(row.total)]
        for cell, text in zip(cells, values, strict=True):
            cell.text = text


def _proposal_lines(document: DocumentType, proposals: list[Proposal]) -> None:
    for proposal in proposals:
        document.add_paragraph(f"- {proposal.award_type.name}: {proposal.unit.name} (xếp thứ {proposal.rank})")


def _signature(document: DocumentType, who: str) -> None:
    sign = document.add_paragraph(who)
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sign.runs[0].bold = True


def _submission(document: DocumentType, cluster: Cluster, ranking: list[Ranked], proposals: list[Proposal]) -> None:
    document.add_paragraph(f"Căn cứ kết quả chấm điểm, xếp hạng và biên bản họp bình xét của {cluster.name} năm "
                           f"{cluster.year}, Ban Chỉ đạo đề nghị khen thưởng các tập thể sau:")
    _proposal_lines(document, proposals)
    _signature(document, "TRƯỞNG BAN")


def _report(document: DocumentType, cluster: Cluster, ranking: list[Ranked], proposals: list[Proposal]) -> None:
    document.add_paragraph("Kết quả thực hiện các tiêu chí thi đua của các tập thể được đề nghị:")
    _ranking_table(document, cluster, [r for r in ranking if any(p.unit == r.unit for p in proposals)])
    _signature(document, "THỦ TRƯỞNG ĐƠN VỊ")


def _minutes(document: DocumentType, cluster: Cluster, ranking: list[Ranked], proposals: list[Proposal]) -> None:
    members = ", ".join(m.unit.name for m in cluster.members.select_related("unit").order_by("unit__name"))
    document.add_paragraph(f"Thành phần: đại diện các đơn vị thành viên ({members}).")
    document.add_paragraph(cluster.vote_record or "Kết quả bỏ phiếu: (ghi theo biên bản của cụm).")
    _ranking_table(document, cluster, ranking)
    _proposal_lines(document, proposals)
    _signature(document, "TRƯỞNG CỤM THI ĐUA")


def _list(document: DocumentType, cluster: Cluster, ranking: list[Ranked], proposals: list[Proposal]) -> None:
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["STT", "Tập thể", "Hình thức đề nghị", "Thành tích"], strict=True):
        cell.text = text
    totals = {r.unit.pk: r.total for r in ranking}
    for number, proposal in enumerate(proposals, start=1):
        cells = table.add_row().cells
        values = [str(number), proposal.unit.name, proposal.award_type.name,
                  f"Xếp thứ {proposal.rank} {cluster.name}, {_number(totals.get(proposal.unit.pk, 0))} điểm"]
        for cell, text in zip(cells, values, strict=True):
            cell.text = text


BODIES: dict[str, Callable[[DocumentType, Cluster, list[Ranked], list[Proposal]], None]] = {
    "to-trinh": _submission, "bao-cao-thanh-tich": _report, "bien-ban": _minutes, "danh-sach": _list}


def dossier_docx(cluster: Cluster, kind: str) -> bytes:
    if kind not in KINDS:
        raise KeyError(kind)
    document = Document()
    _page(document, cluster, KINDS[kind])
    ranking = cluster_ranking(cluster)
    BODIES[kind](document, cluster, ranking, proposals_refresh(cluster, ranking))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
