"""The public statistics page (no account): a province's figures by commune for an ended
statistical year, small cells suppressed, dated."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_page

from antq.core.periods import period_from_spec
from antq.indicators.public import SMALL, last_complete_year, public_rows
from antq.units.models import Unit, UnitKind


@cache_page(300)
def public_statistics(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    latest = last_complete_year(today)
    provinces = list(Unit.objects.valid_on(today).filter(kind=UnitKind.PROVINCE).order_by("name"))
    raw_year, raw_province = request.GET.get("year", ""), request.GET.get("province", "")
    year = int(raw_year) if raw_year.isdigit() else latest
    if not latest - 9 <= year <= latest:
        raise Http404()
    province = next((p for p in provinces if str(p.pk) == raw_province), None)
    if raw_province and province is None:
        raise Http404()
    context: dict[str, object] = {"provinces": provinces, "province": province, "year": year, "small": SMALL,
                                  "years": list(range(latest, latest - 10, -1)), "today": today}
    if province is not None:
        period = period_from_spec(str(year), "mps")
        context["period"] = period
        context["total"], context["rows"] = public_rows(province, period)
    return render(request, "tipoffs/statistics.html", context)
