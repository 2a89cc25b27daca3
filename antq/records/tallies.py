"""Counts kept current in the write path, so indicators never scan the raw records.

Every record is counted once for its own unit and once for each ancestor, so the figure of
any unit is read from its own rows. Two grains:

- Year tallies, for every unit: per (scheme, scheme year, unit, group) the cases of each
  severity that occurred, were cleared by the end of that year, and were cleared at all;
  per (scheme, year, unit) the accidents and their victims. At most 7 rows per unit-year,
  so a year panel reads a few dozen rows and the national rollup one row per unit and group.
- Half-month tallies, for provinces and districts only: per (unit, half-month, group,
  severity, clearance lag) for cases, per (unit, half-month) for accidents. Half-months
  (1st–14th, 15th–end) are the common grain of both schemes: every MPS and calendar month,
  quarter, half and year starts on a 1st or a 15th; the lag in half-months (capped: no
  period is longer than a year) keeps "cleared by the end of the period" exact. Communes
  and the units below them hold about one case per half-month and group, so a tally would
  be as large as the register: their months and quarters are read from the records.

Tallies are maintained by the record services in the same transaction as the record
(`Deltas`) and can be recounted from the records at any time (`tallies_rebuild`, in SQL).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import connection, models, transaction
from django.db.backends.utils import CursorWrapper

from antq.records.choices import Severity

LAG_CAP = 25  # a clearance 25+ half-months later cannot fall inside any period with that start
NOT_CLEARED = -1
HALF_MONTH_KINDS = ("province", "district")
SCHEMES = ("mps", "calendar")
SEVERITY_CODES = {Severity.LESS_SERIOUS.value: "it", Severity.SERIOUS.value: "nt",
                  Severity.VERY_SERIOUS.value: "rnt", Severity.ESPECIALLY_SERIOUS.value: "dbnt"}
CODES = tuple(SEVERITY_CODES.values())
# Per severity: occurred in the year, cleared by the year's end, cleared at all.
YEAR_CASE_COLUMNS = tuple(f"{kind}_{code}" for kind in ("occurred", "cleared", "cleared_ever") for code in CODES)
YEAR_ACCIDENT_COLUMNS = ("n", "deaths", "injuries", "missing")


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


def scheme_year(day: datetime.date, scheme: str) -> int:
    """The statistical year a day belongs to: MPS year Y runs 15/12/Y−1 – 14/12/Y."""
    if scheme == "mps" and day.month == 12 and day.day >= 15:
        return day.year + 1
    return day.year


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


class CaseYearTally(models.Model):
    scheme = models.CharField(max_length=8)
    year = models.SmallIntegerField()
    unit_id = models.BigIntegerField()
    group = models.CharField(max_length=20)
    occurred_it = models.IntegerField(default=0)
    occurred_nt = models.IntegerField(default=0)
    occurred_rnt = models.IntegerField(default=0)
    occurred_dbnt = models.IntegerField(default=0)
    cleared_it = models.IntegerField(default=0)
    cleared_nt = models.IntegerField(default=0)
    cleared_rnt = models.IntegerField(default=0)
    cleared_dbnt = models.IntegerField(default=0)
    cleared_ever_it = models.IntegerField(default=0)
    cleared_ever_nt = models.IntegerField(default=0)
    cleared_ever_rnt = models.IntegerField(default=0)
    cleared_ever_dbnt = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme", "year", "unit_id", "group"],
                                               name="case_year_tally_key")]
        # recorded_under reads a unit's rows of every year
        indexes = [models.Index(fields=["unit_id", "scheme", "year"], name="case_year_tally_unit")]

    def __str__(self) -> str:
        return f"{self.scheme}/{self.year}/{self.unit_id}/{self.group}"


class AccidentYearTally(models.Model):
    scheme = models.CharField(max_length=8)
    year = models.SmallIntegerField()
    unit_id = models.BigIntegerField()
    n = models.IntegerField(default=0)
    deaths = models.IntegerField(default=0)
    injuries = models.IntegerField(default=0)
    missing = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme", "year", "unit_id"], name="accident_year_tally_key")]
        # recorded_under reads a unit's rows of every year
        indexes = [models.Index(fields=["unit_id", "scheme", "year"], name="accident_year_tally_unit")]

    def __str__(self) -> str:
        return f"{self.scheme}/{self.year}/{self.unit_id}: {self.n}"


CaseKey = tuple[int, int, str, str, int]
AccidentKey = tuple[int, int]
CaseYearKey = tuple[str, int, int, str]
AccidentYearKey = tuple[str, int, int]


def half_month_units(paths: Iterable[str]) -> frozenset[int]:
    """Which of these units and their ancestors keep half-month tallies (one query)."""
    ids = {unit_id for path in paths for unit_id in area_ids(path)}
    from antq.units.models import Unit

    return frozenset(Unit.objects.filter(pk__in=ids, kind__in=HALF_MONTH_KINDS).values_list("pk", flat=True))


def recorded_under(model: type[models.Model], paths: Iterable[str], using: str | None = None) -> int:
    """How many records of a register (CriminalCase or TrafficAccident) lie in
    the subtrees of `paths`, from the calendar-year tallies: every record is tallied once for
    each unit of its unit's path, so a subtree's rows hold exactly the records whose unit path
    starts with the subtree's path. One query over a few dozen rows per subtree, where counting
    a province's register reads a million index entries. `using`: the records' database."""
    from antq.records.models import CriminalCase
    from antq.units.selectors import minimal_prefixes

    roots = [area_ids(path)[-1] for path in minimal_prefixes(set(paths))]
    if issubclass(model, CriminalCase):
        occurred = [models.F(f"occurred_{code}") for code in CODES]
        found = CaseYearTally.objects.using(using).filter(scheme="calendar", unit_id__in=roots).aggregate(
            n=models.Sum(sum(occurred[1:], occurred[0])))
    else:
        found = (AccidentYearTally.objects.using(using).filter(scheme="calendar", unit_id__in=roots)
                 .aggregate(n=models.Sum("n")))
    return int(found["n"] or 0)


class Deltas:
    """Signed changes to every tally for a batch of record states; `apply` writes them."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.half_month = half_month_units(paths)
        self.cases: Counter[CaseKey] = Counter()
        self.case_years: dict[CaseYearKey, list[int]] = {}
        self.accidents: dict[AccidentKey, list[int]] = {}
        self.accident_years: dict[AccidentYearKey, list[int]] = {}

    def case(self, sign: int, path: str, occurred_on: datetime.date, group: str, severity: str,
             cleared_on: datetime.date | None) -> None:
        code = CODES.index(SEVERITY_CODES[severity])
        units = area_ids(path)
        key_tail = (bucket(occurred_on), group, severity, lag(occurred_on, cleared_on))
        for unit_id in units:
            if unit_id in self.half_month:
                self.cases[(unit_id, *key_tail)] += sign
        for scheme in SCHEMES:
            year = scheme_year(occurred_on, scheme)
            cleared_in_year = cleared_on is not None and scheme_year(cleared_on, scheme) == year
            for unit_id in units:
                counts = self.case_years.setdefault((scheme, year, unit_id, group), [0] * len(YEAR_CASE_COLUMNS))
                counts[code] += sign
                if cleared_in_year:
                    counts[len(CODES) + code] += sign
                if cleared_on is not None:
                    counts[2 * len(CODES) + code] += sign

    def accident(self, sign: int, path: str, occurred_on: datetime.date, accidents: int, deaths: int,
                 injuries: int, missing: int) -> None:
        figures = (sign * accidents, sign * deaths, sign * injuries, sign * missing)
        units = area_ids(path)
        targets: list[list[int]] = [
            self.accidents.setdefault((unit_id, bucket(occurred_on)), [0, 0, 0, 0])
            for unit_id in units if unit_id in self.half_month]
        targets += [self.accident_years.setdefault((scheme, scheme_year(occurred_on, scheme), unit_id), [0, 0, 0, 0])
                    for scheme in SCHEMES for unit_id in units]
        for totals in targets:
            for index, value in enumerate(figures):
                totals[index] += value

    def apply(self) -> None:
        """Add the deltas in place (INSERT … ON CONFLICT DO UPDATE, same SQL on SQLite and PostgreSQL)."""
        _upsert(CaseTally, ("unit_id", "bucket", "group", "severity", "lag"), ("n",),
                [(*key, n) for key, n in self.cases.items() if n])
        _upsert(AccidentTally, ("unit_id", "bucket"), YEAR_ACCIDENT_COLUMNS,
                [(*key, *sums) for key, sums in self.accidents.items() if any(sums)])
        _upsert(CaseYearTally, ("scheme", "year", "unit_id", "group"), YEAR_CASE_COLUMNS,
                [(*key, *counts) for key, counts in self.case_years.items() if any(counts)])
        _upsert(AccidentYearTally, ("scheme", "year", "unit_id"), YEAR_ACCIDENT_COLUMNS,
                [(*key, *sums) for key, sums in self.accident_years.items() if any(sums)])


