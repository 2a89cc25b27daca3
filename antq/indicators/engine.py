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
from typing import Any, cast

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models import Value as SqlValue
from django.utils import timezone

from antq.core.periods import Period, month_periods
from antq.core.scoping import Action, path_in_scope, path_q, user_scope_paths
from antq.indicators.definitions import (
    BY_ID,
    INDICATORS,
    AccidentSum,
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
from antq.records.rules import Rules, targets_on
from antq.records.tallies import AccidentTally, CaseTally, bucket, is_bucket_end, is_bucket_start
from antq.units.models import LineageLink, Unit, valid_on_q
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


def _unit_id(path: str) -> int:
    return int(path.rstrip("/").rsplit("/", 1)[-1])


def _case_tally_rows(ids: list[int], period: Period, cleared_by: str, by: tuple[str, ...]) -> Any:
    first, last = bucket(period.start), bucket(period.end)
    cleared = Q(lag__gte=0) if cleared_by == "today" else Q(lag__gte=0) & Q(lag__lte=SqlValue(last) - F("bucket"))
    return (CaseTally.objects.filter(unit_id__in=ids, bucket__gte=first, bucket__lte=last)
            .values(*by, "group", "severity")
            .annotate(occurred=Sum("n"), cleared=Sum("n", filter=cleared)).order_by())


def _accident_tally_totals(ids: list[int], period: Period) -> AccidentTotals:
    totals = AccidentTally.objects.filter(unit_id__in=ids, bucket__gte=bucket(period.start),
                                          bucket__lte=bucket(period.end)).aggregate(
        n=Sum("n"), deaths=Sum("deaths"), injuries=Sum("injuries"), missing=Sum("missing"))
    return AccidentTotals(totals["n"] or 0, totals["deaths"] or 0, totals["injuries"] or 0, totals["missing"] or 0)


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

    def tallies_cover(self, paths: tuple[str, ...], period: Period) -> bool:
        if not (self.use_tallies and is_bucket_start(period.start) and is_bucket_end(period.end)):
            return False
        return self.scope is None or all(path_in_scope(p, self.scope) for p in paths)

    def data(self, area: Area, period: Period) -> Data:
        if self.cleared_by not in CLEARED_BY:
            raise IndicatorError("cleared_by phải là period hoặc today / cleared_by must be period or today")
        today = timezone.localdate()
        cleared_until = period.end if self.cleared_by == "period" else today
        if self.tallies_cover(area.paths, period):
            ids = [_unit_id(p) for p in area.paths]
            cases = CaseTallies({(r["group"], r["severity"]): (r["occurred"] or 0, r["cleared"] or 0)
                                 for r in _case_tally_rows(ids, period, self.cleared_by, ())})
            accidents = _accident_tally_totals(ids, period)
        else:
            cases = _cases(self.case_records, area, period, cleared_until)
            accidents = _accidents(self.accident_records, area, period, today)
        return Data(cases=cases, accidents=accidents, rules=Rules.for_unit(period.end, _province(area.unit)))

    def data_many(self, area: Area, periods: list[Period]) -> list[Data]:
        """Data for several periods of one area: from the tallies, in two queries for all of them."""
        if not all(self.tallies_cover(area.paths, p) for p in periods) or self.cleared_by not in CLEARED_BY:
            return [self.data(area, p) for p in periods]
        ids = [_unit_id(p) for p in area.paths]
        rules = Rules.for_dates([p.end for p in periods], _province(area.unit))
        spans = [(bucket(p.start), bucket(p.end)) for p in periods]
        case_sums: dict[str, Any] = {}
        accident_sums: dict[str, Any] = {}
        for index, (first, last) in enumerate(spans):
            inside = Q(bucket__gte=first, bucket__lte=last)
            cleared = Q(lag__gte=0) if self.cleared_by == "today" else (
                Q(lag__gte=0) & Q(lag__lte=SqlValue(last) - F("bucket")))
            case_sums[f"o{index}"] = Sum("n", filter=inside)
            case_sums[f"c{index}"] = Sum("n", filter=inside & cleared)
            for name in ("n", "deaths", "injuries", "missing"):
                accident_sums[f"{name}{index}"] = Sum(name, filter=inside)
        low, high = min(s[0] for s in spans), max(s[1] for s in spans)
        rows = cast(list[dict[str, Any]], list(
            CaseTally.objects.filter(unit_id__in=ids, bucket__gte=low, bucket__lte=high)
            .values("group", "severity").annotate(**case_sums).order_by()))
        crashes = AccidentTally.objects.filter(unit_id__in=ids, bucket__gte=low, bucket__lte=high).aggregate(
            **accident_sums)
        result = []
        for index in range(len(periods)):
            cases = CaseTallies({(r["group"], r["severity"]): (r[f"o{index}"] or 0, r[f"c{index}"] or 0)
                                 for r in rows if r[f"o{index}"]})
            accidents = AccidentTotals(*(crashes[f"{name}{index}"] or 0
                                         for name in ("n", "deaths", "injuries", "missing")))
            result.append(Data(cases, accidents, rules[index]))
        return result

    def panel(self, area: Area, period: Period, ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """Each indicator with its previous-year value, change and target."""
        definitions = [d for d in INDICATORS if ids is None or d.id in ids or _needed(d.id, ids)]
        previous_period = period.previous_year()
        flags = [d for d in definitions if isinstance(d, AllDecreased)]
        periods = [period, previous_period] + ([previous_period.previous_year()] if flags else [])
        datas = self.data_many(area, periods)
        current = _values(datas[0], definitions)
        previous = _values(datas[1], definitions)
        if flags:
            before_previous = _values(datas[2], definitions)
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
        rules = Rules.for_unit(period.end, _province(area.unit))
        records = computation.case_records.filter(group__in=definition.groups(rules))
        if definition.severities is not None:
            records = records.filter(severity__in=definition.severities(rules))
        if definition.cleared:
            until = period.end if computation.cleared_by == "period" else timezone.localdate()
            records = records.filter(cleared_on__lte=until)
        kind = "cases"
    return kind, records.filter(path_q("unit__path", area.paths), occurred_on__gte=period.start,
                                occurred_on__lte=period.end)


@dataclass(frozen=True)
class ChildFigures:
    unit: Unit
    values: dict[str, Value]


def children_figures(area: Area, period: Period, computation: Computation, units: QuerySet[Unit],
                     ids: list[str]) -> list[ChildFigures]:
    """Figures of every child of the area's unit for one period, in three queries however many
    children: each record is given to the child whose area (own subtree plus inherited old
    units) holds its unit, by the longest matching path."""
    parent = area.unit
    children = list(units.filter(parent=parent).filter(Q(valid_from__isnull=True) | Q(valid_from__lte=period.end))
                    .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.start)).order_by("name"))
    owner = _child_areas(parent, children, period, area.map)
    rules = Rules.for_unit(period.end, _province(parent))
    definitions: list[Definition] = [
        d for d in INDICATORS if (d.id in ids or _needed(d.id, ids)) and not isinstance(d, AllDecreased)]
    if computation.tallies_cover(tuple(owner), period):
        return _children_from_tallies(children, owner, period, computation, rules, definitions)
    prefixes = sorted(owner, key=len, reverse=True)

    def child_of(path: str) -> Unit | None:
        return next((owner[p] for p in prefixes if path.startswith(p)), None)

    today = timezone.localdate()
    cleared_until = period.end if computation.cleared_by == "period" else today
    case_rows = (computation.case_records.filter(path_q("unit__path", area.paths), occurred_on__gte=period.start,
                                                 occurred_on__lte=period.end)
                 .values("unit__path", "group", "severity")
                 .annotate(occurred=Count("id"), cleared=Count("id", filter=Q(cleared_on__lte=cleared_until)))
                 .order_by())
    tallies: dict[int, dict[tuple[str, str], tuple[int, int]]] = {c.pk: {} for c in children}
    for row in case_rows:
        owner_unit = child_of(row["unit__path"])
        if owner_unit is not None:
            key = (row["group"], row["severity"])
            occurred, cleared = tallies[owner_unit.pk].get(key, (0, 0))
            tallies[owner_unit.pk][key] = (occurred + row["occurred"], cleared + row["cleared"])
    accident_rows = (computation.accident_records.filter(path_q("unit__path", area.paths),
                                                         occurred_on__gte=period.start, occurred_on__lte=period.end)
                     .values("unit__path").annotate(n=Count("id"), deaths=Sum("deaths"), injuries=Sum("injuries"))
                     .order_by())
    crashes: dict[int, list[int]] = {c.pk: [0, 0, 0] for c in children}
    for crash in accident_rows:
        crash_owner = child_of(crash["unit__path"])
        if crash_owner is not None:
            totals = crashes[crash_owner.pk]
            totals[0] += crash["n"]
            totals[1] += crash["deaths"] or 0
            totals[2] += crash["injuries"] or 0
    result = []
    for child in children:
        data = Data(CaseTallies(tallies[child.pk]), AccidentTotals(*crashes[child.pk]), rules)
        result.append(ChildFigures(child, _values(data, definitions)))
    return result


