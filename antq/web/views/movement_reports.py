"""Movement reports and spreadsheets: a unit's report for a period (save, submit, approve,
reopen), imports of reports and team members, the export of the year's results."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antq.core.periods import PeriodError, period_from_spec
from antq.core.scoping import Action
from antq.movement.imports import (
    import_members,
    import_reports,
    member_template,
    report_template,
    results_workbook,
)
from antq.movement.models import (
    MovementReport,
)
from antq.movement.reports import REPORT_FIELDS, report_approve, report_reopen, report_save
from antq.tipoffs.services import tips_received
from antq.units.models import Unit
from antq.web.forms import UnitImportForm, VersionedForm
from antq.web.scoped import audit_context, form_errors_from, posted_version, scoped_get
from antq.web.views.movement_common import above, checked_year, history_of, may


class ReportForm(VersionedForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in REPORT_FIELDS.items():
            self.fields[name] = forms.IntegerField(label=label, min_value=0)


@login_required
def report_view(request: HttpRequest, unit_pk: int, spec: str) -> HttpResponse:
    unit = scoped_get(Unit.objects.all(), request, pk=unit_pk)
    report = MovementReport.objects.filter(unit=unit, spec=spec).first()
    ctx = audit_context(request)
    action = request.POST.get("action")
    form = ReportForm(request.POST if action in ("save", "submit") else None,
                      initial={**report.figures, "version": report.version} if report else {"version": 0})
    if request.method == "POST":
        try:
            if action in ("save", "submit"):
                if not may(request, unit, Action.CHANGE):
                    raise Http404()
                if form.is_valid():
                    report_save(ctx=ctx, unit=unit, spec=spec, figures=form.values(), submit=action == "submit",
                                expected_version=form.expected_version)
                    messages.success(request, _("Saved."))
                    return redirect("movement_report", unit_pk=unit.pk, spec=spec)
            elif action == "approve" and report is not None:
                report_approve(ctx=ctx, report=report, expected_version=posted_version(request))
                return redirect("movement_report", unit_pk=unit.pk, spec=spec)
            elif action == "reopen" and report is not None:
                report_reopen(ctx=ctx, report=report, reason=request.POST.get("reason", ""),
                              expected_version=posted_version(request))
                return redirect("movement_report", unit_pk=unit.pk, spec=spec)
            else:
                raise Http404()
        except ValidationError as exc:
            if action in ("save", "submit"):
                form_errors_from(form, exc)
            else:
                messages.error(request, " ".join(exc.messages))
    status = report.status if report else None
    return render(request, "movement/report.html", {
        "unit": unit, "spec": spec, "report": report, "form": form,
        "can_edit": may(request, unit, Action.CHANGE) and status != MovementReport.Status.APPROVED,
        "can_approve": above(request, unit, Action.APPROVE) and status == MovementReport.Status.SUBMITTED,
        "can_reopen": above(request, unit, Action.APPROVE) and status == MovementReport.Status.APPROVED,
        "history": history_of(report) if report else [],
        "portal_tips": _portal_tips(unit, spec),
    })


def _portal_tips(unit: Unit, spec: str) -> int | None:
    try:
        period = period_from_spec(spec, "mps")
    except PeriodError:
        return None
    return tips_received(unit, period.start, period.end)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


IMPORTS: dict[str, dict[str, Any]] = {
    "reports": {"run": import_reports, "template": report_template, "file": "antq-mau-bao-cao-phong-trao.xlsx",
                "title": gettext_lazy("Import movement reports"),
                "intro": gettext_lazy("One row per unit and period (YYYY-MM on the Ministry's 15th-to-14th months, "
                                      "YYYY-Qn or YYYY), every figure a whole number. Nothing is saved unless every "
                                      "row is correct; a row for a report already there replaces its figures unless "
                                      "it is approved and locked.")},
    "members": {"run": import_members, "template": member_template, "file": "antq-mau-thanh-vien-to-bao-ve.xlsx",
                "title": gettext_lazy("Import members of security teams"),
                "intro": gettext_lazy("One row per member of an existing team (its name and the code of its village "
                                      "or residential group). Every membership condition is checked; nothing is "
                                      "saved unless every row is correct.")},
}


def _import_kind(kind: str) -> dict[str, Any]:
    if kind not in IMPORTS:
        raise Http404()
    return IMPORTS[kind]


@login_required
def movement_import(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _import_kind(kind)
    if not Unit.objects.restrict(request.user, Action.CHANGE).exists():
        raise Http404()
    form = UnitImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = spec["run"](ctx=audit_context(request), handle=form.cleaned_data["file"],
                             dry_run=form.cleaned_data["dry_run"])
        if result.ok and not result.dry_run:
            messages.success(request, _("%(new)d new and %(updated)d updated rows saved.")
                             % {"new": result.created, "updated": result.updated})
            return redirect("movement_home")
    return render(request, "movement/import.html", {"form": form, "result": result, "kind": kind, **spec})


@login_required
def movement_import_template(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _import_kind(kind)
    return _xlsx(spec["template"](), spec["file"])


@login_required
def results_export(request: HttpRequest, unit_pk: int, year: int) -> HttpResponse:
    unit = scoped_get(Unit.objects.all(), request, pk=unit_pk)
    return _xlsx(results_workbook(unit, checked_year(year), request.user), f"antq-phong-trao-{unit.code}-{year}.xlsx")