def tallies_move(sender: Any, moves: Iterable[tuple[int, str, str]], **_kwargs: Any) -> None:
    """Re-tally the records of units whose path changed (a village moved to another commune, a
    corrected official map): each record leaves the tallies of its unit's old ancestors and
    joins those of the new ones, in the transaction that moved the units (connected to
    `units.signals.paths_changed`). Records are read grouped by what the tallies key on."""
    from antq.records.models import CriminalCase, LaterDeath, TrafficAccident

    moved = [(unit_id, old, new) for unit_id, old, new in moves if old and old != new]
    if not moved:
        return
    before = {unit_id: old for unit_id, old, _new in moved}
    after = {unit_id: new for unit_id, _old, new in moved}
    deltas = Deltas([*before.values(), *after.values()])
    signs = ((-1, before), (1, after))
    cases = (CriminalCase.objects.filter(unit_id__in=after)
             .values_list("unit_id", "occurred_on", "group", "severity", "cleared_on")
             .annotate(n=models.Count("id")).order_by())
    for unit_id, occurred_on, group, severity, cleared_on, n in cases:
        for sign, paths in signs:
            deltas.case(sign * n, paths[unit_id], occurred_on, group, severity, cleared_on)
    accidents = (TrafficAccident.objects.filter(unit_id__in=after).values_list("unit_id", "occurred_on")
                 .annotate(models.Count("id"), models.Sum("deaths"), models.Sum("injuries"), models.Sum("missing"))
                 .order_by())
    later = (LaterDeath.objects.filter(accident__unit_id__in=after)
             .values_list("accident__unit_id", "accident__occurred_on").annotate(models.Sum("count")).order_by())
    for unit_id, occurred_on, *figures in [*accidents, *((u, d, 0, n, 0, 0) for u, d, n in later)]:
        for sign, paths in signs:
            deltas.accident(sign, paths[unit_id], occurred_on, *figures)
    deltas.apply()


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(connection.ops.quote_name(n) for n in names)


