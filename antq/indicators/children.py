"""Figures of every child of a unit for one period (the dashboard's table, the children CSV,
the report's annex, the public statistics): each record goes to the child whose area — its own
subtree plus the old units it inherits through lineage — holds the record's unit, read from the
tallies when they cover the children, else from the records, in a few queries however many
children there are."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from antq.core.periods import Period
from antq.core.scoping import path_q
from antq.indicators.definitions import INDICATORS, AccidentTotals, AllDecreased, CaseTallies, Data, Definition, Value
from antq.indicators.engine import (
    Area,
    CaseCounts,
    Computation,
    half_month_kinds,
    half_month_sums,
    needed,
    unit_id_of,
    values_of,
    year_of,
    year_sums,
)
from antq.records.rules import Rules
from antq.records.tallies import YEAR_ACCIDENT_COLUMNS, bucket
from antq.units.models import LineageLink, Unit
from antq.units.selectors import inheriting_predecessor_paths_of, path_and_ancestors, province_of


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
    rules = Rules.for_unit(period.end, province_of(parent))
    definitions: list[Definition] = [
        d for d in INDICATORS if (d.id in ids or needed(d.id, ids)) and not isinstance(d, AllDecreased)]
    grain = computation.grain(owner, period, half_month=half_month_kinds(owner))
    if grain is not None:
        return _children_from_tallies(grain, children, owner, period, computation, rules, definitions)
    def child_of(path: str) -> Unit | None:
        """The child whose area holds the unit at `path`: its nearest ancestor (or itself) in the areas."""
        return next((owner[p] for p in reversed(path_and_ancestors(path)) if p in owner), None)

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
        result.append(ChildFigures(child, values_of(data, definitions)))
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
    walked = [child for child in children if any(path.startswith(child.path) for path in touched)]
    areas = inheriting_predecessor_paths_of({child.path for child in walked}, after=after, until=until)
    owner: dict[str, Unit] = {child.path: child for child in children if child.path not in areas}
    for child in walked:
        for path in areas[child.path]:
            owner[path] = child
    return owner


def _children_from_tallies(grain: str, children: list[Unit], owner: dict[str, Unit], period: Period,
                           computation: Computation, rules: Rules,
                           definitions: list[Definition]) -> list[ChildFigures]:
    child_by_id = {unit_id_of(path): child for path, child in owner.items()}
    ids = list(child_by_id)
    tallies: dict[int, CaseCounts] = {c.pk: {} for c in children}
    crashes: dict[int, list[int]] = {c.pk: [0, 0, 0, 0] for c in children}

    def add(unit_id: int, cases: CaseCounts, accidents: tuple[int, ...]) -> None:
        child = child_by_id[unit_id]
        into = tallies[child.pk]
        for key, (occurred, cleared) in cases.items():
            before = into.get(key, (0, 0))
            into[key] = (before[0] + occurred, before[1] + cleared)
        crashes[child.pk] = [a + b for a, b in zip(crashes[child.pk], accidents, strict=True)]

    if grain == "year":
        year_cases, year_crashes = year_sums(ids, period.scheme, [year_of(period)], computation.cleared_by,
                                              by_unit=True)
        for (unit_id, _year), cases in year_cases.items():
            add(unit_id, cases, (0, 0, 0, 0))
        for (unit_id, _year), totals in year_crashes.items():
            add(unit_id, {}, (totals.accidents, totals.deaths, totals.injuries, totals.missing))
    else:
        case_rows, crash_rows = half_month_sums(ids, [(bucket(period.start), bucket(period.end))],
                                                 computation.cleared_by, ("unit_id",))
        for row in case_rows:
            if row["o0"]:
                add(row["unit_id"], {(row["group"], row["severity"]): (row["o0"], row["c0"] or 0)}, (0, 0, 0, 0))
        for row in crash_rows:
            add(row["unit_id"], {}, tuple(row[f"{name}0"] or 0 for name in YEAR_ACCIDENT_COLUMNS))
    return [ChildFigures(child, values_of(Data(CaseTallies(tallies[child.pk]), AccidentTotals(*crashes[child.pk]),
                                             rules), definitions)) for child in children]