def _child_areas(parent: Unit, children: list[Unit], period: Period, map_: str) -> dict[str, Unit]:
    """Area path → child. One lineage query finds the children touched by a change in the
    window; only those need their own lineage walk, the others are their own subtree."""
    after, until = (None, None) if map_ == "current" else (period.previous_year().previous_year().start,
                                                           period.end)
    links = LineageLink.objects.filter(successor__path__startswith=parent.path)
    if after is not None:
        links = links.filter(event__effective_date__gt=after, event__effective_date__lte=until)
    touched = set(links.values_list("successor__path", flat=True))
    owner: dict[str, Unit] = {}
    for child in children:
        if any(path.startswith(child.path) for path in touched):
            for path in area_of(child, period, map_).paths:
                owner[path] = child
        else:
            owner[child.path] = child
    return owner


def _children_from_tallies(children: list[Unit], owner: dict[str, Unit], period: Period,
                           computation: Computation, rules: Rules,
                           definitions: list[Definition]) -> list[ChildFigures]:
    child_by_id = {_unit_id(path): child for path, child in owner.items()}
    ids = list(child_by_id)
    tallies: dict[int, dict[tuple[str, str], tuple[int, int]]] = {c.pk: {} for c in children}
    for row in _case_tally_rows(ids, period, computation.cleared_by, ("unit_id",)):
        child = child_by_id[row["unit_id"]]
        key = (row["group"], row["severity"])
        occurred, cleared = tallies[child.pk].get(key, (0, 0))
        tallies[child.pk][key] = (occurred + (row["occurred"] or 0), cleared + (row["cleared"] or 0))
    crashes: dict[int, list[int]] = {c.pk: [0, 0, 0, 0] for c in children}
    accident_rows = (AccidentTally.objects.filter(unit_id__in=ids, bucket__gte=bucket(period.start),
                                                  bucket__lte=bucket(period.end))
                     .values("unit_id").annotate(n=Sum("n"), deaths=Sum("deaths"), injuries=Sum("injuries"),
                                                 missing=Sum("missing")).order_by())
    for crash in accident_rows:
        totals = crashes[child_by_id[crash["unit_id"]].pk]
        totals[0] += crash["n"] or 0
        totals[1] += crash["deaths"] or 0
        totals[2] += crash["injuries"] or 0
        totals[3] += crash["missing"] or 0
    return [ChildFigures(child, _values(Data(CaseTallies(tallies[child.pk]), AccidentTotals(*crashes[child.pk]),
                                             rules), definitions)) for child in children]


