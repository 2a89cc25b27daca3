"""The report builder: choose unit, year and scheme; preview the report as it will be
printed; write the prose; give it its number; generate DOCX, PDF, HTML or the XLSX annex
(optionally "MẬT"); see who generated what from which data version. And the conference news
brief, generated then edited before export."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antq.awards.certificates import PdfUnavailable
from antq.awards.models import Conference
from antq.core.periods import SCHEMES
from antq.core.scoping import Action
from antq.reports.brief import brief_docx, brief_of, brief_save
from antq.reports.html_render import document_html
from antq.reports.models import ReportDraft
from antq.reports.services import (
    FORMATS,
    annual_build,
    annual_generate,
    draft_of,
    draft_save,
    generated_log,
    report_number,
)
from antq.units.models import Unit
from antq.units.selectors import home_unit
from antq.web.forms import VersionedForm
from antq.web.scoped import audit_context, form_errors_from, scoped_get
from antq.web.views.movement_common import DATE, checked_year, may

FORMAT_LABELS = {"docx": "Word (DOCX)", "pdf": "PDF", "html": "HTML", "xlsx": gettext_lazy("Statistics annex (XLSX)")}


class DraftForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = ReportDraft
        fields = ["situation", "shortcomings", "parent_body", "issuing_body", "place", "issued_on", "signer_title",
                  "signer_name", "recipients"]
        widgets = {"situation": forms.Textarea(attrs={"rows": 6, "cols": 90}),
                   "shortcomings": forms.Textarea(attrs={"rows": 6, "cols": 90}),
                   "recipients": forms.Textarea(attrs={"rows": 4, "cols": 60}), "issued_on": DATE}


def _chosen(request: HttpRequest) -> tuple[Unit, int, str]:
    """Unit (by id, default the user's home unit), year and scheme from the query."""
    source = request.POST if request.method == "POST" else request.GET
    try:
        year = checked_year(int(source.get("year") or timezone.localdate().year))
    except ValueError as exc:
        raise Http404() from exc
    scheme = source.get("scheme") or "mps"
    if scheme not in SCHEMES:
        raise Http404()
    raw = source.get("unit", "")
    unit = scoped_get(Unit.objects.all(), request, pk=int(raw)) if raw.isdigit() else home_unit(request.user)
    if unit is None:
        raise Http404()
    return unit, year, scheme


def _query(unit: Unit, year: int, scheme: str) -> str:
    return f"{reverse('report_builder')}?unit={unit.pk}&year={year}&scheme={scheme}"


@login_required
def report_builder(request: HttpRequest) -> HttpResponse:
    unit, year, scheme = _chosen(request)
    can_write = may(request, unit, Action.CHANGE)
    draft = draft_of(unit, year, scheme)
    form = DraftForm(request.POST if request.method == "POST" else None, instance=draft,
                     initial={"version": draft.version if draft.pk else 0})
    if request.method == "POST":
        if not can_write:
            raise Http404()
        try:
            if request.POST.get("op") == "number":
                report_number(ctx=audit_context(request), unit=unit, year=year, scheme=scheme)
                return redirect(_query(unit, year, scheme))
            if form.is_valid():
                draft_save(ctx=audit_context(request), unit=unit, year=year, scheme=scheme,
                           values={k: form.cleaned_data[k] for k in DraftForm.Meta.fields},
                           expected_version=form.expected_version)
                messages.success(request, _("The report's text is saved."))
                return redirect(_query(unit, year, scheme))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    data, doc = annual_build(unit, year, scheme, request.user)
    return render(request, "reports/builder.html", {
        "unit": unit, "year": year, "scheme": scheme, "schemes": SCHEMES, "draft": draft, "form": form,
        "can_write": can_write, "can_secret": may(request, unit, Action.VIEW_SENSITIVE),
        "preview": document_html(doc, preview=True), "data": data, "formats": FORMAT_LABELS,
        "log": generated_log(request.user, unit).filter(year=year)[:50],
        "units": Unit.objects.restrict(request.user).filter(kind__in=["province", "district", "commune"])
        .valid_on(datetime.date(year, 12, 31)).order_by("path")[:300]})


@login_required
def report_file(request: HttpRequest) -> HttpResponse:
    """Generate and download one format (POST: it writes the log)."""
    if request.method != "POST":
        raise Http404()
    unit, year, scheme = _chosen(request)
    fmt = request.POST.get("format", "")
    if fmt not in FORMATS:
        raise Http404()
    try:
        generated = annual_generate(ctx=audit_context(request), unit=unit, year=year, scheme=scheme, fmt=fmt,
                                    secret=request.POST.get("secret") == "on")
    except PdfUnavailable as exc:
        messages.error(request, _("The PDF cannot be made on this server (%(why)s); ask the operator to install "
                                  "pango.") % {"why": exc})
        return redirect(_query(unit, year, scheme))
    response = HttpResponse(generated.content, content_type=generated.content_type)
    response["Content-Disposition"] = f'attachment; filename="{generated.filename}"'
    return response


class BriefForm(VersionedForm):
    title = forms.CharField(label=gettext_lazy("Headline"), max_length=300)
    text = forms.CharField(label=gettext_lazy("Text (paragraphs separated by an empty line; empty: generated again)"),
                           widget=forms.Textarea(attrs={"rows": 18, "cols": 100}), required=False)


@login_required
def brief_edit(request: HttpRequest, pk: int) -> HttpResponse:
    conference = scoped_get(Conference.objects.select_related("unit"), request, pk=pk)
    brief = brief_of(conference, request.user)
    can_write = may(request, conference.unit, Action.CHANGE)
    form = BriefForm(request.POST or None, initial={"title": brief.title, "text": brief.text,
                                                   "version": brief.version})
    if request.method == "POST":
        op = request.POST.get("op", "save")
        if op == "docx":
            response = HttpResponse(brief_docx(brief), content_type=FORMATS["docx"])
            response["Content-Disposition"] = f'attachment; filename="tin-hoi-nghi-{conference.year}.docx"'
            return response
        if not can_write:
            raise Http404()
        if form.is_valid():
            try:
                brief_save(ctx=audit_context(request), conference=conference,
                           expected_version=form.expected_version, **form.values())
                return redirect("brief_edit", pk=pk)
            except ValidationError as exc:
                form_errors_from(form, exc)
    return render(request, "reports/brief.html", {"conference": conference, "brief": brief, "form": form,
                                                  "can_write": can_write})


