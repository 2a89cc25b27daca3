"""The national rollup: every province, district and commune of a period at once, for the
national dashboards and the benchmark. A whole year is summed in the database from the year
tallies; other periods aggregate the records per unit and add them to the ancestors."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models import Value as SqlValue
from django.db.models.functions import Coalesce
from django.utils import timezone

from antq.core.periods import Period
from antq.indicators.definitions import (
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
    rate_of,
)
from antq.indicators.engine import CaseCounts, Computation, IndicatorError, is_year, needed, values_of, year_of
from antq.records.choices import CrimeGroup
from antq.records.models import LaterDeath
from antq.records.rules import Rules, rules_by_province
from antq.records.tallies import SEVERITY_CODES, AccidentYearTally, CaseYearTally, area_ids
from antq.units.models import Unit, valid_on_q


def national_rollup(period: Period, computation: Computation, ids: list[str],
                    kinds: tuple[str, ...] = ("province", "district", "commune")) -> dict[int, dict[str, Value]]:
    """Every unit of the given kinds valid at the period's end, each over its own subtree
    (unit id → indicator values). Administrators only: the computation must be unrestricted.

    A whole year is summed in the database from the year tallies: each count definition
    becomes one filtered SUM over the severity columns, one query per distinct set of
    province rules; only the rates are computed here. Other periods aggregate the records
    per unit and add each unit's counts to its ancestors."""
    if computation.scope is not None or not computation.use_tallies:
        raise IndicatorError("national_rollup needs an unrestricted computation")
    units = dict(_fetch(Unit.objects.filter(valid_on_q(period.end), kind__in=kinds).values_list("pk", "path")))
    definitions: list[Definition] = [
        d for d in INDICATORS if (d.id in ids or needed(d.id, ids)) and not isinstance(d, AllDecreased)]
    provinces_now = set(Unit.objects.filter(valid_on_q(period.end), kind="province").values_list("pk", flat=True))
    province_rules = rules_by_province(period.end, provinces_now)
    by_rules: dict[Rules, set[int]] = {}
    for province_id, rules in province_rules.items():
        by_rules.setdefault(rules, set()).add(province_id)
    result: dict[int, dict[str, Value]] = {}
    for rules, provinces in by_rules.items():
        if len(by_rules) == 1:
            members, only = units, None
        else:
            members = {pk: path for pk, path in units.items() if _province_id(path) in provinces}
            only = list(members)
        if is_year(period):
            counts = _rollup_year_counts(period, computation.cleared_by, rules, definitions, only)
            rates = [d for d in definitions if isinstance(d, Rate)]
            zero: dict[str, Value] = {d.id: 0 for d in definitions if not isinstance(d, Rate)}
            for pk in members:
                values = {**zero, **counts.get(pk, {})}
                for rate in rates:  # the counts here are always integers
                    values[rate.id] = rate_of(values[rate.numerator], values[rate.denominator])  # type: ignore[arg-type]
                result[pk] = values
        else:
            for pk, data in _rollup_from_records(period, computation, rules, members).items():
                result[pk] = values_of(data, definitions)
    return result


def _province_id(path: str) -> int:
    return int(path.split("/", 1)[0])


def _rollup_year_counts(period: Period, cleared_by: str, rules: Rules, definitions: list[Definition],
                        only: list[int] | None) -> dict[int, dict[str, Value]]:
    """unit id → {count indicator id: value} for one scheme year, summed in SQL."""
    case_sums: dict[str, Any] = {}
    accident_sums: dict[str, Any] = {}
    for definition in definitions:
        if isinstance(definition, CaseCount):
            prefix = "occurred" if not definition.cleared else ("cleared" if cleared_by == "period" else
                                                                   "cleared_ever")
            severities = definition.severities(rules) if definition.severities else frozenset(SEVERITY_CODES)
            columns = [F(f"{prefix}_{code}") for severity, code in SEVERITY_CODES.items() if severity in severities]
            total = reduce(operator.add, columns) if columns else SqlValue(0)
            groups = definition.groups(rules)
            every_group = groups >= frozenset(CrimeGroup.values)  # no filter to evaluate on every row
            case_sums[definition.id] = Sum(total) if every_group else Sum(total, filter=Q(group__in=sorted(groups)))
        elif isinstance(definition, AccidentSum):
            accident_sums[definition.id] = Sum("n" if definition.field_name == "accidents" else definition.field_name)
    counts: dict[int, dict[str, Value]] = {}
    for model, sums in ((CaseYearTally, case_sums), (AccidentYearTally, accident_sums)):
        if not sums:
            continue
        rows = model.objects.filter(scheme=period.scheme, year=year_of(period))
        if only is not None:
            rows = rows.filter(unit_id__in=only)
        names = list(sums)
        summed = {name: Coalesce(total, 0) for name, total in sums.items()}  # no matching row: 0, not NULL
        for unit_id, *values in _fetch(rows.values_list("unit_id").annotate(**summed).order_by()):
            if unit_id in counts:
                counts[unit_id].update(zip(names, values, strict=True))
            else:
                counts[unit_id] = dict(zip(names, values, strict=True))
    return counts


def _fetch(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list queryset straight from the cursor, without Django's per-row
    conversion: for the rollup's tens of thousands of integer rows."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _rollup_from_records(period: Period, computation: Computation, rules: Rules,
                         members: dict[int, str]) -> dict[int, Data]:
    """unit id → Data, from the records of the period grouped by unit, added to every ancestor."""
    cases: dict[int, CaseCounts] = {pk: {} for pk in members}
    crashes: dict[int, list[int]] = {pk: [0, 0, 0, 0] for pk in members}
    until = period.end if computation.cleared_by == "period" else timezone.localdate()
    case_rows = (computation.case_records.filter(occurred_on__gte=period.start, occurred_on__lte=period.end)
                 .values_list("unit__path", "group", "severity")
                 .annotate(occurred=Count("id"), cleared=Count("id", filter=Q(cleared_on__lte=until))).order_by())
    for path, group, severity, occurred, cleared in case_rows:
        for unit_id in area_ids(path):
            if unit_id in cases:
                before = cases[unit_id].get((group, severity), (0, 0))
                cases[unit_id][(group, severity)] = (before[0] + occurred, before[1] + cleared)
    base = computation.accident_records.filter(occurred_on__gte=period.start, occurred_on__lte=period.end)
    later = dict(LaterDeath.objects.filter(accident__in=base.values("pk"), recorded_on__lte=timezone.localdate())
                 .values_list("accident__unit__path").annotate(Sum("count")).order_by())
    accident_rows = base.values_list("unit__path").annotate(Count("id"), Sum("deaths"), Sum("injuries"),
                                                            Sum("missing")).order_by()
    for path, n, deaths, injuries, missing in accident_rows:
        for unit_id in area_ids(path):
            if unit_id in crashes:
                totals = crashes[unit_id]
                for index, value in enumerate((n, (deaths or 0) + (later.get(path) or 0), injuries, missing)):
                    totals[index] += value or 0
    return {pk: Data(CaseTallies(cases[pk]), AccidentTotals(*crashes[pk]), rules) for pk in members}
