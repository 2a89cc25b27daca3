"""Award lists as spreadsheets (the annex of a decision, or a year's awards in a user's area)
and the citation printed on a certificate."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import translation
from openpyxl import Workbook

from antq.awards.models import Award

HEADER = ["STT", "Quyết định", "Ngày", "Hình thức", "Tập thể / đơn vị", "Mã đơn vị", "Cá nhân", "Năm sinh",
          "Thành tích", "Tiền thưởng (đồng)", "Trạng thái", "Lý do thu hồi"]


def awards_xlsx(title: str, awards: Iterable[Award]) -> bytes:
    """One sheet: a title row, the header, one row per award (revoked ones marked, with the reason)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách khen thưởng")
    sheet.append([title])
    sheet.append(HEADER)
    with translation.override("vi"):
        for number, award in enumerate(awards, start=1):
            sheet.append([number, str(award.decision), award.decision.decided_on.strftime("%d/%m/%Y"),
                          award.award_type.name, award.unit.name, award.unit.code, award.person_name,
                          award.person_birth_year, citation(award), award.amount, award.get_status_display(),
                          award.revoked_reason])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def citation(award: Award) -> str:
    """What the award is for, in the words of a certificate."""
    year = award.decision.year
    if award.achievement.startswith("cluster:"):
        proposal = (award.decision.proposals.filter(unit=award.unit, cluster__isnull=False)
                    .select_related("cluster").first())
        if proposal is not None and proposal.cluster is not None:
            return (f"Đã có thành tích xuất sắc, xếp thứ {proposal.rank} {proposal.cluster.name} năm "
                    f"{proposal.cluster.year} trong phong trào toàn dân bảo vệ an ninh Tổ quốc")
    elif award.achievement.strip() and award.award_type.category != "medal":
        return f"Đã có thành tích: {award.achievement.strip()}"
    return f"Đã có thành tích xuất sắc trong phong trào toàn dân bảo vệ an ninh Tổ quốc năm {year}"
