"""Demo records: Hòa Bình 2019–2020 exactly as the 2020 review conference reported them,
and plausible data for Hòa Bình, Vĩnh Phúc and Phú Thọ through the 2025 merger to today.

Deterministic (seeded), placed on the real communes valid on each date, written through the
audited bulk service. The 2020 figures (MPS year 15/12/2019–14/12/2020) are built so that
the engine must give: 775 cases, 703 cleared (90,71%), 90 serious of which 88 cleared,
TTXH 564 against 595 in 2019 (−5,21%), accidents 104/87/58 against 118/96/71.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from antq.core.audit import AuditContext
from antq.core.periods import Period, period_from_spec
from antq.records.choices import CrimeGroup, Severity, TrafficMode
from antq.records.models import CriminalCase, TrafficAccident
from antq.records.services import records_bulk_create
from antq.units.models import Unit, valid_on_q
from antq.units.official_maps import REFORM_DATE

SERIOUS = [Severity.VERY_SERIOUS, Severity.ESPECIALLY_SERIOUS]
NOT_SERIOUS = [Severity.LESS_SERIOUS, Severity.SERIOUS]
OTHER_GROUPS = [CrimeGroup.DRUGS, CrimeGroup.ECONOMIC, CrimeGroup.ENVIRONMENT, CrimeGroup.OFFICE,
                CrimeGroup.HIGH_TECH]
OTHER_WEIGHTS = [60, 18, 12, 6, 4]
ARTICLES = {CrimeGroup.TTXH: ["173", "171", "134", "168", "321", "260"], CrimeGroup.DRUGS: ["249", "251", "255"],
            CrimeGroup.ECONOMIC: ["190", "191", "200"], CrimeGroup.ENVIRONMENT: ["232", "244", "317"],
            CrimeGroup.OFFICE: ["353", "355", "356"], CrimeGroup.HIGH_TECH: ["290", "288"]}


@dataclass(frozen=True)
class Year:
    """What one province-year must add up to (MPS year)."""

    cases: int
    cleared: int
    serious: int
    serious_cleared: int
    ttxh: int
    accidents: int
    deaths: int
    injuries: int


# The seed article's figures (2020) and the year before, for old Hòa Bình (17).
HOA_BINH = {
    2018: Year(801, 712, 93, 88, 601, 125, 101, 80),
    2019: Year(812, 726, 95, 91, 595, 118, 96, 71),
    2020: Year(775, 703, 90, 88, 564, 104, 87, 58),
}
SIZES = {"17": 780, "25": 950, "26": 1100}  # typical cases per year: Hòa Bình, Phú Thọ (old), Vĩnh Phúc


def _plausible(rng: random.Random, size: int, year: int) -> Year:
    cases = int(size * rng.uniform(0.9, 1.08) * (0.985 ** (year - 2020)))
    serious = int(cases * rng.uniform(0.1, 0.13))
    accidents = int(size / 7 * rng.uniform(0.85, 1.05))
    return Year(cases, int(cases * rng.uniform(0.86, 0.93)), serious, int(serious * rng.uniform(0.93, 0.99)),
                int(cases * rng.uniform(0.68, 0.75)), accidents, int(accidents * rng.uniform(0.75, 0.9)),
                int(accidents * rng.uniform(0.5, 0.7)))


class _Places:
    """Communes valid on a day, under a set of provinces (old map before, new after 1/7/2025)."""

    def __init__(self, province_paths: list[str]) -> None:
        self.by_map: dict[bool, list[Unit]] = {}
        communes = Unit.objects.filter(kind="commune")
        for before in (True, False):
            day = REFORM_DATE - datetime.timedelta(days=1) if before else REFORM_DATE
            units = [u for u in communes.filter(valid_on_q(day)) if any(u.path.startswith(p) for p in province_paths)]
            self.by_map[before] = sorted(units, key=lambda u: u.code)

    def pick(self, rng: random.Random, day: datetime.date) -> Unit:
        return rng.choice(self.by_map[day < REFORM_DATE])


def _day(rng: random.Random, period: Period, until: datetime.date) -> datetime.date:
    last = min(period.end, until)
    return period.start + datetime.timedelta(days=rng.randrange((last - period.start).days + 1))


def _cases(rng: random.Random, year: Year, period: Period, places: _Places, prefix: str,
           today: datetime.date) -> list[CriminalCase]:
    groups = [CrimeGroup.TTXH] * year.ttxh + rng.choices(OTHER_GROUPS, OTHER_WEIGHTS, k=year.cases - year.ttxh)
    rng.shuffle(groups)
    serious_flags = [True] * year.serious + [False] * (year.cases - year.serious)
    rng.shuffle(serious_flags)
    serious_idx = [i for i, s in enumerate(serious_flags) if s]
    other_idx = [i for i, s in enumerate(serious_flags) if not s]
    cleared = set(rng.sample(serious_idx, year.serious_cleared))
    cleared |= set(rng.sample(other_idx, year.cleared - year.serious_cleared))
    records = []
    for index in range(year.cases):
        occurred = _day(rng, period, today)
        cleared_on = None
        if index in cleared:
            cleared_on = min(occurred + datetime.timedelta(days=rng.randrange(0, 75)), period.end, today)
        elif rng.random() < 0.4:  # solved later: counts with --cleared-by today, not for the period
            late = period.end + datetime.timedelta(days=rng.randrange(1, 150))
            cleared_on = late if late <= today else None
        group = groups[index]
        records.append(CriminalCase(
            case_no=f"{prefix}-{period.spec}-{index + 1:05d}", unit=places.pick(rng, occurred), occurred_on=occurred,
            reported_on=occurred + datetime.timedelta(days=rng.randrange(0, 3)),
            article=rng.choice(ARTICLES[group]), group=group,
            severity=rng.choice(SERIOUS) if serious_flags[index] else rng.choice(NOT_SERIOUS),
            cleared_on=cleared_on, suspects=rng.randrange(1, 4),
            child_victim=group == CrimeGroup.TTXH and rng.random() < 0.01,
        ))
    return records


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    cuts = sorted(rng.randrange(total + 1) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _accidents(rng: random.Random, year: Year, period: Period, places: _Places, prefix: str,
               today: datetime.date) -> list[TrafficAccident]:
    deaths = _split(rng, year.deaths, year.accidents)
    injuries = _split(rng, year.injuries, year.accidents)
    return [
        TrafficAccident(
            accident_no=f"{prefix}-TN-{period.spec}-{i + 1:04d}", unit=places.pick(rng, day), occurred_on=day,
            mode=TrafficMode.ROAD if rng.random() < 0.95 else TrafficMode.WATERWAY, deaths=deaths[i],
            injuries=injuries[i], missing=0, damage_vnd=rng.randrange(1, 200) * 1_000_000,
        )
        for i, day in enumerate(sorted(_day(rng, period, today) for _ in range(year.accidents)))
    ]


def _province_of_record(record: CriminalCase | TrafficAccident, provinces: dict[str, Unit]) -> Unit:
    return next(p for path, p in provinces.items() if record.unit.path.startswith(path))


def load_demo_records(ctx: AuditContext, first_year: int = 2018) -> int:
    """Returns the number of records written (0 when the demo records are already there)."""
    if CriminalCase.objects.filter(case_no__startswith="HB-2020-").exists():
        return 0
    rng = random.Random(2020)
    today = timezone.localdate()
    old = {u.code: u for u in Unit.objects.filter(kind="province", code__in=SIZES, valid_to=REFORM_DATE
                                                  - datetime.timedelta(days=1))}
    new_phu_tho = Unit.objects.get(kind="province", code="25", valid_from=REFORM_DATE)
    provinces = {u.path: u for u in [*old.values(), new_phu_tho]}
    written = 0
    for code, size in SIZES.items():
        places = _Places([old[code].path, new_phu_tho.path])
        prefix = {"17": "HB", "25": "PT", "26": "VP"}[code]
        last_year = today.year + (1 if (today.month, today.day) >= (12, 15) else 0)
        for year_number in range(first_year, last_year + 1):
            period = period_from_spec(str(year_number), "mps")
            if period.start > today:
                break
            year = HOA_BINH[year_number] if code == "17" and year_number in HOA_BINH else _plausible(
                rng, size, year_number)
            # After the merger every province's share is recorded by the new Phú Thọ communes.
            records: list[CriminalCase | TrafficAccident] = [
                *_cases(rng, year, period, places, prefix, today),
                *_accidents(rng, year, period, places, prefix, today),
            ]
            for record in records:
                record.province = _province_of_record(record, provinces)
            cases = [r for r in records if isinstance(r, CriminalCase)]
            accidents = [r for r in records if isinstance(r, TrafficAccident)]
            written += records_bulk_create(ctx=ctx, records=cases) if cases else 0
            written += records_bulk_create(ctx=ctx, records=accidents) if accidents else 0
    return written
