"""The dashboard: indicator cards with the same period last year and the target, the monthly
trend this year against last, child units ranked and on a map; every number drills down."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from antq.awards.models import Plan
from antq.awards.plans import plan_progress
from antq.core.periods import Period, PeriodError, period_containing, period_from_spec
from antq.indicators.charts import point_map, trend_chart
from antq.indicators.children import children_figures
from antq.indicators.definitions import BY_ID, INDICATORS, AllDecreased, Rate
from antq.indicators.engine import (
    Area,
    Computation,
    IndicatorError,
    area_of,
    indicator_report,
    monthly_series,
    resolve_unit,
)
from antq.movement.classification import results_under
from antq.movement.models import StandardEvaluation
from antq.movement.self_managed import model_counts
from antq.units.models import Unit
from antq.units.selectors import home_unit
from antq.web.widgets import UnitChoiceField

CARDS = ["criminal_cases", "criminal_cases_cleared", "clearance_rate", "serious_cases", "serious_cases_cleared",
         "serious_clearance_rate", "ttxh_cases", "accidents", "accident_deaths", "accident_injuries",
         "accidents_all_three_decreased"]
TABLE = ["criminal_cases", "criminal_cases_cleared", "clearance_rate", "serious_clearance_rate", "ttxh_cases",
         "accidents", "accident_deaths", "accident_injuries"]
RANKABLE = [d.id for d in INDICATORS if not isinstance(d, AllDecreased)]


class DashboardForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    period = forms.CharField(label=_("Period"), required=False, max_length=20,
                             help_text=_("2020, 2020-05, 2020-Q2, 2020-H1, 2020-05-CUM"))
    scheme = forms.ChoiceField(label=_("Scheme"), required=False,
                               choices=[("mps", _("Ministry (15th to 14th)")), ("calendar", _("Calendar"))])
    map = forms.ChoiceField(label=_("Map"), required=False,
                            choices=[("time", _("map of the time")), ("current", _("today's map"))])
    cleared_by = forms.ChoiceField(label=_("Cleared by"), required=False,
                                   choices=[("period", _("end of the period")), ("today", _("today"))])
    indicator = forms.ChoiceField(label=_("Indicator for the chart, map and ranking"), required=False,
                                  choices=[(i, BY_ID[i].label_vi) for i in RANKABLE])

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units


def _settings(request: HttpRequest) -> tuple[DashboardForm, dict[str, Any]]:
    visible = Unit.objects.restrict(request.user)
    form = DashboardForm(request.GET or None, units=visible)
    data = form.cleaned_data if form.is_valid() else {}
    scheme = data.get("scheme") or "mps"
    unit = data.get("unit") or home_unit(request.user)
    # By default the current year, or the last year a historical unit (an old district) existed.
    last_day = min(timezone.localdate(), unit.valid_to) if unit is not None and unit.valid_to else timezone.localdate()
    spec = data.get("period") or period_containing(last_day, scheme).spec
    settings = {"unit": unit, "spec": spec, "scheme": scheme, "map": data.get("map") or "time",
                "cleared_by": data.get("cleared_by") or "period",
                "indicator": data.get("indicator") or "criminal_cases"}
    if form.is_bound and form.errors:
        return form, settings
    # Show the choices in effect, defaults included.
    shown = DashboardForm({"unit": unit.pk if unit else "", "period": spec, "scheme": scheme, "map": settings["map"],
                           "cleared_by": settings["cleared_by"], "indicator": settings["indicator"]}, units=visible)
    shown.is_valid()
    return shown, settings


def _drill(settings: dict[str, Any], unit: Unit, period: Period, indicator: str) -> str:
    """The link to the records behind `indicator` for `unit` in `period`."""
    definition = BY_ID[indicator]
    kind = "accidents" if indicator.startswith("accident") else "cases"
    if isinstance(definition, Rate | AllDecreased):
        kind = "accidents" if "accident" in indicator else "cases"
    query = urlencode({"unit": unit.pk, "period": period.spec, "scheme": period.scheme, "map": settings["map"],
                       "cleared_by": settings["cleared_by"], "indicator": indicator})
    return f"{reverse('record_list', args=[kind])}?{query}"


def _resolve(settings: dict[str, Any], period: Period, visible: Any) -> Unit:
    unit: Unit = settings["unit"]
    if settings["map"] == "current" and unit.valid_to is not None:
        return resolve_unit(unit.code, period, "current", units=visible)
    if settings["map"] == "time" and not (
            (unit.valid_from is None or unit.valid_from <= period.end)
            and (unit.valid_to is None or unit.valid_to >= period.start)):
        return resolve_unit(unit.code, period, "time", units=visible)
    return unit


def _computation(request: HttpRequest, cleared_by: str) -> Computation:
    return Computation.for_user(request.user, cleared_by=cleared_by)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form, settings = _settings(request)
    context: dict[str, Any] = {"form": form, "settings": settings}
    if settings["unit"] is None:
        return render(request, "dashboard.html", context)
    visible = Unit.objects.restrict(request.user)
    try:
        period = period_from_spec(settings["spec"], settings["scheme"])
        unit = _resolve(settings, period, visible)
    except (PeriodError, IndicatorError) as exc:
        context["problem"] = str(exc)
        return render(request, "dashboard.html", context)
    computation = _computation(request, settings["cleared_by"])
    area = area_of(unit, period, settings["map"])
    report = indicator_report(unit=unit, period=period, map_=settings["map"], computation=computation, area=area)
    indicator = settings["indicator"]
    chosen = BY_ID[indicator]
    context.update(_cards(settings, unit, period, report))
    context.update(_trend(indicator, area, period, computation))
    context.update(_children(request, settings, area, period, computation, indicator))
    context["movement"] = movement_summary(request, unit, int(period.spec[:4]))
    context.update({"unit": unit, "period": period, "previous": period.previous_year(), "report": report,
                    "indicator": chosen,
                    "ancestors": visible.filter(pk__in=unit.ancestor_ids()).order_by("depth")})
    return render(request, "dashboard.html", context)


def movement_summary(request: HttpRequest, unit: Unit, year: int) -> dict[str, Any]:
    """The movement's year under the unit: classification counts, the standard, the models."""
    evaluations = StandardEvaluation.objects.restrict(request.user).filter(unit__path__startswith=unit.path,
                                                                             year=year)
    plan = Plan.objects.restrict(request.user).filter(unit=unit, year=year).first()
    counted = evaluations.aggregate(evaluated=Count("id"),
                                    recognised=Count("id", filter=Q(result=StandardEvaluation.Result.RECOGNISED)))
    return {"year": year, "results": results_under(unit, year, request.user),
            "plan": plan, "plan_progress": plan_progress(plan) if plan else None,
            "evaluated": counted["evaluated"], "recognised": counted["recognised"],
            "models": model_counts(unit, min(timezone.localdate(), datetime.date(year, 12, 31)))}