def _upsert(model: type[models.Model], key: tuple[str, ...], columns: tuple[str, ...],
            rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    table = model._meta.db_table
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({_quoted(key + columns)}) VALUES ({', '.join(['%s'] * (len(key) + len(columns)))}) "
            f"ON CONFLICT ({_quoted(key)}) DO UPDATE SET {updates}", rows)


# ---------------------------------------------------------------- recount in SQL


def _date_parts(column: str) -> tuple[str, str, str]:
    """Year, month and day of a date column as integers, in the dialect's own words."""
    if connection.vendor == "postgresql":
        return tuple(f"CAST(EXTRACT({part} FROM {column}) AS INTEGER)"  # type: ignore[return-value]
                     for part in ("YEAR", "MONTH", "DAY"))
    return tuple(f"CAST(SUBSTR({column}, {start}, {length}) AS INTEGER)"  # type: ignore[return-value]
                 for start, length in ((1, 4), (6, 2), (9, 2)))


def _year_sql(column: str, scheme: str) -> str:
    year, month, day = _date_parts(column)
    if scheme == "mps":
        return f"({year} + CASE WHEN {month} = 12 AND {day} >= 15 THEN 1 ELSE 0 END)"
    return year


def _bucket_sql(column: str) -> str:
    year, month, day = _date_parts(column)
    return f"(({year} * 12 + {month} - 1) * 2 + CASE WHEN {day} >= 15 THEN 1 ELSE 0 END)"


def _fill_ancestry(cursor: CursorWrapper) -> None:
    """A temporary (unit, area unit, half-month?) table: each unit with itself and its ancestors."""
    from antq.units.models import Unit

    kinds = dict(Unit.objects.values_list("pk", "kind"))
    pairs = [(unit_id, area_id, 1 if kinds.get(area_id) in HALF_MONTH_KINDS else 0)
             for unit_id, path in Unit.objects.values_list("pk", "path") for area_id in area_ids(path)]
    cursor.execute("CREATE TEMPORARY TABLE antq_ancestry (unit_id bigint, area_id bigint, half_month integer)")
    cursor.executemany("INSERT INTO antq_ancestry VALUES (%s, %s, %s)", pairs)
    cursor.execute("CREATE INDEX antq_ancestry_unit ON antq_ancestry (unit_id)")
    cursor.execute("ANALYZE antq_ancestry")  # without statistics the planner joins it row by row


