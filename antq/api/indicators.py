"""The indicator route: the JSON of `indicator_report`, as `antq indicators --format json` prints it,
computed over the caller's records only and for a unit the caller may see (else 404)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Query, Router

from antq.api.auth import current_user
from antq.api.record_schemas import IndicatorParams
from antq.api.schemas import ErrorOut, NotFoundOut
from antq.core.periods import SCHEMES, PeriodError, period_from_spec
from antq.indicators.definitions import BY_ID
from antq.indicators.engine import CLEARED_BY, MAPS, Computation, IndicatorError, indicator_report, resolve_unit
from antq.units.models import Unit

router = Router(tags=["indicators"])
BAD_CLEARED_BY = "Cách tính khám phá không hợp lệ / cleared_by must be period or today"


@router.get("/indicators", response={200: dict[str, Any], 404: NotFoundOut, 422: ErrorOut},
            summary="Indicators of a unit for a period (the JSON of `antq indicators --format json`)")
def indicators(request: HttpRequest, params: Query[IndicatorParams]) -> dict[str, Any]:
    user = current_user(request)
    code = params.unit.strip()
    try:
        period = period_from_spec(params.period, params.scheme)
    except PeriodError as exc:
        raise ValidationError({"scheme" if params.scheme not in SCHEMES else "period": str(exc)}) from exc
    if params.cleared_by not in CLEARED_BY:
        raise ValidationError({"cleared_by": BAD_CLEARED_BY})
    unknown = [i for i in params.indicator if i not in BY_ID]
    if unknown:
        raise ValidationError({"indicator": f"Chỉ tiêu không có / unknown indicator(s): {', '.join(unknown)}"})
    visible = Unit.objects.restrict(user)
    try:
        unit = resolve_unit(code, period, params.map, units=visible)
    except IndicatorError as exc:
        if params.map not in MAPS:
            raise ValidationError({"map": str(exc)}) from exc
        if visible.filter(code=code).exists():  # a unit the caller sees, only not for this period
            raise ValidationError({"unit": str(exc)}) from exc
        raise Http404() from exc
    computation = Computation.for_user(user, cleared_by=params.cleared_by)
    return indicator_report(unit=unit, period=period, map_=params.map, computation=computation,
                            ids=params.indicator or None)
