"""Counts kept current in the write path, so indicators never scan the raw records.

A tally row counts records by (area unit, half-month of occurrence, ...): every record is
counted once for its own unit and once for each ancestor, so the figure of any unit is read
from its own rows. Half-months (1st–14th, 15th–end) are the common grain of both period
schemes: every MPS and calendar month, quarter, half and year starts on a 1st or a 15th.
For cases the clearance is kept as a lag in half-months (capped: no period is longer than
a year), so "cleared by the end of the period" stays exact.

Tallies are maintained by the record services in the same transaction as the record
(records_tally_apply) and can be rebuilt from the records at any time (tallies_rebuild).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable

from django.db import connection, models, transaction

LAG_CAP = 25  # a clearance 25+ half-months later cannot fall inside any period with that start
NOT_CLEARED = -1


def bucket(day: datetime.date) -> int:
    """Half-month index: two per month, the second from the 15th."""
    return (day.year * 12 + day.month - 1) * 2 + (1 if day.day >= 15 else 0)


def is_bucket_start(day: datetime.date) -> bool:
    return day.day in (1, 15)


def is_bucket_end(day: datetime.date) -> bool:
    return day.day == 14 or (day + datetime.timedelta(days=1)).day == 1


def lag(occurred_on: datetime.date, cleared_on: datetime.date | None) -> int:
    if cleared_on is None:
        return NOT_CLEARED
    return min(bucket(cleared_on) - bucket(occurred_on), LAG_CAP)


def area_ids(path: str) -> list[int]:
    """The unit and every ancestor, from its materialized path."""
    return [int(segment) for segment in path.split("/") if segment]


class CaseTally(models.Model):
    unit_id = models.BigIntegerField()  # the area unit (the record's unit or an ancestor); no FK on purpose
    bucket = models.IntegerField()
    group = models.CharField(max_length=20)
    severity = models.CharField(max_length=24)
    lag = models.SmallIntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_id", "bucket", "group", "severity", "lag"],
                                               name="case_tally_key")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.bucket}/{self.group}/{self.severity}/{self.lag}: {self.n}"


class AccidentTally(models.Model):
    unit_id = models.BigIntegerField()
    bucket = models.IntegerField()
    n = models.IntegerField(default=0)
    deaths = models.IntegerField(default=0)
    injuries = models.IntegerField(default=0)
    missing = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_id", "bucket"], name="accident_tally_key")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.bucket}: {self.n}"


CaseKey = tuple[int, int, str, str, int]


def case_deltas(rows: Iterable[tuple[str, datetime.date, str, str, datetime.date | None]], sign: int,
                into: Counter[CaseKey] | None = None) -> Counter[CaseKey]:
    """(unit path, occurred_on, group, severity, cleared_on) → signed counts per tally key."""
    counts: Counter[CaseKey] = into if into is not None else Counter()
    for path, occurred_on, group, severity, cleared_on in rows:
        key_tail = (bucket(occurred_on), group, severity, lag(occurred_on, cleared_on))
        for unit_id in area_ids(path):
            counts[(unit_id, *key_tail)] += sign
    return counts


AccidentKey = tuple[int, int]


def accident_deltas(rows: Iterable[tuple[str, datetime.date, int, int, int, int]], sign: int,
                    into: dict[AccidentKey, list[int]] | None = None) -> dict[AccidentKey, list[int]]:
    """(unit path, occurred_on, accidents, deaths, injuries, missing) → signed sums per key."""
    sums = into if into is not None else {}
    for path, occurred_on, accidents, deaths, injuries, missing in rows:
        for unit_id in area_ids(path):
            totals = sums.setdefault((unit_id, bucket(occurred_on)), [0, 0, 0, 0])
            totals[0] += sign * accidents
            totals[1] += sign * deaths
            totals[2] += sign * injuries
            totals[3] += sign * missing
    return sums


def _quoted(*names: str) -> str:
    return ", ".join(connection.ops.quote_name(n) for n in names)


def tallies_apply(cases: Counter[CaseKey], accidents: dict[AccidentKey, list[int]]) -> None:
    """Add the deltas in place (INSERT … ON CONFLICT DO UPDATE, same SQL on SQLite and PostgreSQL)."""
    case_rows = [(*key, n) for key, n in cases.items() if n]
    if case_rows:
        table = CaseTally._meta.db_table
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({_quoted('unit_id', 'bucket', 'group', 'severity', 'lag', 'n')}) "
                f"VALUES (%s, %s, %s, %s, %s, %s) "
                f"ON CONFLICT ({_quoted('unit_id', 'bucket', 'group', 'severity', 'lag')}) "
                f"DO UPDATE SET n = {table}.n + excluded.n", case_rows)
    accident_rows = [(*key, *sums) for key, sums in accidents.items() if any(sums)]
    if accident_rows:
        table = AccidentTally._meta.db_table
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (unit_id, bucket, n, deaths, injuries, missing) VALUES (%s, %s, %s, %s, %s, %s) "
                f"ON CONFLICT (unit_id, bucket) DO UPDATE SET n = {table}.n + excluded.n, "
                f"deaths = {table}.deaths + excluded.deaths, injuries = {table}.injuries + excluded.injuries, "
                f"missing = {table}.missing + excluded.missing", accident_rows)


@transaction.atomic
def tallies_rebuild(chunk: int = 100_000) -> tuple[int, int]:
    """Recount every tally from the records (after a raw bulk load, or to check the tallies)."""
    from antq.records.models import CriminalCase, LaterDeath, TrafficAccident

    CaseTally.objects.all().delete()
    AccidentTally.objects.all().delete()
    cases: Counter[CaseKey] = Counter()
    seen = 0
    rows = CriminalCase.objects.values_list("unit__path", "occurred_on", "group", "severity", "cleared_on")
    for row in rows.iterator(chunk_size=chunk):
        case_deltas([row], 1, cases)
        seen += 1
        if seen % chunk == 0:  # bounded memory: add each chunk's counts, then start again
            tallies_apply(cases, {})
            cases.clear()
    tallies_apply(cases, {})
    accidents: dict[AccidentKey, list[int]] = {}
    crashes = TrafficAccident.objects.values_list("unit__path", "occurred_on", "deaths", "injuries", "missing")
    for path, day, deaths, injuries, missing in crashes.iterator(chunk_size=chunk):
        accident_deltas([(path, day, 1, deaths, injuries, missing)], 1, accidents)
    later = LaterDeath.objects.values_list("accident__unit__path", "accident__occurred_on", "count")
    for path, day, count in later.iterator(chunk_size=chunk):
        accident_deltas([(path, day, 0, count, 0, 0)], 1, accidents)
    tallies_apply(Counter(), accidents)
    return seen, TrafficAccident.objects.count()