def _rebuild_sql() -> list[str]:
    from antq.records.models import CriminalCase, LaterDeath, TrafficAccident

    cases, accidents, later = (m._meta.db_table for m in (CriminalCase, TrafficAccident, LaterDeath))
    group = connection.ops.quote_name("group")
    statements = []
    for scheme in SCHEMES:
        occurred, cleared = _year_sql("occurred_on", scheme), _year_sql("cleared_on", scheme)
        per_severity = []
        for severity, code in SEVERITY_CODES.items():
            is_it = f"severity = '{severity}'"
            per_severity.append((f"occurred_{code}", is_it))
            per_severity.append((f"cleared_{code}", f"{is_it} AND cleared_on IS NOT NULL AND {cleared} = {occurred}"))
            per_severity.append((f"cleared_ever_{code}", f"{is_it} AND cleared_on IS NOT NULL"))
        inner = ", ".join(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS {name}" for name, condition in per_severity)
        outer = ", ".join(f"SUM(y.{name})" for name, _ in per_severity)
        statements.append(
            f"INSERT INTO {CaseYearTally._meta.db_table} (scheme, year, unit_id, {group}, "
            f"{', '.join(name for name, _ in per_severity)}) "
            f"SELECT '{scheme}', y.year, a.area_id, y.grp, {outer} FROM ("
            f"SELECT unit_id, {occurred} AS year, {group} AS grp, {inner} FROM {cases} GROUP BY 1, 2, 3) y "
            f"JOIN antq_ancestry a ON a.unit_id = y.unit_id GROUP BY 2, 3, 4 ORDER BY 2, 3, 4")
        accident_year = _year_sql("t.occurred_on", scheme)
        statements.append(
            f"INSERT INTO {AccidentYearTally._meta.db_table} (scheme, year, unit_id, n, deaths, injuries, missing) "
            f"SELECT '{scheme}', y.year, a.area_id, SUM(y.n), SUM(y.deaths), SUM(y.injuries), SUM(y.missing) FROM ("
            f"SELECT t.unit_id, {accident_year} AS year, COUNT(*) AS n, SUM(t.deaths) AS deaths, "
            f"SUM(t.injuries) AS injuries, SUM(t.missing) AS missing FROM {accidents} t GROUP BY 1, 2 "
            f"UNION ALL SELECT t.unit_id, {accident_year}, 0, SUM(d.count), 0, 0 FROM {later} d "
            f"JOIN {accidents} t ON t.id = d.accident_id GROUP BY 1, 2) y "
            f"JOIN antq_ancestry a ON a.unit_id = y.unit_id GROUP BY 2, 3 ORDER BY 2, 3")
    occurred_bucket, cleared_bucket = _bucket_sql("c.occurred_on"), _bucket_sql("c.cleared_on")
    clearance_lag = (f"CASE WHEN c.cleared_on IS NULL THEN {NOT_CLEARED} "
                     f"WHEN {cleared_bucket} - {occurred_bucket} > {LAG_CAP} THEN {LAG_CAP} "
                     f"ELSE {cleared_bucket} - {occurred_bucket} END")
    statements.append(
        f"INSERT INTO {CaseTally._meta.db_table} (unit_id, bucket, {group}, severity, lag, n) "
        f"SELECT a.area_id, {occurred_bucket}, c.{group}, c.severity, {clearance_lag}, COUNT(*) FROM {cases} c "
        f"JOIN antq_ancestry a ON a.unit_id = c.unit_id AND a.half_month = 1 "
        f"GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5")
    accident_bucket = _bucket_sql("t.occurred_on")
    statements.append(
        f"INSERT INTO {AccidentTally._meta.db_table} (unit_id, bucket, n, deaths, injuries, missing) "
        f"SELECT a.area_id, y.bucket, SUM(y.n), SUM(y.deaths), SUM(y.injuries), SUM(y.missing) FROM ("
        f"SELECT t.unit_id, {accident_bucket} AS bucket, COUNT(*) AS n, SUM(t.deaths) AS deaths, "
        f"SUM(t.injuries) AS injuries, SUM(t.missing) AS missing FROM {accidents} t GROUP BY 1, 2 "
        f"UNION ALL SELECT t.unit_id, {accident_bucket}, 0, SUM(d.count), 0, 0 FROM {later} d "
        f"JOIN {accidents} t ON t.id = d.accident_id GROUP BY 1, 2) y "
        f"JOIN antq_ancestry a ON a.unit_id = y.unit_id AND a.half_month = 1 GROUP BY 1, 2 ORDER BY 1, 2")
    return statements


@transaction.atomic
def tallies_rebuild() -> tuple[int, int]:
    """Recount every tally from the records, in the database (after a raw bulk load or a
    restore, or to check the tallies kept in the write path)."""
    from antq.records.models import CriminalCase, TrafficAccident

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # room to group in memory rather than sort on disk
            cursor.execute("SET LOCAL work_mem = '256MB'")
        for model in (CaseTally, AccidentTally, CaseYearTally, AccidentYearTally):  # rows are inserted in key order
            verb = "TRUNCATE" if connection.vendor == "postgresql" else "DELETE FROM"
            cursor.execute(f"{verb} {model._meta.db_table}")
        _fill_ancestry(cursor)
        for statement in _rebuild_sql():
            cursor.execute(statement)
        cursor.execute("DROP TABLE antq_ancestry")
        for model in (CaseTally, AccidentTally, CaseYearTally, AccidentYearTally):  # fresh statistics for the planner
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return CriminalCase.objects.count(), TrafficAccident.objects.count()
