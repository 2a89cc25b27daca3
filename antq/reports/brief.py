"""The conference news brief, in the style of the provincial police's news items: who
attended and chaired, the year's key figures, the awards presented, next year's tasks.
Generated from the conference record and the report data; the secretariat edits the text
before export, and the edited text is what is exported from then on."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from antq.awards.models import Award, Conference
from antq.core.audit import AuditContext, record_change, save_versioned, snapshot
from antq.core.models import ChangeRecord
from antq.core.versioning import check_version, create_first
from antq.movement.classification import check_in_scope
from antq.reports.data import ReportData, award_lines, report_data
from antq.reports.models import BriefDraft
from antq.reports.phrasing import vi_date
from antq.reports.text import accident_sentence, award_sentence, crime_sentences


@dataclass(frozen=True)
class Brief:
    title: str
    paragraphs: list[str]
    version: int = 0  # of the edited brief; 0 while the brief is the generated one

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _person(person: dict[str, str]) -> str:
    parts = [person.get("name", "").strip(), person.get("title", "").strip(), person.get("organisation", "").strip()]
    return "đồng chí " + ", ".join(p for p in parts if p)


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def brief_generate(conference: Conference, user: Any = None) -> Brief:
    """The brief as antq writes it from the data (before anyone edits it)."""
    unit, year = conference.unit, conference.year
    data: ReportData = report_data(unit, year, "mps", user)
    place = conference.place or unit.name
    paragraphs = [f"Ngày {vi_date(conference.held_on)}, tại {place}, Ban Chỉ đạo phong trào toàn dân bảo vệ ANTQ "
                  f"{_first_lower(unit.name)} tổ chức Hội nghị tổng kết phong trào toàn dân bảo vệ ANTQ năm "
                  f"{year}, triển khai nhiệm vụ năm {year + 1}."]
    if conference.attendees:
        paragraphs.append("Dự Hội nghị có " + "; ".join(_person(p) for p in conference.attendees) + ".")
    paragraphs.append(f"Đồng chí {conference.chair} chủ trì hội nghị.")
    paragraphs.append(" ".join([*crime_sentences(data), accident_sentence(data)]))
    lines = award_lines(Award.objects.filter(decision__in=conference.decisions.all()))
    if lines:
        paragraphs.append("Tại Hội nghị, " + "; ".join(award_sentence(line) for line in lines)
                          + " vì đã có thành tích xuất sắc trong phong trào toàn dân bảo vệ ANTQ.")
    if data.tasks:
        paragraphs.append(f"Năm {year + 1}, Ban Chỉ đạo tiếp tục "
                          + "; ".join(_first_lower(t.rstrip('.;')) for t in data.tasks) + ".")
    return Brief(f"Hội nghị tổng kết phong trào toàn dân bảo vệ ANTQ năm {year}", paragraphs)


def brief_of(conference: Conference, user: Any = None) -> Brief:
    """The edited brief when there is one, else the generated one."""
    draft = BriefDraft.objects.filter(conference=conference).first()
    if draft is not None:
        return Brief(draft.title, [p.strip() for p in draft.text.split("\n\n") if p.strip()], draft.version)
    return brief_generate(conference, user)


@transaction.atomic
def brief_save(*, ctx: AuditContext, conference: Conference, title: str, text: str,
               expected_version: int | None = None) -> BriefDraft:
    """Keep the secretariat's edit of the brief (empty text: back to the generated one);
    `expected_version` is the Brief's version the edit started from (0: the generated one)."""
    check_in_scope(ctx, conference.unit)
    current = BriefDraft.objects.select_for_update().filter(conference=conference).first()
    check_version(current, expected_version)
    if not text.strip():
        if current is not None:
            record_change(ctx, action=ChangeRecord.Action.DELETE, obj=current, scope_path=conference.unit.path,
                          before=snapshot(current), after=None)
            current.delete()
        return BriefDraft(conference=conference, title=title, text="")
    if current is None:
        draft = create_first(BriefDraft(conference=conference, title=title.strip(), text=text.strip()))
        record_change(ctx, action=ChangeRecord.Action.CREATE, obj=draft, scope_path=conference.unit.path,
                      before=None, after=snapshot(draft))
        return draft
    before = snapshot(current)
    current.title, current.text = title.strip(), text.strip()
    save_versioned(ctx, current, scope_path=conference.unit.path, before=before)
    return current


def brief_docx(brief: Brief) -> bytes:
    document = new_docx()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(14)
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.add_run(brief.title).bold = True
    for text in brief.paragraphs:
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        paragraph.paragraph_format.first_line_indent = Cm(1.27)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
