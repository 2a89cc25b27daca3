"""The engine against an independent computation over generated records.

Records are generated at random on the fixture map (old communes before 1/7/2025, new ones
after, the code 04795 and the province code 25 reused), imported through the CSV importer,
and every indicator is recomputed here by plain Python over the generated rows, with the
areas written out by hand from the map (no lineage code involved).
"""

from __future__ import annotations

import csv
import datetime
import io
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest

from antq.core.audit import AuditContext
from antq.core.periods import period_from_spec
from antq.indicators.engine import Computation, IndicatorError, indicator_report, resolve_unit
from antq.records.imports import import_records
from antq.records.models import CriminalCase, TrafficAccident
from tests.fixtures import World

D = datetime.date
REFORM = D(2025, 7, 1)
OLD_COMMUNES = ["old_commune_a", "old_commune_a2", "old_commune_b", "old_commune_pt", "old_village_a"]
NEW_COMMUNES = ["commune_a", "commune_b", "commune_pt", "village_a", "village_b", "school_a"]
GROUPS = ["ttxh", "ttxh", "ttxh", "ma_tuy", "kinh_te", "chuc_vu"]
SEVERITIES = ["it_nghiem_trong", "nghiem_trong", "rat_nghiem_trong", "dac_biet_nghiem_trong"]

# Areas by hand. On today's map: today's unit and everything whose records it inherits.
CURRENT = {
    "25": set(OLD_COMMUNES + NEW_COMMUNES),
    "04795": {"commune_a", "village_a", "school_a", "old_commune_a", "old_village_a", "old_commune_a2"},
    "05266": {"commune_b", "village_b", "old_commune_b"},
}
OLD_AREAS = {"25": {"old_commune_pt"}, "17": {"old_commune_a", "old_commune_a2", "old_commune_b", "old_village_a"},
             "04795": {"old_commune_a", "old_village_a"}, "05266": {"old_commune_b"}, "148": {
                 "old_commune_a", "old_commune_a2", "old_village_a"}}


def time_area(code: str, start: D, end: D) -> set[str] | None:
    """The map of the time: the unit valid at the period's end (or last valid in it), plus
    what merged into it during the period and the two years compared with it."""
    if end >= REFORM and code in CURRENT:
        merged_in_window = D(start.year - 2, start.month, start.day) < REFORM
        return CURRENT[code] if merged_in_window else CURRENT[code] - set(OLD_COMMUNES)
    if end >= REFORM and start >= REFORM:
        return None  # old units are gone
    return OLD_AREAS.get(code)


def generate(world: World, rng: random.Random) -> tuple[list[dict], list[dict]]:
    cases, accidents = [], []
    start, end = D(2022, 12, 15), D(2026, 6, 30)
    span = (end - start).days
    for number in range(900):
        day = start + datetime.timedelta(days=rng.randrange(span))
        key = rng.choice(OLD_COMMUNES if day < REFORM else NEW_COMMUNES)
        cleared = day + datetime.timedelta(days=rng.randrange(0, 120)) if rng.random() < 0.85 else None
        if cleared and cleared > D(2026, 11, 1):
            cleared = None
        cases.append({"case_no": f"C{number:04d}", "key": key, "unit_code": world.units[key].code,
                      "occurred_on": day, "severity": rng.choice(SEVERITIES), "group": rng.choice(GROUPS),
                      "cleared_on": cleared})
    for number in range(300):
        day = start + datetime.timedelta(days=rng.randrange(span))
        key = rng.choice(OLD_COMMUNES if day < REFORM else NEW_COMMUNES)
        accidents.append({"accident_no": f"A{number:04d}", "key": key, "unit_code": world.units[key].code,
                          "occurred_on": day, "deaths": rng.randrange(0, 3), "injuries": rng.randrange(0, 4)})
    return cases, accidents


