"""`antq demo --national`: the benchmark dataset — the real national map, 10 million criminal
cases over 10 years and 1 million traffic accidents (scaled by --scale), in bounded memory.

Records are generated in chunks and written with the database's bulk path (executemany on
SQLite, COPY on PostgreSQL); this synthetic load writes one summary audit record instead of
one per row. Deterministic for a given seed.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from antq.core.audit import AuditContext, record_change
from antq.core.models import ChangeRecord
from antq.core.periods import period_from_spec
from antq.records.choices import CrimeGroup, Severity, TrafficMode
from antq.records.tallies import tallies_rebuild
from antq.units.models import Unit
from antq.units.official_maps import REFORM_DATE

CHUNK = 50_000
GROUPS = list(CrimeGroup.values)
GROUP_WEIGHTS = [62, 8, 2, 6, 18, 3, 1]
SEVERITIES = list(Severity.values)
SEVERITY_WEIGHTS = [45, 40, 11, 4]
CASE_COLUMNS = ("province_id", "case_no", "unit_id", "occurred_on", "reported_on", "article", "severity", "group",
                "cleared_on", "suspects", "child_victim", "sexual_abuse", "version", "created_at", "updated_at")
ACCIDENT_COLUMNS = ("province_id", "accident_no", "unit_id", "occurred_on", "mode", "deaths", "injuries", "missing",
                    "damage_vnd", "version", "created_at", "updated_at")


@dataclass(frozen=True)
class Place:
    unit_id: int
    province_id: int


def _places(before_reform: bool) -> list[Place]:
    day = REFORM_DATE - datetime.timedelta(days=1) if before_reform else REFORM_DATE
    return [Place(pk, int(path.split("/")[0])) for pk, path in
            Unit.objects.valid_on(day).filter(kind="commune").order_by("pk").values_list("pk", "path")]


def _days(first: datetime.date, last: datetime.date, rng: random.Random) -> datetime.date:
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def _cases(count: int, first: datetime.date, last: datetime.date, rng: random.Random,
           old: list[Place], new: list[Place], now: datetime.datetime) -> Iterator[tuple[Any, ...]]:
    for number in range(count):
        day = _days(first, last, rng)
        place = rng.choice(old if day < REFORM_DATE else new)
        cleared = None
        if rng.random() < 0.88:
            cleared = day + datetime.timedelta(days=int(rng.expovariate(1 / 25)))
            if cleared > last:
                cleared = None
        yield (place.province_id, f"Q{number:08d}", place.unit_id, day, day, "",
               rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0], rng.choices(GROUPS, GROUP_WEIGHTS)[0], cleared,
               rng.randrange(1, 4), False, False, 1, now, now)


def _accidents(count: int, first: datetime.date, last: datetime.date, rng: random.Random,
               old: list[Place], new: list[Place], now: datetime.datetime) -> Iterator[tuple[Any, ...]]:
    for number in range(count):
        day = _days(first, last, rng)
        place = rng.choice(old if day < REFORM_DATE else new)
        yield (place.province_id, f"T{number:08d}", place.unit_id, day, TrafficMode.ROAD, rng.choice((0, 0, 1, 1, 2)),
               rng.choice((0, 1, 1, 2, 3)), 0, rng.randrange(0, 100) * 1_000_000, 1, now, now)


def _write(table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> int:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    written = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
        return written
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                cursor.executemany(sql, chunk)
                written += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            written += len(chunk)
    return written


def load_national(*, scale: float = 1.0, years: int = 10, seed: int = 1) -> tuple[int, int]:
    """Replace all records with the synthetic national set; returns (cases, accidents)."""
    today = timezone.localdate()
    last_year = period_from_spec(str(today.year), "mps")
    first = period_from_spec(str(today.year - years + 1), "mps").start
    last = min(last_year.end, today)
    old, new = _places(True), _places(False)
    if not old or not new:
        raise RuntimeError("Nạp bản đồ toàn quốc trước / load the national map first (antq units load)")
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for table in ("records_laterdeath", "records_criminalcase", "records_trafficaccident"):
                cursor.execute(f"DELETE FROM {table}")
        cases = _write("records_criminalcase", CASE_COLUMNS,
                       _cases(int(10_000_000 * scale), first, last, rng, old, new, now))
        accidents = _write("records_trafficaccident", ACCIDENT_COLUMNS,
                           _accidents(int(1_000_000 * scale), first, last, rng, old, new, now))
        marker = Unit.objects.filter(kind="province").order_by("pk").first()
        assert marker is not None
        record_change(AuditContext.cli(), action=ChangeRecord.Action.CREATE, obj=marker, scope_path="",
                      before=None, after={"synthetic_cases": cases, "synthetic_accidents": accidents,
                                          "from": first.isoformat(), "to": last.isoformat()},
                      reason="antq demo --national (benchmark dataset)")
    tallies_rebuild()  # the raw bulk path bypassed the services that keep the tallies
    with connection.cursor() as cursor:
        # What autovacuum would do over the next minutes (statistics, and on PostgreSQL the
        # visibility map that lets counts use the indexes); done now so it does not run
        # under the benchmarks' measurements.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return cases, accidents
