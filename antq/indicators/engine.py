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
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models import Value as SqlValue
from django.utils import timezone

from antq.core.periods import Period, month_periods, period_from_spec
from antq.core.scoping import Action, path_in_scope, path_q, user_scope_paths
from antq.indicators.definitions import (
    BY_ID,
    INDICATORS,
    AccidentSum,
    AccidentTotals,
    AllDecreased,
    CaseCount,
    CaseTallies,
    Data,
    Definition,
    Rate,
    Value,
    change_pct,
)
from antq.records.models import CriminalCase, LaterDeath, TrafficAccident
from antq.records.rules import Rules, targets_on
from antq.records.tallies import (
    CODES,
    HALF_MONTH_KINDS,
    SEVERITY_CODES,
    YEAR_ACCIDENT_COLUMNS,
    YEAR_CASE_COLUMNS,
    AccidentTally,
    AccidentYearTally,
    CaseTally,
    CaseYearTally,
    bucket,
    is_bucket_end,
    is_bucket_start,
)
from antq.units.models import Unit, valid_on_q
from antq.units.selectors import has_partial_lineage, inheriting_predecessor_paths, province_of

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
    half_month: bool  # every unit of the area keeps half-month tallies (provinces, districts)


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
    half_month = unit.kind in HALF_MONTH_KINDS and (len(paths) == 1 or half_month_kinds(paths))
    return Area(unit=unit, paths=tuple(sorted(paths)), map=map_, comparable=not partial, half_month=half_month)


def half_month_kinds(paths: Iterable[str]) -> bool:
    ids = {unit_id_of(p) for p in paths}
    return not Unit.objects.filter(pk__in=ids).exclude(kind__in=HALF_MONTH_KINDS).exists()


def _from_records(case_records: QuerySet[CriminalCase], accident_records: QuerySet[TrafficAccident], area: Area,
                  periods: list[Period], cleared_by: str) -> list[tuple[CaseTallies, AccidentTotals]]:
    """Each period's case tallies and accident totals counted from the records, in three
    queries however many periods (cases by group and severity, accidents, later deaths), each
    period a filtered aggregate. A case counts as cleared when it was cleared by the end of its
    period (or by today); later deaths count as recorded by today."""
    today = timezone.localdate()
    where = Q(path_q("unit__path", area.paths), occurred_on__gte=min(p.start for p in periods),
              occurred_on__lte=max(p.end for p in periods))
    case_sums: dict[str, Any] = {}
    accident_sums: dict[str, Any] = {}
    later_sums: dict[str, Any] = {}
    for index, period in enumerate(periods):
        inside = Q(occurred_on__gte=period.start, occurred_on__lte=period.end)
        until = period.end if cleared_by == "period" else today
        case_sums[f"o{index}"] = Count("id", filter=inside)
        case_sums[f"c{index}"] = Count("id", filter=inside & Q(cleared_on__lte=until))
        accident_sums[f"n{index}"] = Count("id", filter=inside)
        for name in ("deaths", "injuries", "missing"):
            accident_sums[f"{name}{index}"] = Sum(name, filter=inside)
        later_sums[f"later{index}"] = Sum("count", filter=Q(accident__occurred_on__gte=period.start,
                                                             accident__occurred_on__lte=period.end))
    case_rows = cast(list[dict[str, Any]], list(case_records.filter(where).values("group", "severity")
                                                .annotate(**case_sums).order_by()))
    accidents = accident_records.filter(where)
    totals = accidents.aggregate(**accident_sums)
    later = (LaterDeath.objects.filter(accident__in=accidents.values("pk"), recorded_on__lte=today)
             .aggregate(**later_sums))
    return [(CaseTallies({(r["group"], r["severity"]): (r[f"o{i}"], r[f"c{i}"]) for r in case_rows if r[f"o{i}"]}),
             AccidentTotals(accidents=totals[f"n{i}"] or 0,
                            deaths=(totals[f"deaths{i}"] or 0) + (later[f"later{i}"] or 0),
                            injuries=totals[f"injuries{i}"] or 0, missing=totals[f"missing{i}"] or 0))
            for i in range(len(periods))]


def unit_id_of(path: str) -> int:
    return int(path.rstrip("/").rsplit("/", 1)[-1])


