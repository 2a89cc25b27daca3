"""Facts antq computes for the automatic rubric items and standard criteria, always from the
live records of the unit's area (its subtree and the old units it inherited) over the
standard's evaluation window. Each fact carries its figures and the filter of the records
behind it, so a page can show "0 vụ" with a link to the list."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from antq.core.scoping import path_q
from antq.movement.choices import MANAGED_KINDS, SUBJECT_OF_KIND, AutoSource, evaluation_window
from antq.records.choices import Severity
from antq.records.models import CriminalCase
from antq.units.models import Unit
from antq.units.selectors import inheriting_predecessor_paths

# "Tội phạm từ nghiêm trọng trở lên" (TT 124 art. 4(4)(b)): the Penal Code categories, not the
# configurable "serious" of the clearance statistics.
SERIOUS_OR_ABOVE = (Severity.SERIOUS, Severity.VERY_SERIOUS, Severity.ESPECIALLY_SERIOUS)


@dataclass(frozen=True)
class Fact:
    met: bool | None  # None: antq cannot tell; the item is scored by hand
    text: str
    figures: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"met": self.met, "text": self.text, **self.figures}


def cases_in_area(records: QuerySet[CriminalCase], unit: Unit, start: datetime.date | None,
                  end: datetime.date | None, severities: list[str] | None = None) -> QuerySet[CriminalCase]:
    """The cases of the unit's area (its subtree and the old units it inherited) between two
    dates: what a fact counts, and the list its link opens."""
    paths = tuple(sorted(inheriting_predecessor_paths({unit.path})))
    records = records.filter(path_q("unit__path", paths))
    if start is not None:
        records = records.filter(occurred_on__gte=start)
    if end is not None:
        records = records.filter(occurred_on__lte=end)
    return records.filter(severity__in=severities) if severities else records


def _cases(unit: Unit, start: datetime.date, end: datetime.date, severities: list[str] | None = None) -> int:
    return cases_in_area(CriminalCase.objects.all(), unit, start, end, severities).count()


def _window(unit: Unit, year: int) -> tuple[datetime.date, datetime.date]:
    return evaluation_window(SUBJECT_OF_KIND.get(unit.kind, ""), year)


def _records_link(unit: Unit, start: datetime.date, end: datetime.date, **extra: Any) -> dict[str, Any]:
    """The filter of the case list that shows the records behind a fact."""
    return {"unit": unit.pk, "occurred_from": start.isoformat(), "occurred_to": end.isoformat(), **extra}


def no_serious_crime(unit: Unit, year: int) -> Fact:
    start, end = _window(unit, year)
    count = _cases(unit, start, end, list(SERIOUS_OR_ABOVE))
    return Fact(count == 0, f"{count} vụ từ nghiêm trọng trở lên / serious-or-above cases",
                {"value": count, "records": _records_link(unit, start, end, severity=",".join(SERIOUS_OR_ABOVE))})


def serious_crime_handled(unit: Unit, year: int) -> Fact:
    """TT 124 art. 4(4)(b): none, or each one detected and handled in time (cleared by the
    window's end, the nearest the records can tell)."""
    start, end = _window(unit, year)
    cases = cases_in_area(CriminalCase.objects.all(), unit, start, end, list(SERIOUS_OR_ABOVE))
    count, open_cases = cases.count(), cases.filter(Q(cleared_on__isnull=True) | Q(cleared_on__gt=end)).count()
    return Fact(open_cases == 0, f"{count} vụ từ nghiêm trọng trở lên, {open_cases} chưa khám phá / "
                                 f"serious-or-above cases, not cleared",
                {"value": count, "open": open_cases,
                 "records": _records_link(unit, start, end, severity=",".join(SERIOUS_OR_ABOVE))})


def crime_decreased(unit: Unit, year: int) -> Fact:
    """Met when the cases fell, or when there were none (nothing left to reduce)."""
    start, end = _window(unit, year)
    before_start, before_end = _window(unit, year - 1)
    now, before = _cases(unit, start, end), _cases(unit, before_start, before_end)
    return Fact(now < before or now == 0, f"{now} vụ, năm trước {before} / cases, previous year",
                {"value": now, "previous": before, "records": _records_link(unit, start, end)})


def standard_passed(unit: Unit, year: int) -> Fact:
    from antq.movement.models import StandardEvaluation

    evaluation = StandardEvaluation.objects.filter(unit=unit, year=year).first()
    if evaluation is None or evaluation.result == StandardEvaluation.Result.PENDING:
        return Fact(False, "chưa có quyết định công nhận / no recognition decision", {})
    met = evaluation.result == StandardEvaluation.Result.RECOGNISED
    return Fact(met, f"{evaluation.get_result_display()} — {evaluation.decision_no}", {"evaluation": evaluation.pk})


@dataclass(frozen=True)
class ManagedUnit:
    unit: Unit
    registered: bool
    recognised: bool


@dataclass(frozen=True)
class SeventyPercent:
    """TT 124 art. 5(4): every managed unit registered and at least 70% recognised."""

    units: list[ManagedUnit]

    @property
    def total(self) -> int:
        return len(self.units)

    @property
    def recognised(self) -> int:
        return sum(1 for u in self.units if u.recognised)

    @property
    def unregistered(self) -> list[Unit]:
        return [u.unit for u in self.units if not u.registered]

    @property
    def not_recognised(self) -> list[Unit]:
        return [u.unit for u in self.units if not u.recognised]

    @property
    def met(self) -> bool:
        # Exact: recognised / total ≥ 70% in integers.
        return self.total > 0 and not self.unregistered and self.recognised * 10 >= self.total * 7

    @property
    def percent(self) -> float | None:
        return round(self.recognised * 100 / self.total, 2) if self.total else None


def seventy_percent(commune: Unit, year: int) -> SeventyPercent:
    from antq.movement.models import StandardEvaluation, StandardRegistration

    _start, end = _window(commune, year)
    managed = list(Unit.objects.valid_on(end).subtree_of(commune, include_self=False)
                   .filter(kind__in=MANAGED_KINDS).order_by("kind", "name"))
    ids = [u.pk for u in managed]
    registered = set(StandardRegistration.objects.filter(unit_id__in=ids, year=year).values_list("unit_id", flat=True))
    recognised = set(StandardEvaluation.objects.filter(unit_id__in=ids, year=year,
                                                       result=StandardEvaluation.Result.RECOGNISED)
                     .values_list("unit_id", flat=True))
    return SeventyPercent([ManagedUnit(u, u.pk in registered, u.pk in recognised) for u in managed])


def seventy_percent_fact(unit: Unit, year: int) -> Fact:
    rule = seventy_percent(unit, year)
    return Fact(rule.met, f"{rule.recognised}/{rule.total} đơn vị được công nhận, {len(rule.unregistered)} chưa "
                          f"đăng ký / units recognised, not registered",
                {"value": rule.recognised, "total": rule.total, "percent": rule.percent,
                 "unregistered": [u.code for u in rule.unregistered]})


def reporting_on_time(unit: Unit, year: int) -> Fact:
    from antq.movement.reports import monthly_timeliness

    timeliness = monthly_timeliness(unit, year)
    if timeliness.due == 0:
        return Fact(None, "chưa đến hạn báo cáo tháng nào / no monthly report due yet", {})
    return Fact(timeliness.on_time == timeliness.due,
                f"{timeliness.on_time}/{timeliness.due} báo cáo tháng đúng hạn, {timeliness.submitted} đã gửi / "
                f"monthly reports on time, submitted",
                {"value": timeliness.on_time, "due": timeliness.due, "submitted": timeliness.submitted})


SOURCES = {
    AutoSource.NO_SERIOUS_CRIME: no_serious_crime,
    AutoSource.SERIOUS_CRIME_HANDLED: serious_crime_handled,
    AutoSource.CRIME_DECREASED: crime_decreased,
    AutoSource.STANDARD_PASSED: standard_passed,
    AutoSource.SEVENTY_PERCENT: seventy_percent_fact,
    AutoSource.REPORTING_ON_TIME: reporting_on_time,
}


def fact_for(source: str, unit: Unit, year: int) -> Fact | None:
    compute = SOURCES.get(source)  # type: ignore[call-overload]
    return compute(unit, year) if compute else None