def as_csv(rows: list[dict], fields: list[str], date_style: str) -> io.BytesIO:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    for row in rows:
        values = []
        for name in fields:
            value = row.get(name)
            if isinstance(value, D):
                value = value.strftime("%d/%m/%Y") if date_style == "vn" else value.isoformat()
            values.append("" if value is None else value)
        writer.writerow(values)
    return io.BytesIO(("\ufeff" if date_style == "vn" else "").encode() + buffer.getvalue().encode())


def pct(numerator: int, denominator: int) -> float | None:
    if denominator == 0:
        return None
    return float((Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def change(value: int | float | None, previous: int | float | None) -> float | None:
    if value is None or previous in (None, 0):
        return None
    result = (Decimal(str(value)) - Decimal(str(previous))) * 100 / Decimal(str(previous))
    return float(result.quantize(Decimal("0.01"), ROUND_HALF_UP))


def expected(cases: list[dict], accidents: list[dict], area: set[str], start: D, end: D) -> dict:
    inside = [c for c in cases if c["key"] in area and start <= c["occurred_on"] <= end]
    cleared = [c for c in inside if c["cleared_on"] and c["cleared_on"] <= end]
    serious = [c for c in inside if c["severity"] in ("rat_nghiem_trong", "dac_biet_nghiem_trong")]
    serious_cleared = [c for c in serious if c["cleared_on"] and c["cleared_on"] <= end]
    crashes = [a for a in accidents if a["key"] in area and start <= a["occurred_on"] <= end]
    return {
        "criminal_cases": len(inside), "criminal_cases_cleared": len(cleared),
        "clearance_rate": pct(len(cleared), len(inside)),
        "serious_cases": len(serious), "serious_cases_cleared": len(serious_cleared),
        "serious_clearance_rate": pct(len(serious_cleared), len(serious)),
        "ttxh_cases": sum(1 for c in inside if c["group"] == "ttxh"),
        "ma_tuy_cases": sum(1 for c in inside if c["group"] == "ma_tuy"),
        "accidents": len(crashes), "accident_deaths": sum(a["deaths"] for a in crashes),
        "accident_injuries": sum(a["injuries"] for a in crashes),
    }


@pytest.fixture
def generated(world: World) -> tuple[World, list[dict], list[dict]]:
    cases, accidents = generate(world, random.Random(7))
    ctx = AuditContext.cli()
    result = import_records(ctx=ctx, kind="cases", handle=as_csv(
        cases, ["case_no", "unit_code", "occurred_on", "severity", "group", "cleared_on"], "vn"))
    assert result.ok, result.errors[:5]
    result = import_records(ctx=ctx, kind="accidents", handle=as_csv(
        accidents, ["accident_no", "unit_code", "occurred_on", "deaths", "injuries"], "iso"))
    assert result.ok, result.errors[:5]
    assert CriminalCase.objects.count() == len(cases) and TrafficAccident.objects.count() == len(accidents)
    return world, cases, accidents


PERIODS = ["2024", "2025", "2026-H1", "2025-Q3", "2025-07", "2024-H2", "2025-06-CUM", "2025-12-CUM"]


@pytest.mark.parametrize("scheme", ["mps", "calendar"])
@pytest.mark.parametrize("map_", ["time", "current"])
def test_engine_matches_an_independent_computation(generated, scheme: str, map_: str) -> None:
    _world, cases, accidents = generated
    computation = Computation(CriminalCase.objects.all(), TrafficAccident.objects.all())
    checked = 0
    for spec in PERIODS:
        period = period_from_spec(spec, scheme)
        previous = period.previous_year()
        for code in ["25", "17", "04795", "05266", "148"]:
            area = CURRENT.get(code) if map_ == "current" else time_area(code, period.start, period.end)
            if area is None:
                with pytest.raises(IndicatorError):
                    resolve_unit(code, period, map_)
                continue
            unit = resolve_unit(code, period, map_)
            report = indicator_report(unit=unit, period=period, map_=map_, computation=computation)
            now = expected(cases, accidents, area, period.start, period.end)
            before = expected(cases, accidents, area, previous.start, previous.end)
            for key, value in now.items():
                figure = report["indicators"][key]
                assert figure["value"] == value, (spec, code, key)
                assert figure["previous"] == before[key], (spec, code, key, "previous")
                assert figure["change_pct"] == change(value, before[key]), (spec, code, key, "change")
            checked += 1
    assert checked >= 20


def test_cleared_by_today_counts_later_clearances(generated) -> None:
    _world, cases, _accidents = generated
    period = period_from_spec("2024", "mps")
    unit = resolve_unit("17", period, "time")
    by_today = indicator_report(unit=unit, period=period, map_="time", computation=Computation(
        CriminalCase.objects.all(), TrafficAccident.objects.all(), cleared_by="today"))
    area = OLD_AREAS["17"]
    inside = [c for c in cases if c["key"] in area and period.start <= c["occurred_on"] <= period.end]
    assert by_today["indicators"]["criminal_cases_cleared"]["value"] == sum(1 for c in inside if c["cleared_on"])


def test_scope_limits_what_the_engine_counts(generated) -> None:
    world, cases, accidents = generated
    bob = world.users["bob"]
    period = period_from_spec("2025", "mps")
    computation = Computation(CriminalCase.objects.restrict(bob), TrafficAccident.objects.restrict(bob))
    report = indicator_report(unit=resolve_unit("25", period, "current"), period=period, map_="current",
                              computation=computation)
    mine = expected(cases, accidents, CURRENT["05266"], period.start, period.end)
    assert report["indicators"]["criminal_cases"]["value"] == mine["criminal_cases"]


@pytest.mark.parametrize("map_", ["time", "current"])
def test_children_add_up_and_drill_down_matches(generated, map_: str) -> None:
    from antq.indicators.children import children_figures
    from antq.indicators.engine import area_of, records_behind
    from antq.units.models import Unit

    _world, _cases, _accidents = generated
    computation = Computation(CriminalCase.objects.all(), TrafficAccident.objects.all())
    period = period_from_spec("2025", "mps")
    unit = resolve_unit("25", period, map_)
    area = area_of(unit, period, map_)
    report = indicator_report(unit=unit, period=period, map_=map_, computation=computation)
    ids = ["criminal_cases", "ttxh_cases", "serious_cases_cleared", "accidents", "accident_deaths"]
    rows = children_figures(area, period, computation, Unit.objects.all(), ids)
    assert rows, "the province has communes"
    for indicator in ids:
        total = sum(int(row.values[indicator] or 0) for row in rows)
        assert total == report["indicators"][indicator]["value"], indicator
        kind, records = records_behind(indicator, area, period, computation)
        if kind == "cases":
            assert records.count() == report["indicators"][indicator]["value"], indicator


def test_monthly_series_sums_to_the_year(generated) -> None:
    from antq.indicators.engine import area_of, monthly_series

    computation = Computation(CriminalCase.objects.all(), TrafficAccident.objects.all())
    for scheme in ("mps", "calendar"):
        period = period_from_spec("2025", scheme)
        unit = resolve_unit("25", period, "current")
        report = indicator_report(unit=unit, period=period, map_="current", computation=computation)
        area = area_of(unit, period, "current")
        for indicator in ("criminal_cases", "accident_injuries"):
            series = monthly_series(indicator, area, period, computation)
            assert len(series) == 12 and sum(series) == report["indicators"][indicator]["value"]


@pytest.mark.parametrize("map_", ["current", "time"])
def test_monthly_series_from_tallies_equal_the_records_month_by_month(generated, map_: str) -> None:
    from antq.indicators.engine import area_of, monthly_series

    records = Computation(CriminalCase.objects.all(), TrafficAccident.objects.all())
    tallies = Computation.unrestricted()
    checked = 0
    for scheme in ("mps", "calendar"):
        for spec in ("2024", "2025"):
            period = period_from_spec(spec, scheme)
            for code in ("25", "17", "148"):
                try:
                    unit = resolve_unit(code, period, map_)
                except IndicatorError:
                    continue  # no such unit on that map in that year
                area = area_of(unit, period, map_)
                for indicator in ("criminal_cases", "serious_cases", "accidents", "accident_deaths",
                                  "accident_injuries", "criminal_cases_cleared"):
                    assert (monthly_series(indicator, area, period, tallies)
                            == monthly_series(indicator, area, period, records)), (scheme, spec, code, indicator)
                    checked += 1
    assert checked >= 24
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    period = period_from_spec("2025", "mps")
    area = area_of(resolve_unit("25", period, "current"), period, "current")
    with CaptureQueriesContext(connection) as queries:
        monthly_series("criminal_cases", area, period, tallies)
    assert not any("records_criminalcase" in q["sql"] for q in queries), "a province's trend reads the tallies"


def tally_snapshot() -> tuple[set, ...]:
    from antq.records.tallies import YEAR_CASE_COLUMNS, AccidentTally, AccidentYearTally, CaseTally, CaseYearTally

    cases = {(t.unit_id, t.bucket, t.group, t.severity, t.lag, t.n) for t in CaseTally.objects.exclude(n=0)}
    accidents = {(t.unit_id, t.bucket, t.n, t.deaths, t.injuries, t.missing)
                 for t in AccidentTally.objects.exclude(n=0, deaths=0, injuries=0, missing=0)}
    case_years = {row for row in CaseYearTally.objects.values_list("scheme", "year", "unit_id", "group",
                                                                   *YEAR_CASE_COLUMNS) if any(row[4:])}
    accident_years = {row for row in AccidentYearTally.objects.values_list("scheme", "year", "unit_id", "n", "deaths",
                                                                           "injuries", "missing") if any(row[3:])}
    return cases, accidents, case_years, accident_years


def test_tallies_follow_every_write_and_equal_the_records(generated) -> None:
    from antq.records.services import accident_update, case_update, later_death_add, record_delete
    from antq.records.tallies import tallies_rebuild

    world, _cases, _accidents = generated
    ctx = AuditContext.cli()
    rng = random.Random(3)
    for case in rng.sample(list(CriminalCase.objects.select_related("unit")), 40):
        choice = rng.random()
        if choice < 0.3:
            record_delete(ctx=ctx, record=case)
        elif choice < 0.6:
            case_update(ctx=ctx, case=case, cleared_on=None if case.cleared_on else case.occurred_on,
                        group=rng.choice(GROUPS), severity=rng.choice(SEVERITIES))
        else:  # move it to another unit valid that day
            keys = OLD_COMMUNES if case.occurred_on < REFORM else NEW_COMMUNES
            case_update(ctx=ctx, case=case, unit=world.units[rng.choice(keys)])
    for accident in rng.sample(list(TrafficAccident.objects.select_related("unit")), 20):
        if rng.random() < 0.5:
            accident_update(ctx=ctx, accident=accident, deaths=accident.deaths + 1, injuries=0)
        else:
            later_death_add(ctx=ctx, accident=accident, died_on=accident.occurred_on + datetime.timedelta(days=9))
    maintained = tally_snapshot()
    tallies_rebuild()
    assert tally_snapshot() == maintained

    raw = Computation(CriminalCase.objects.all(), TrafficAccident.objects.all())
    for cleared_by in ("period", "today"):
        fast = Computation.unrestricted(cleared_by=cleared_by)
        raw.cleared_by = cleared_by
        for scheme in ("mps", "calendar"):
            for spec in PERIODS:
                period = period_from_spec(spec, scheme)
                for map_ in ("time", "current"):
                    for code in ("25", "04795", "05266"):
                        unit = resolve_unit(code, period, map_)
                        assert (indicator_report(unit=unit, period=period, map_=map_, computation=fast)
                                == indicator_report(unit=unit, period=period, map_=map_, computation=raw))


@pytest.mark.parametrize("scheme", ["mps", "calendar"])
def test_a_year_cumulated_to_december_is_read_from_the_year_tallies(scheme: str) -> None:
    from antq.indicators.engine import is_year, year_of

    fast = Computation.unrestricted()
    for spec, whole in (("2025", True), ("2025-12-CUM", True), ("2025-11-CUM", False), ("2025-H2", False)):
        period = period_from_spec(spec, scheme)
        assert is_year(period) is whole, spec
        assert (fast.grain(["0000000001/"], period, half_month=False) == "year") is whole, spec
        assert year_of(period) == 2025


def test_tallies_are_not_used_outside_the_users_scope(generated) -> None:
    world, cases, accidents = generated
    bob = world.users["bob"]
    period = period_from_spec("2025", "mps")
    unit = resolve_unit("25", period, "current")
    report = indicator_report(unit=unit, period=period, map_="current", computation=Computation.for_user(bob))
    mine = expected(cases, accidents, CURRENT["05266"], period.start, period.end)
    assert report["indicators"]["criminal_cases"]["value"] == mine["criminal_cases"]


@pytest.mark.parametrize("map_", ["time", "current"])
def test_children_from_tallies_equal_children_from_records(generated, map_: str) -> None:
    from antq.indicators.children import children_figures
    from antq.indicators.engine import area_of
    from antq.units.models import Unit

    raw = Computation(CriminalCase.objects.all(), TrafficAccident.objects.all())
    fast = Computation.unrestricted()
    ids = ["criminal_cases", "criminal_cases_cleared", "clearance_rate", "accidents", "accident_deaths"]
    for spec in ("2024", "2025", "2026-H1", "2025-12-CUM"):
        period = period_from_spec(spec, "mps")
        for code in ("25", "17"):
            try:
                unit = resolve_unit(code, period, map_)
            except IndicatorError:
                continue
            area = area_of(unit, period, map_)
            slow = children_figures(area, period, raw, Unit.objects.all(), ids)
            quick = children_figures(area, period, fast, Unit.objects.all(), ids)
            assert [(c.unit.pk, c.values) for c in slow] == [(c.unit.pk, c.values) for c in quick]


def test_national_rollup_equals_each_units_own_figures(generated) -> None:
    from antq.indicators.rollup import national_rollup
    from antq.records.rules import RuleValue
    from antq.units.models import Unit

    ids = ["criminal_cases", "criminal_cases_cleared", "serious_clearance_rate", "ttxh_cases", "accident_deaths"]
    # One province counts "nghiêm trọng" as serious too: the rollup then sums two rule sets.
    old_province = Unit.objects.get(code="17", kind="province")
    RuleValue.objects.create(key="serious_severities", province=old_province,
                             value=["nghiem_trong", "rat_nghiem_trong", "dac_biet_nghiem_trong"])
    for spec, scheme, cleared_by in (("2024", "mps", "period"), ("2024", "calendar", "today"),
                                     ("2026-Q1", "calendar", "period"), ("2024-H2", "mps", "today")):
        computation = Computation.unrestricted(cleared_by=cleared_by)
        period = period_from_spec(spec, scheme)
        rollup = national_rollup(period, computation, ids)
        units = Unit.objects.filter(pk__in=rollup)
        assert {u.kind for u in units} >= {"province", "commune"}
        for unit in units:
            report = indicator_report(unit=unit, period=period, map_="time", computation=computation, ids=ids)
            assert {k: v["value"] for k, v in report["indicators"].items()} == {
                k: (float(v) if isinstance(v, Decimal) else v) for k, v in rollup[unit.pk].items() if k in ids}
    with pytest.raises(IndicatorError):
        national_rollup(period_from_spec("2024", "mps"), Computation.for_user(generated[0].users["victor"]), ids)