CaseCounts = dict[tuple[str, str], tuple[int, int]]


def is_year(period: Period) -> bool:
    """A whole statistical year of its scheme (what the year tallies hold), however it is
    named: 2026, or 2026-12-CUM (January to December)."""
    year = period_from_spec(period.spec[:4], period.scheme)
    return (period.start, period.end) == (year.start, year.end)


def year_of(period: Period) -> int:
    """The statistical year a period belongs to."""
    return int(period.spec[:4])


def half_month_sums(ids: list[int], spans: list[tuple[int, int]], cleared_by: str,
                     by: tuple[str, ...]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Half-month tallies of these units summed over each span of buckets: case rows by
    (*by, group, severity) with o{i}/c{i} (occurred/cleared in span i), accident rows by
    (*by) with n{i}, deaths{i}, injuries{i}, missing{i}; two queries however many spans."""
    case_sums: dict[str, Any] = {}
    accident_sums: dict[str, Any] = {}
    for index, (first, last) in enumerate(spans):
        inside = Q(bucket__gte=first, bucket__lte=last)
        cleared = Q(lag__gte=0) if cleared_by == "today" else Q(lag__gte=0) & Q(lag__lte=SqlValue(last) - F("bucket"))
        case_sums[f"o{index}"] = Sum("n", filter=inside)
        case_sums[f"c{index}"] = Sum("n", filter=inside & cleared)
        for name in YEAR_ACCIDENT_COLUMNS:
            accident_sums[f"{name}{index}"] = Sum(name, filter=inside)
    low, high = min(s[0] for s in spans), max(s[1] for s in spans)
    cases = list(CaseTally.objects.filter(unit_id__in=ids, bucket__gte=low, bucket__lte=high)
                 .values(*by, "group", "severity").annotate(**case_sums).order_by())
    accident_rows = AccidentTally.objects.filter(unit_id__in=ids, bucket__gte=low, bucket__lte=high)
    crashes = (list(accident_rows.values(*by).annotate(**accident_sums).order_by()) if by
               else [accident_rows.aggregate(**accident_sums)])
    return cast(list[dict[str, Any]], cases), cast(list[dict[str, Any]], crashes)


def _half_month_data(ids: list[int], periods: list[Period], cleared_by: str, rules: list[Rules]) -> list[Data]:
    """Data of each period (on half-month bounds) from the half-month tallies, with its rules."""
    case_rows, crash_rows = half_month_sums(ids, [(bucket(p.start), bucket(p.end)) for p in periods], cleared_by, ())
    totals = crash_rows[0] if crash_rows else {}
    return [Data(CaseTallies({(r["group"], r["severity"]): (r[f"o{i}"], r[f"c{i}"] or 0)
                              for r in case_rows if r[f"o{i}"]}),
                 AccidentTotals(*(totals.get(f"{name}{i}") or 0 for name in YEAR_ACCIDENT_COLUMNS)), rule)
            for i, rule in enumerate(rules)]


def year_sums(ids: list[int] | None, scheme: str, years: list[int], cleared_by: str,
               by_unit: bool) -> tuple[dict[tuple[int, int], CaseCounts], dict[tuple[int, int], AccidentTotals]]:
    """Year tallies of these units (None: every unit) summed by (unit id or 0, year)."""
    group_by = ("unit_id", "year") if by_unit else ("year",)
    case_rows = CaseYearTally.objects.filter(scheme=scheme, year__in=years)
    accident_rows = AccidentYearTally.objects.filter(scheme=scheme, year__in=years)
    if ids is not None:
        case_rows, accident_rows = case_rows.filter(unit_id__in=ids), accident_rows.filter(unit_id__in=ids)
    offset = len(CODES) if cleared_by == "period" else 2 * len(CODES)
    cases: dict[tuple[int, int], CaseCounts] = {}
    for row in (case_rows.values_list(*group_by, "group").annotate(*(Sum(c) for c in YEAR_CASE_COLUMNS))
                .order_by()):
        key = (row[0], row[1]) if by_unit else (0, row[0])
        group, counts = row[len(group_by)], row[len(group_by) + 1:]
        into = cases.setdefault(key, {})
        for index, severity in enumerate(SEVERITY_CODES):
            if counts[index]:
                into[(group, severity)] = (counts[index], counts[offset + index] or 0)
    crashes: dict[tuple[int, int], AccidentTotals] = {}
    for row in (accident_rows.values_list(*group_by).annotate(*(Sum(c) for c in YEAR_ACCIDENT_COLUMNS))
                .order_by()):
        key = (row[0], row[1]) if by_unit else (0, row[0])
        crashes[key] = AccidentTotals(*(value or 0 for value in row[len(group_by):]))
    return cases, crashes


def values_of(data: Data, definitions: list[Definition], given: dict[str, Value] | None = None) -> dict[str, Value]:
    """Each definition's value, in order (rates read the counts before them); `given`
    holds counts already summed elsewhere."""
    done: dict[str, Value] = dict(given or {})
    for definition in definitions:
        if definition.id not in done:
            done[definition.id] = definition.compute(data, done)
    return done


@dataclass
class Computation:
    """Which records a figure may count (the caller's scope) and how clearances count.

    Built with `for_user` or `unrestricted`, it reads the tallies kept in the write path
    whenever the area lies inside the scope and the period starts and ends on half-months
    (always, for the two schemes); otherwise, and when built from plain querysets, it
    aggregates the records themselves — both give the same figures (tests hold them equal).
    """

    case_records: QuerySet[CriminalCase]
    accident_records: QuerySet[TrafficAccident]
    cleared_by: str = "period"
    use_tallies: bool = False
    scope: tuple[str, ...] | None = None

    @classmethod
    def unrestricted(cls, cleared_by: str = "period") -> Computation:
        return cls(CriminalCase.objects.all(), TrafficAccident.objects.all(), cleared_by, use_tallies=True)

    @classmethod
    def for_user(cls, user: Any, cleared_by: str = "period") -> Computation:
        return cls(CriminalCase.objects.restrict(user), TrafficAccident.objects.restrict(user), cleared_by,
                   use_tallies=True, scope=user_scope_paths(user, Action.VIEW))

    def grain(self, paths: Iterable[str], period: Period, half_month: bool) -> str | None:
        """Which tallies can give this figure: "year" (a whole year, any unit), "half_month"
        (periods on half-month bounds, provinces and districts), or None (the records)."""
        if not self.use_tallies or (self.scope is not None
                                    and not all(path_in_scope(p, self.scope) for p in paths)):
            return None
        if is_year(period):
            return "year"
        if half_month and is_bucket_start(period.start) and is_bucket_end(period.end):
            return "half_month"
        return None

    def data(self, area: Area, period: Period) -> Data:
        return self.data_many(area, [period])[0]

    def data_many(self, area: Area, periods: list[Period]) -> list[Data]:
        """Data for several periods of one area, from the tallies in two queries for all of
        them when they cover the area; otherwise from the records."""
        if self.cleared_by not in CLEARED_BY:
            raise IndicatorError("cleared_by phải là period hoặc today / cleared_by must be period or today")
        rules = Rules.for_dates([p.end for p in periods], province_of(area.unit))
        ids = [unit_id_of(p) for p in area.paths]
        grains = {self.grain(area.paths, p, area.half_month) for p in periods}
        if grains == {"year"} and len({p.scheme for p in periods}) == 1:
            years = [year_of(p) for p in periods]
            cases, crashes = year_sums(ids, periods[0].scheme, years, self.cleared_by, by_unit=False)
            return [Data(CaseTallies(cases.get((0, year), {})), crashes.get((0, year), AccidentTotals()), rule)
                    for year, rule in zip(years, rules, strict=True)]
        if grains == {"half_month"}:
            return _half_month_data(ids, periods, self.cleared_by, rules)
        counted = _from_records(self.case_records, self.accident_records, area, periods, self.cleared_by)
        return [Data(cases, accidents, rule) for (cases, accidents), rule in zip(counted, rules, strict=True)]

    def panel(self, area: Area, period: Period, ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """Each indicator with its previous-year value, change and target."""
        definitions = [d for d in INDICATORS if ids is None or d.id in ids or needed(d.id, ids)]
        previous_period = period.previous_year()
        flags = [d for d in definitions if isinstance(d, AllDecreased)]
        periods = [period, previous_period] + ([previous_period.previous_year()] if flags else [])
        datas = self.data_many(area, periods)
        current = values_of(datas[0], definitions)
        previous = values_of(datas[1], definitions)
        if flags:
            before_previous = values_of(datas[2], definitions)
            for flag in flags:
                current[flag.id] = flag.decide(current, previous)
                previous[flag.id] = flag.decide(previous, before_previous)
        result: dict[str, dict[str, Any]] = {}
        targets = targets_on(period.end)
        for definition in definitions:
            if ids is not None and definition.id not in ids:
                continue
            value, before = current[definition.id], previous[definition.id]
            target = targets.get(definition.id)
            result[definition.id] = {
                "value": _json(value),
                "previous": _json(before),
                "change_pct": _json(change_pct(value, before)),
                "target": _json(target),
                "unit": definition.unit,
            }
        return result


def needed(indicator_id: str, wanted: list[str]) -> bool:
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
                     ids: list[str] | None = None, area: Area | None = None) -> dict[str, Any]:
    """The JSON shape shared by the CLI, the API and the dashboard (`area`: the unit's
    area_of for this period and map, when the caller has it already)."""
    area = area or area_of(unit, period, map_)
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


def records_behind(indicator_id: str, area: Area, period: Period,
                   computation: Computation) -> tuple[str, QuerySet[Any]]:
    """The records a figure counts ("cases" or "accidents", queryset): the drill-down of every
    number uses the very filters of its definition, so the list always matches the figure."""
    definition = BY_ID[indicator_id]
    if isinstance(definition, Rate):
        return records_behind(definition.numerator, area, period, computation)
    if isinstance(definition, AllDecreased):
        return records_behind(definition.parts[0], area, period, computation)
    if isinstance(definition, AccidentSum):
        records: QuerySet[Any] = computation.accident_records
        kind = "accidents"
    else:
        rules = Rules.for_unit(period.end, province_of(area.unit))
        records = computation.case_records.filter(group__in=definition.groups(rules))
        if definition.severities is not None:
            records = records.filter(severity__in=definition.severities(rules))
        if definition.cleared:
            until = period.end if computation.cleared_by == "period" else timezone.localdate()
            records = records.filter(cleared_on__lte=until)
        kind = "cases"
    return kind, records.filter(path_q("unit__path", area.paths), occurred_on__gte=period.start,
                                occurred_on__lte=period.end)


def monthly_series(indicator_id: str, area: Area, year: Period, computation: Computation) -> list[int]:
    """Twelve monthly values of a count indicator over a year of the same scheme: from the
    half-month tallies when they hold the area (provinces, districts) and the count does not
    depend on clearance dates, else from the records behind the year's figure (one query)."""
    definition = BY_ID[indicator_id]
    months = month_periods(int(year.spec[:4]), year.scheme)
    by_occurrence = isinstance(definition, AccidentSum) or (isinstance(definition, CaseCount)
                                                            and not definition.cleared)
    if by_occurrence and all(computation.grain(area.paths, m, area.half_month) == "half_month" for m in months):
        rules = Rules.for_unit(year.end, province_of(area.unit))  # the year's rules, as records_behind
        datas = _half_month_data([unit_id_of(p) for p in area.paths], months, computation.cleared_by,
                                 [rules] * len(months))
        return [int(values_of(data, [definition])[indicator_id] or 0) for data in datas]
    _kind, records = records_behind(indicator_id, area, year, computation)
    field_name = definition.field_name if isinstance(definition, AccidentSum) else None
    value = Sum(field_name) if field_name and field_name != "accidents" else Count("id")
    rows = list(records.values("occurred_on").annotate(n=value).order_by())
    if field_name == "deaths":  # later deaths belong to their accident's month, as on the card
        rows += list(LaterDeath.objects.filter(accident__in=records.values("pk"),
                                               recorded_on__lte=timezone.localdate())
                     .values(occurred_on=F("accident__occurred_on")).annotate(n=Sum("count")).order_by())
    series = [0] * 12
    for row in rows:
        for index, month in enumerate(months):
            if month.contains(row["occurred_on"]):
                series[index] += row["n"] or 0
                break
    return series
