"""Pages of the two registers (criminal cases, traffic accidents): filtered lists that are
also the drill-down of every dashboard figure, detail with history, forms, import/export."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antq.core.models import ChangeRecord
from antq.core.periods import Period, PeriodError, period_from_spec
from antq.core.scoping import Action, path_q, user_scope_paths
from antq.indicators.definitions import BY_ID
from antq.indicators.engine import Computation, IndicatorError, area_of, records_behind
from antq.movement.facts import cases_in_area
from antq.records import imports
from antq.records.listing import NewestFirst
from antq.records.models import CriminalCase, TrafficAccident
from antq.records.services import (
    SENSITIVE_FIELDS,
    accident_create,
    case_create,
    later_death_add,
    record_delete,
    record_update,
)
from antq.units.models import Unit
from antq.units.selectors import unit_at
from antq.web.forms import UnitImportForm
from antq.web.record_forms import AccidentForm, CaseForm, LaterDeathForm, RecordFilterForm
from antq.web.scoped import audit_context, form_errors_from, require_post, scoped_get

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Register:
    slug: str
    model: type[CriminalCase] | type[TrafficAccident]
    form: type[CaseForm] | type[AccidentForm]
    number: str
    title: Any
    create: Callable[..., Any]
    columns: tuple[str, ...]


REGISTERS = {
    "cases": Register("cases", CriminalCase, CaseForm, "case_no", gettext_lazy("Criminal cases"), case_create,
                      ("case_no", "unit", "occurred_on", "group", "severity", "cleared_on")),
    "accidents": Register("accidents", TrafficAccident, AccidentForm, "accident_no",
                          gettext_lazy("Traffic accidents"), accident_create,
                          ("accident_no", "unit", "occurred_on", "mode", "deaths", "injuries")),
}


def _register(kind: str) -> Register:
    if kind not in REGISTERS:
        raise Http404()
    return REGISTERS[kind]


def _sensitive(request: HttpRequest, unit: Unit | None) -> bool:
    scope = Unit.objects.restrict(request.user, Action.VIEW_SENSITIVE)
    return scope.filter(pk=unit.pk).exists() if unit is not None else scope.exists()


@dataclass
class RecordFilter:
    """The filtered records, the form, the heading note and units that hold the unit of every
    record (what the newest-first merge needs; None to read the list by the plain query)."""

    records: QuerySet[Any]
    form: RecordFilterForm
    note: str = ""
    units: QuerySet[Unit] | None = None
    under: tuple[str, ...] | None = None  # the records are all the register's under these paths


def filtered_records(request: HttpRequest, register: Register) -> RecordFilter:
    """The list's queryset from the filters; with unit + period (+ indicator) it is exactly
    the set of records behind that dashboard figure."""
    scope = Unit.objects.restrict(request.user)
    records: QuerySet[Any] = register.model.objects.restrict(request.user).select_related("unit")
    form = RecordFilterForm(request.GET or None, units=scope)
    found = RecordFilter(records, form, units=scope, under=user_scope_paths(request.user, Action.VIEW))
    if not form.is_valid():
        return found
    data = form.cleaned_data
    unit = data["unit"]
    spec = data["period"]
    period = _form_period(form) if spec else None
    if spec and period is None:  # a wrong period: the form says why, and nothing is listed
        return RecordFilter(records.none(), form)
    if unit is not None and period is not None:
        found = _records_behind_figure(request, register, form, unit, period, records, scope)
    elif unit is not None and register.slug == "cases" and (data["occurred_from"] or data["occurred_to"]):
        severities = [s for s in data["severity"].split(",") if s] or None
        found.records = cases_in_area(records, unit, data["occurred_from"], data["occurred_to"], severities)
        found.under = None
    elif unit is not None:  # a unit the user sees: its subtree is in the scope
        found.records = records.filter(unit__path__startswith=unit.path)
        found.units = scope.filter(path__startswith=unit.path)
        found.under = (unit.path,)
    elif period is not None:  # no unit: the records of the whole scope that occurred in the period
        found.records = records.filter(occurred_on__gte=period.start, occurred_on__lte=period.end)
        found.note, found.under = period.label, None
    if data["q"]:
        found.records = found.records.filter(**{f"{register.number}__icontains": data["q"]})
        found.under = None
    return found


def _form_period(form: RecordFilterForm) -> Period | None:
    """The filter's period, or None with the form's error when it is wrong."""
    try:
        return period_from_spec(form.cleaned_data["period"], form.cleaned_data["scheme"] or "mps")
    except PeriodError as exc:
        form.add_error("period", str(exc))
        return None


def _records_behind_figure(request: HttpRequest, register: Register, form: RecordFilterForm, unit: Unit,
                           period: Period, records: QuerySet[Any], scope: QuerySet[Unit]) -> RecordFilter:
    """The records counted in one dashboard figure (unit, period, indicator); the list's own
    records, emptied, with the form's error when the indicator is wrong."""
    data = form.cleaned_data
    area = area_of(unit, period, data["map"] or "time")
    computation = Computation.for_user(request.user, cleared_by=data["cleared_by"] or "period")
    indicator = data["indicator"] if data["indicator"] in BY_ID else None
    try:
        kind, behind = records_behind(indicator or ("criminal_cases" if register.slug == "cases" else "accidents"),
                                      area, period, computation)
    except IndicatorError as exc:
        form.add_error(None, str(exc))
        return RecordFilter(records.none(), form)
    if kind != register.slug:
        raise Http404()
    note = f"{unit.name} · {period.label} · {BY_ID[indicator].label_vi if indicator else ''}"
    # The figure's records are the user's, in the area's units.
    return RecordFilter(behind.select_related("unit"), form, note, scope.filter(path_q("path", area.paths)))


