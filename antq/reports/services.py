"""Making official documents: the report's draft (prose and header details, audited), the
document register (a number per issuer and year, taken once per report), and generation in
any format, each logged with who, when and the data version — secret ("MẬT") documents only
by those who may see sensitive data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from antq.awards.models import Conference
from antq.core.audit import AuditContext, record_change, save_versioned, snapshot
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.core.versioning import check_version, create_first, lock_current
from antq.reports.data import ReportData, report_data
from antq.reports.document import Document, Prose, annual_document
from antq.reports.docx_render import docx_bytes
from antq.reports.html_render import STYLESHEET, document_html, document_pdf
from antq.reports.models import GeneratedDocument, RegisterEntry, ReportDraft
from antq.reports.xlsx_render import annex_xlsx
from antq.units.models import Unit

FORMATS = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "html": "text/html; charset=utf-8"}
SYMBOL = "BC-BCĐ"
PROSE_FIELDS = ("situation", "shortcomings", "parent_body", "issuing_body", "place", "issued_on", "signer_title",
                "signer_name", "recipients")


def _check(ctx: AuditContext, unit: Unit, action: str) -> None:
    if not ctx.restrict(Unit.objects.all(), action).filter(pk=unit.pk).exists():
        raise OutOfScope()


def draft_of(unit: Unit, year: int, scheme: str = "mps") -> ReportDraft:
    """The saved draft, or a new one (unsaved) with nothing written yet."""
    return ReportDraft.objects.filter(unit=unit, year=year, scheme=scheme).first() or ReportDraft(
        unit=unit, year=year, scheme=scheme)


@transaction.atomic
def draft_save(*, ctx: AuditContext, unit: Unit, year: int, scheme: str, values: dict[str, Any],
               expected_version: int | None = None) -> ReportDraft:
    """Save what people write in the report; a stale form is refused, nothing lost."""
    _check(ctx, unit, Action.CHANGE)
    unknown = set(values) - set(PROSE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    current = ReportDraft.objects.select_for_update().filter(unit=unit, year=year, scheme=scheme).first()
    check_version(current, expected_version)
    if current is None:
        draft = ReportDraft(unit=unit, year=year, scheme=scheme, **values)
        draft.full_clean(exclude=["unit"])
        create_first(draft)
        record_change(ctx, action=ChangeRecord.Action.CREATE, obj=draft, scope_path=unit.path, before=None,
                      after=snapshot(draft))
        return draft
    before = snapshot(current)
    for key, value in values.items():
        setattr(current, key, value)
    current.full_clean(exclude=["unit"])
    save_versioned(ctx, current, scope_path=unit.path, before=before)
    return current


@transaction.atomic
def register_take(*, issuer: Unit, year: int, symbol: str, subject: str) -> RegisterEntry:
    """The issuer's next number in the year (01 on 1 January), under a lock on its register."""
    list(RegisterEntry.objects.select_for_update().filter(issuer=issuer, year=year).values_list("pk", flat=True))
    number = (RegisterEntry.objects.filter(issuer=issuer, year=year).aggregate(n=Max("number"))["n"] or 0) + 1
    return RegisterEntry.objects.create(issuer=issuer, year=year, number=number, symbol=symbol, subject=subject)


@transaction.atomic
def report_number(*, ctx: AuditContext, unit: Unit, year: int, scheme: str = "mps") -> ReportDraft:
    """Give the report its number in the unit's register (once; later calls keep it)."""
    _check(ctx, unit, Action.CHANGE)
    draft = draft_of(unit, year, scheme)
    if draft.pk is None:
        draft = draft_save(ctx=ctx, unit=unit, year=year, scheme=scheme, values={})
    draft = lock_current(ReportDraft, draft.pk, None)
    if draft.number is not None:
        return draft
    issued = draft.issued_on or timezone.localdate()
    entry = register_take(issuer=unit, year=issued.year, symbol=SYMBOL,
                          subject=f"Báo cáo tổng kết phong trào toàn dân bảo vệ ANTQ năm {year}")
    before = snapshot(draft)
    draft.number, draft.number_year = entry.number, entry.year
    save_versioned(ctx, draft, scope_path=unit.path, before=before, reason=f"{entry}")
    return draft