def _cards(settings: dict[str, Any], unit: Unit, period: Period, report: dict[str, Any]) -> dict[str, Any]:
    cards = []
    for key in CARDS:
        figure = report["indicators"][key]
        definition = BY_ID[key]
        target = figure["target"]
        change = figure["change_pct"]
        cards.append({
            "id": key, "label": definition.label_vi, "label_en": definition.label_en, "figure": figure,
            "tone": "" if not change else "good" if (change > 0) == definition.higher_is_better else "bad",
            "is_rate": isinstance(definition, Rate), "is_flag": isinstance(definition, AllDecreased),
            "target_met": None if target is None or figure["value"] is None else figure["value"] > target,
            "drill": _drill(settings, unit, period, key),
        })
    return {"cards": cards}


def _trend(indicator: str, area: Area, period: Period, computation: Computation) -> dict[str, Any]:
    if isinstance(BY_ID[indicator], Rate):
        indicator = BY_ID[indicator].numerator  # type: ignore[union-attr]
    year = period_from_spec(period.spec[:4], period.scheme)
    now = monthly_series(indicator, area, year, computation)
    before = monthly_series(indicator, area, year.previous_year(), computation)
    labels = [f"T{m}" for m in range(1, 13)]
    return {"chart": trend_chart([(year.spec, now), (year.previous_year().spec, before)], labels),
            "chart_indicator": BY_ID[indicator]}


def _children(request: HttpRequest, settings: dict[str, Any], area: Area, period: Period,
              computation: Computation, indicator: str) -> dict[str, Any]:
    ids = list(dict.fromkeys([*TABLE, indicator]))
    rows = children_figures(area, period, computation, Unit.objects.restrict(request.user), ids)
    rows.sort(key=lambda r: (r.values.get(indicator) is None, -(float(r.values.get(indicator) or 0))))
    base = {k: v for k, v in settings.items() if k != "unit"}
    base["period"] = period.spec
    link = f"{reverse('dashboard')}?{urlencode(base)}&unit="  # each child's own dashboard
    decimals = [2 if isinstance(BY_ID[i], Rate) else 0 for i in TABLE]
    table = [{
        "unit": row.unit,
        "cells": [(row.values.get(i), places) for i, places in zip(TABLE, decimals, strict=True)],
        "link": f"{link}{row.unit.pk}",
    } for row in rows]
    located = [(r.unit.lat, r.unit.lon, _float(r.values.get(indicator)), r.unit.name, f"{link}{r.unit.pk}")
               for r in rows if r.unit.lat is not None and r.unit.lon is not None]
    points, legend = point_map(located)
    return {"table": table, "table_columns": [BY_ID[i] for i in TABLE], "points": points, "legend": legend}


def _float(value: Any) -> float | None:
    return None if value is None or isinstance(value, bool) else float(value)


@login_required
def children_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404()
    _form, settings = _settings(request)
    if settings["unit"] is None:
        raise Http404()
    try:
        period = period_from_spec(settings["spec"], settings["scheme"])
        unit = _resolve(settings, period, Unit.objects.restrict(request.user))
    except (PeriodError, IndicatorError) as exc:
        raise Http404() from exc
    computation = _computation(request, settings["cleared_by"])
    rows = children_figures(area_of(unit, period, settings["map"]), period, computation,
                            Unit.objects.restrict(request.user), TABLE)
    header = ["code", "name", *TABLE]
    lines = [[r.unit.code, r.unit.name, *[_float(r.values.get(i)) if isinstance(BY_ID[i], Rate) else r.values.get(i)
                                         for i in TABLE]] for r in rows]
    name = f"antq-{unit.code}-{period.spec}-{period.scheme}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(lines)
        response = HttpResponse(("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(period.spec)
        sheet.append([f"{unit.name} — {period.label} — {settings['map']}"])
        sheet.append(header)
        for line in lines:
            sheet.append(line)
        out = io.BytesIO()
        workbook.save(out)
        response = HttpResponse(out.getvalue(), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