def monthly_series(indicator_id: str, area: Area, year: Period, computation: Computation) -> list[int]:
    """Twelve monthly values of a count indicator over a year of the same scheme (one query)."""
    _kind, records = records_behind(indicator_id, area, year, computation)
    definition = BY_ID[indicator_id]
    field_name = definition.field_name if isinstance(definition, AccidentSum) else None
    value = Sum(field_name) if field_name and field_name != "accidents" else Count("id")
    rows = list(records.values("occurred_on").annotate(n=value).order_by())
    if field_name == "deaths":  # later deaths belong to their accident's month, as on the card
        rows += list(LaterDeath.objects.filter(accident__in=records.values("pk"),
                                               recorded_on__lte=timezone.localdate())
                     .values(occurred_on=F("accident__occurred_on")).annotate(n=Sum("count")).order_by())
    months = month_periods(int(year.spec[:4]), year.scheme)
    series = [0] * 12
    for row in rows:
        for index, month in enumerate(months):
            if month.contains(row["occurred_on"]):
                series[index] += row["n"] or 0
                break
    return series


def national_rollup(period: Period, computation: Computation, ids: list[str],
                    kinds: tuple[str, ...] = ("province", "district", "commune")) -> dict[int, dict[str, Value]]:
    """Every unit of the given kinds valid at the period's end, each over its own subtree, from
    the tallies in two grouped queries (unit id → indicator values). Administrators only: the
    caller's computation must be unrestricted."""
    if computation.scope is not None or not computation.tallies_cover((), period):
        raise IndicatorError("national_rollup needs an unrestricted computation over whole half-months")
    units = dict(Unit.objects.filter(valid_on_q(period.end), kind__in=kinds).values_list("pk", "path"))
    definitions: list[Definition] = [
        d for d in INDICATORS if (d.id in ids or _needed(d.id, ids)) and not isinstance(d, AllDecreased)]
    first, last = bucket(period.start), bucket(period.end)
    cleared = Q(lag__gte=0) if computation.cleared_by == "today" else (
        Q(lag__gte=0) & Q(lag__lte=SqlValue(last) - F("bucket")))
    tallies: dict[int, dict[tuple[str, str], tuple[int, int]]] = {pk: {} for pk in units}
    rows = (CaseTally.objects.filter(bucket__gte=first, bucket__lte=last).values_list("unit_id", "group", "severity")
            .annotate(occurred=Sum("n"), cleared=Sum("n", filter=cleared)).order_by())
    for unit_id, group, severity, occurred, cleared_n in rows.iterator(chunk_size=20_000):
        if unit_id in tallies:
            tallies[unit_id][(group, severity)] = (occurred or 0, cleared_n or 0)
    crashes: dict[int, AccidentTotals] = {}
    for unit_id, n, deaths, injuries, missing in (
            AccidentTally.objects.filter(bucket__gte=first, bucket__lte=last).values_list("unit_id")
            .annotate(Sum("n"), Sum("deaths"), Sum("injuries"), Sum("missing")).order_by()):
        if unit_id in units:
            crashes[unit_id] = AccidentTotals(n or 0, deaths or 0, injuries or 0, missing or 0)
    rules_by_province: dict[int, Rules] = {}
    result: dict[int, dict[str, Value]] = {}
    for pk, path in units.items():
        province_id = int(path.split("/")[0])
        if province_id not in rules_by_province:
            province = Unit.objects.get(pk=province_id)
            rules_by_province[province_id] = Rules.for_unit(period.end, province)
        data = Data(CaseTallies(tallies[pk]), crashes.get(pk, AccidentTotals()), rules_by_province[province_id])
        result[pk] = _values(data, definitions)
    return result