def prose_of(draft: ReportDraft) -> Prose:
    """The draft's words, with what is not written taken from the year's conference record."""
    conference = Conference.objects.filter(unit=draft.unit, year=draft.year).order_by("-held_on").first()
    chair = conference.chair.split(",", 1)[0].strip() if conference else ""
    values = {field: getattr(draft, field) for field in PROSE_FIELDS}
    values["issued_on"] = draft.issued_on or (conference.held_on if conference else None)
    values["signer_name"] = draft.signer_name or chair
    values["signer_title"] = draft.signer_title or "TRƯỞNG BAN"
    return Prose(**values)


@dataclass(frozen=True)
class Generated:
    content: bytes
    filename: str
    content_type: str
    data: ReportData
    record: GeneratedDocument


def annual_build(unit: Unit, year: int, scheme: str, user: Any, secret: bool = False) -> tuple[ReportData, Document]:
    data = report_data(unit, year, scheme, user)
    draft = draft_of(unit, year, scheme)
    return data, annual_document(data, prose_of(draft), draft.number, secret=secret)


def issued_number(doc: Document) -> str:
    """"05/BC-BCĐ" once the report has its number, "" before."""
    number = doc.number.removeprefix("Số:").strip()
    return "" if number.startswith("/") else number


def render(doc: Document, data: ReportData, fmt: str) -> bytes:
    if fmt == "docx":
        return docx_bytes(doc)
    if fmt == "pdf":
        return document_pdf(doc)
    if fmt == "xlsx":
        return annex_xlsx(data)
    if fmt == "html":
        page = (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{doc.type_name}</title>'
                f'<style>{_stylesheet()}</style></head><body>{document_html(doc)}</body></html>')
        return page.encode()
    raise ValidationError({"format": _("Unknown format %(format)s.") % {"format": fmt}})


def _stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


@transaction.atomic
def annual_generate(*, ctx: AuditContext, unit: Unit, year: int, scheme: str = "mps", fmt: str = "docx",
                    secret: bool = False) -> Generated:
    """The annual report (DOCX, PDF, HTML) or its statistics annex (XLSX), logged."""
    _check(ctx, unit, Action.VIEW_SENSITIVE if secret else Action.VIEW)
    if fmt not in FORMATS:
        raise ValidationError({"format": _("Unknown format %(format)s.") % {"format": fmt}})
    data, doc = annual_build(unit, year, scheme, ctx.user, secret)
    content = render(doc, data, fmt)
    record = GeneratedDocument.objects.create(
        kind=GeneratedDocument.Kind.ANNEX if fmt == "xlsx" else GeneratedDocument.Kind.ANNUAL, format=fmt,
        unit=unit, year=year, scheme=scheme, number=issued_number(doc),
        data_version=data.version, secret=secret, size=len(content), created_by=ctx.user, source=ctx.source)
    stem = "phu-luc-thong-ke" if fmt == "xlsx" else "bao-cao-tong-ket"
    return Generated(content, f"{stem}-{unit.code}-{year}{'-MAT' if secret else ''}.{fmt}", FORMATS[fmt], data,
                     record)


def generated_log(user: Any, unit: Unit | None = None) -> Any:
    """What was generated in the user's area; secret documents only for those who may see them."""
    rows = GeneratedDocument.objects.restrict(user).select_related("unit", "created_by")
    sensitive = GeneratedDocument.objects.restrict(user, Action.VIEW_SENSITIVE).values("pk")
    rows = rows.exclude(secret=True, pk__in=rows.exclude(pk__in=sensitive).values("pk"))
    return rows.filter(unit=unit) if unit is not None else rows