@login_required
def record_list(request: HttpRequest, kind: str) -> HttpResponse:
    register = _register(kind)
    found = filtered_records(request, register)
    listed = NewestFirst(found.records, found.units, register.number, under=found.under)
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "records/list.html", {
        "register": register, "page": page, "form": found.form, "note": found.note, "query": query.urlencode(),
        "can_add": Unit.objects.restrict(request.user, Action.CHANGE).exists(),
    })


@login_required
def record_export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    register = _register(kind)
    records = filtered_records(request, register).records.order_by("occurred_on", register.number)
    if fmt not in ("csv", "xlsx"):
        raise Http404()
    if fmt == "csv":
        response = HttpResponse(imports.export_csv(kind, records.iterator()), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(imports.export_xlsx(kind, records.iterator()), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="antq-{kind}.{fmt}"'
    return response


@login_required
def record_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    register = _register(kind)
    record = scoped_get(register.model.objects.select_related("unit", "province"), request, pk=pk)
    sensitive = _sensitive(request, record.unit)
    history = list(ChangeRecord.objects.restrict(request.user).for_object(record)[:50])
    if not sensitive:
        for entry in history:  # the trail must not reveal what the page hides
            for snapshot in (entry.before, entry.after):
                for name in SENSITIVE_FIELDS:
                    (snapshot or {}).pop(name, None)
    can_change = register.model.objects.restrict(request.user, Action.CHANGE).filter(pk=pk).exists()
    return render(request, "records/detail.html", {
        "register": register, "record": record, "history": history, "sensitive": sensitive,
        "can_change": can_change, "death_form": LaterDeathForm() if kind == "accidents" and can_change else None,
        "later_deaths": record.later_deaths.all() if kind == "accidents" else [],
    })


def _values(form: forms.Form, unit: Unit) -> dict[str, Any]:
    values = {k: v for k, v in form.cleaned_data.items() if k not in ("unit_code", "version", "reason")}
    if "article" in values:
        values["article"] = values["article"] or ""
    if "missing" in values:
        values["missing"] = values["missing"] or 0
    return {**values, "unit": unit}


def _save(request: HttpRequest, register: Register, form: forms.Form, record: Any) -> Any:
    data = form.cleaned_data
    occurred: datetime.date = data["occurred_on"]
    unit = unit_at(data["unit_code"].strip(), occurred, queryset=Unit.objects.restrict(request.user, Action.CHANGE))
    if unit is None:
        form.add_error("unit_code", _("No unit %(code)s in your scope on %(date)s.")
                       % {"code": data["unit_code"], "date": occurred.strftime("%d/%m/%Y")})
        return None
    try:
        if record is None:
            return register.create(ctx=audit_context(request), **_values(form, unit))
        return record_update(ctx=audit_context(request), record=record, expected_version=data["version"],
                               reason=data["reason"], **_values(form, unit))
    except ValidationError as exc:  # a stale version too: its message shows on the form
        form_errors_from(form, exc)
    return None


@login_required
def record_create(request: HttpRequest, kind: str) -> HttpResponse:
    register = _register(kind)
    if not Unit.objects.restrict(request.user, Action.CHANGE).exists():
        raise Http404()
    form = register.form(request.POST or None, sensitive=_sensitive(request, None))
    if request.method == "POST" and form.is_valid():
        record = _save(request, register, form, None)
        if record is not None:
            messages.success(request, _("Saved."))
            return redirect("record_detail", kind=kind, pk=record.pk)
    return render(request, "records/form.html", {"register": register, "form": form, "record": None})


def _initial(record: Model, form_class: type[CaseForm] | type[AccidentForm]) -> dict[str, Any]:
    initial = {name: getattr(record, name) for name in form_class.base_fields if hasattr(record, name)}
    initial["unit_code"] = record.unit.code  # type: ignore[attr-defined]
    return initial


@login_required
def record_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    register = _register(kind)
    record = scoped_get(register.model.objects.select_related("unit"), request, Action.CHANGE, pk=pk)
    form = register.form(request.POST or None, initial=_initial(record, register.form),
                         sensitive=_sensitive(request, record.unit))
    if request.method == "POST" and form.is_valid():
        saved = _save(request, register, form, record)
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("record_detail", kind=kind, pk=saved.pk)
    return render(request, "records/form.html", {"register": register, "form": form, "record": record})


@login_required
def record_delete_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    register = _register(kind)
    record = scoped_get(register.model.objects.select_related("unit"), request, Action.CHANGE, pk=pk)
    if request.method == "POST":
        record_delete(ctx=audit_context(request), record=record, reason=request.POST.get("reason", "")[:300])
        messages.success(request, _("Deleted."))
        return redirect("record_list", kind=kind)
    return render(request, "records/delete.html", {"register": register, "record": record})


@login_required
def later_death_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_post(request)
    accident = scoped_get(TrafficAccident.objects.all(), request, Action.CHANGE, pk=pk)
    form = LaterDeathForm(request.POST)
    if form.is_valid():
        try:
            later_death_add(ctx=audit_context(request), accident=accident, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Check the date and the number of deaths."))
    return redirect("record_detail", kind="accidents", pk=accident.pk)


@login_required
def record_import(request: HttpRequest, kind: str) -> HttpResponse:
    register = _register(kind)
    if not Unit.objects.restrict(request.user, Action.CHANGE).exists():
        raise Http404()
    form = UnitImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = imports.import_records(ctx=audit_context(request), kind=kind, handle=form.cleaned_data["file"],
                                        dry_run=form.cleaned_data["dry_run"])
        if result.ok and not result.dry_run:
            messages.success(request, _("%(new)d new and %(updated)d updated records.")
                             % {"new": result.created, "updated": result.updated})
            return redirect("record_list", kind=kind)
    return render(request, "records/import.html", {"register": register, "form": form, "result": result})


@login_required
def record_template(request: HttpRequest, kind: str) -> HttpResponse:
    _register(kind)
    response = HttpResponse(imports.template(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="antq-mau-{kind}.xlsx"'
    return response
