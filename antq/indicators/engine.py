"""The indicator engine: any indicators, any unit, any period, on the map of the time or
today's map, always from the live records (no rebuild step).

The area of a figure is a set of unit-path prefixes. On the map of the time it is the unit
valid at the end of the period plus the units merged into it during the compared years (the
period and the two years before it, which the comparison and the "down on all three" flag
read), so a break year such as 2025 is complete and its base is the same territory. On
today's map it is today's unit plus every unit whose records it inherits through lineage.
The previous periods are read over the same area, so a comparison never changes its base:
2025 Phú Thọ is compared with 2024 Hòa Bình + Vĩnh Phúc + Phú Thọ.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from antq.core.periods import Period
from antq.core.scoping import path_q
from antq.indicators.definitions import (
    BY_ID,
    INDICATORS,
    AccidentTotals,
    AllDecreased,
    CaseTallies,
    Data,
    Definition,
    Rate,
    Value,
    change_pct,
)
from antq.records.models import CriminalCase, LaterDeath, TrafficAccident
from antq.records.rules import Rules, target_for
from antq.units.models import Unit, valid_on_q
from antq.units.selectors import has_partial_lineage, inheriting_predecessor_paths

MAPS = ("time", "current")
CLEARED_BY = ("period", "today")


class IndicatorError(ValueError):
    pass


@dataclass(frozen=True)
class Area:
    unit: Unit
    paths: tuple[str, ...]
    map: str
    comparable: bool


def resolve_unit(code: str, period: Period, map_: str, units: QuerySet[Unit] | None = None) -> Unit:
    """The unit carrying `code` for this period: valid at its end on the map of the time
    (else the last one valid during it), or valid today on the current map."""
    units = units if units is not None else Unit.objects.all()
    if map_ == "current":
        unit = units.filter(valid_on_q(timezone.localdate()), code=code).first()
    elif map_ == "time":
        during = units.filter(code=code).filter(Q(valid_from__isnull=True) | Q(valid_from__lte=period.end)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=period.start))
        unit = during.filter(valid_on_q(period.end)).first() or during.order_by("-valid_to").first()
    else:
        raise IndicatorError(f"Bản đồ không hợp lệ / unknown map {map_!r} (time|current)")
    if unit is None:
        raise IndicatorError(f"Không có đơn vị mã {code} trong kỳ {period.label} trên bản đồ {map_} / "
                             f"no unit {code} for that period on the {map_} map")
    return unit


def area_of(unit: Unit, period: Period, map_: str) -> Area:
    if map_ == "current":
        after, until = None, None
    else:  # changes that took effect during the compared years only
        after, until = period.previous_year().previous_year().start, period.end
    paths = inheriting_predecessor_paths({unit.path}, after=after, until=until)
    partial = has_partial_lineage({unit.path}, after=after, until=until) if len(paths) > 1 else False
    return Area(unit=unit, paths=tuple(sorted(paths)), map=map_, comparable=not partial)


def _cases(records: QuerySet[CriminalCase], area: Area, period: Period, cleared_until: datetime.date) -> CaseTallies:
    rows = (
        records.filter(path_q("unit__path", area.paths), occurred_on__gte=period.start, occurred_on__lte=period.end)
        .values("group", "severity")
        .annotate(occurred=Count("id"), cleared=Count("id", filter=Q(cleared_on__lte=cleared_until)))
        .order_by()
    )
    return CaseTallies({(r["group"], r["severity"]): (r["occurred"], r["cleared"]) for r in rows})


def _accidents(records: QuerySet[TrafficAccident], area: Area, period: Period,
               as_of: datetime.date) -> AccidentTotals:
    base = records.filter(path_q("unit__path", area.paths), occurred_on__gte=period.start,
                          occurred_on__lte=period.end)
    totals = base.aggregate(n=Count("id"), deaths=Sum("deaths"), injuries=Sum("injuries"), missing=Sum("missing"))
    later = LaterDeath.objects.filter(accident__in=base.values("pk"), recorded_on__lte=as_of).aggregate(n=Sum("count"))
    return AccidentTotals(accidents=totals["n"] or 0, deaths=(totals["deaths"] or 0) + (later["n"] or 0),
                          injuries=totals["injuries"] or 0, missing=totals["missing"] or 0)


def _province(unit: Unit) -> Unit:
    ids = unit.ancestor_ids()
    return Unit.objects.get(pk=ids[0]) if ids else unit


def _values(data: Data, definitions: list[Definition]) -> dict[str, Value]:
    done: dict[str, Value] = {}
    for definition in definitions:
        done[definition.id] = definition.compute(data, done)
    return done


@dataclass
class Computation:
    case_records: QuerySet[CriminalCase]
    accident_records: QuerySet[TrafficAccident]
    cleared_by: str = "period"

    def data(self, area: Area, period: Period) -> Data:
        if self.cleared_by not in CLEARED_BY:
            raise IndicatorError("--cleared-by phải là period hoặc today / must be period or today")
        today = timezone.localdate()
        cleared_until = period.end if self.cleared_by == "period" else today
        return Data(
            cases=_cases(self.case_records, area, period, cleared_until),
            accidents=_accidents(self.accident_records, area, period, today),
            rules=Rules.for_unit(period.end, _province(area.unit)),
        )

    def panel(self, area: Area, period: Period, ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """Each indicator with its previous-year value, change and target."""
        definitions = [d for d in INDICATORS if ids is None or d.id in ids or _needed(d.id, ids)]
        previous_period = period.previous_year()
        current = _values(self.data(area, period), definitions)
        previous = _values(self.data(area, previous_period), definitions)
        flags = [d for d in definitions if isinstance(d, AllDecreased)]
        if flags:
            before_previous = _values(self.data(area, previous_period.previous_year()), definitions)
            for flag in flags:
                current[flag.id] = flag.decide(current, previous)
                previous[flag.id] = flag.decide(previous, before_previous)
        result: dict[str, dict[str, Any]] = {}
        for definition in definitions:
            if ids is not None and definition.id not in ids:
                continue
            value, before = current[definition.id], previous[definition.id]
            target = target_for(definition.id, period.end)
            result[definition.id] = {
                "value": _json(value),
                "previous": _json(before),
                "change_pct": _json(change_pct(value, before)),
                "target": _json(target),
                "unit": definition.unit,
            }
        return result


def _needed(indicator_id: str, wanted: list[str]) -> bool:
    """Inputs of the wanted rates and flags are computed even when not asked for."""
    for wanted_id in wanted:
        definition = BY_ID.get(wanted_id)
        if isinstance(definition, Rate) and indicator_id in (definition.numerator, definition.denominator):
            return True
        if isinstance(definition, AllDecreased) and indicator_id in definition.parts:
            return True
    return False


def _json(value: Value | Decimal) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def indicator_report(*, unit: Unit, period: Period, map_: str, computation: Computation,
                     ids: list[str] | None = None) -> dict[str, Any]:
    """The JSON shape shared by the CLI, the API and the dashboard."""
    area = area_of(unit, period, map_)
    return {
        "unit": {"code": unit.code, "name": unit.name, "valid_from": _iso(unit.valid_from),
                 "valid_to": _iso(unit.valid_to)},
        "period": {"scheme": period.scheme, "spec": period.spec, "start": period.start.isoformat(),
                   "end": period.end.isoformat()},
        "previous_period": {"start": period.previous_year().start.isoformat(),
                            "end": period.previous_year().end.isoformat()},
        "map": map_,
        "cleared_by": computation.cleared_by,
        "comparable": area.comparable,
        "indicators": computation.panel(area, period, ids),
    }


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None
