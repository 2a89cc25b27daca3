"""The registers' lists, newest first: one way for the web pages and the API.

A list of a province's cases newest first is, on PostgreSQL, planned as a walk backwards on
the national `occurred_on` index that keeps the province's rows: with ten years of the whole
country that reads over a million index entries for a page of 50 (3,1 s for Hồ Chí Minh).
Every unit's own records are instead read newest first from the index on (unit, occurred_on
DESC, number, id, filter columns): the first `stop` rows of the list are among the first
`stop` rows of each unit, so those are taken per unit (a LATERAL join with LIMIT, one index
range per unit, no table access), merged and cut to the page in one query, and only the
page's rows are then read (45 ms). The result is the same rows in the same order as the
plain query (tested on both databases); only the plan differs. SQLite, and areas of very
many units (the whole country for an administrator), keep the plain query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar, overload

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from antq.records.tallies import recorded_under
from antq.units.models import Unit

R = TypeVar("R", bound=models.Model)

# The merge reads up to `stop` index entries per unit; for the whole country (14.000 units)
# the plain walk on the date index reads fewer.
MAX_MERGED_UNITS = 1500


class NewestFirst(Generic[R]):
    """`records` ordered newest first, sliceable and countable (what Paginator needs).

    `units`, when given, must hold the unit of every record in `records` (the caller's scope,
    narrowed by the same unit filter as the records, or not at all); a unit with no record
    costs one index probe. Without it the plain query is used. `finish` is applied to the
    page's rows before they are read (annotations that should not run on the whole list).
    `under`, when given, says the records are exactly the register's records in the subtrees
    of these paths (no other filter): they are then counted from the year tallies."""

    def __init__(self, records: QuerySet[R], units: QuerySet[Unit] | None, number_field: str,
                 finish: Callable[[QuerySet[R]], QuerySet[R]] | None = None,
                 under: tuple[str, ...] | None = None) -> None:
        self.ordering = ("-occurred_on", number_field, "pk")
        self.records = records.order_by(*self.ordering)
        self.units = units
        self.finish = finish or (lambda qs: qs)
        self.under = under
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = (self.records.count() if self.under is None
                           else recorded_under(self.records.model, self.under, using=self.records.db))
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[R]:
        return iter(self.finish(self.records))

    @overload
    def __getitem__(self, index: int, /) -> R: ...

    @overload
    def __getitem__(self, index: slice, /) -> list[R]: ...

    def __getitem__(self, index: int | slice, /) -> Any:
        if isinstance(index, int):
            return self[index:index + 1][0]
        start, stop = index.start or 0, index.stop
        if stop is not None and stop <= start:
            return []
        try:
            page = self._merged_page(start, stop) if stop is not None else None
        except EmptyResultSet:  # the units or the records are known to be none: nothing to compile
            return []
        if page is None:
            return list(self.finish(self.records)[start:stop])
        return list(self.finish(self.records.filter(pk__in=page)).order_by(*self.ordering))

    def _merged_page(self, start: int, stop: int) -> RawSQL | None:
        """The ids of rows start..stop, chosen from each unit's first `stop` rows (read from
        the index alone) merged in one query; None where the plain query is the better plan."""
        if self.units is None or connections[self.records.db].vendor != "postgresql":
            return None
        units = self.units.using(self.records.db).values("pk")  # the records' database (replica or not)
        if units.count() > MAX_MERGED_UNITS:
            return None
        # Django has no LATERAL join: the unit list and each unit's newest rows are compiled
        # by the ORM (scope and filters included) and only joined here.
        db = self.records.db
        units_sql, units_params = units.query.get_compiler(using=db).as_sql()
        newest = (self.records.filter(unit_id=RawSQL("merged_unit.id", ())).order_by(*self.ordering)
                  .values_list(*(field.lstrip("-") for field in self.ordering))[:stop])
        newest_sql, newest_params = newest.query.get_compiler(using=db).as_sql()
        sql = (f"SELECT newest.id FROM ({units_sql}) AS merged_unit (id) "
               f"CROSS JOIN LATERAL ({newest_sql}) AS newest (occurred_on, number, id) "
               "ORDER BY newest.occurred_on DESC, newest.number, newest.id LIMIT %s OFFSET %s")
        return RawSQL(sql, (*units_params, *newest_params, stop - start, start))
