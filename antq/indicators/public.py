"""Figures for the public statistics page: by province and commune on today's map, for whole
statistical years that have ended, with small cells suppressed (a count under 5 is shown as
"< 5" and a rate over fewer than 5 cases is not shown), never a record."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from antq.core.periods import Period, period_from_spec
from antq.indicators.children import children_figures
from antq.indicators.engine import Computation, area_of
from antq.units.models import Unit

SMALL = 5
PUBLIC_INDICATORS = ["criminal_cases", "criminal_cases_cleared", "clearance_rate", "accidents", "accident_deaths",
                     "accident_injuries"]


def shown(value: Any) -> str | int | None:
    """A count as the public sees it: "< 5" for 1–4 (0 is shown: nothing happened)."""
    if isinstance(value, int) and 0 < value < SMALL:
        return f"< {SMALL}"
    return value


def last_complete_year(today: datetime.date) -> int:
    """The latest statistical year (15/12–14/12) that has ended."""
    period = period_from_spec(str(today.year), "mps")
    return today.year if period.end < today else today.year - 1


@dataclass(frozen=True)
class PublicRow:
    code: str
    name: str
    cells: dict[str, str | int | None]


def public_rows(province: Unit, period: Period) -> tuple[PublicRow, list[PublicRow]]:
    """The province's total and its communes, suppressed."""
    computation = Computation.unrestricted()
    children = children_figures(area_of(province, period, "current"), period, computation, Unit.objects.all(),
                                PUBLIC_INDICATORS)
    total = computation.panel(area_of(province, period, "current"), period, PUBLIC_INDICATORS)
    return (PublicRow(province.code, province.name, _cells({k: v["value"] for k, v in total.items()})),
            [PublicRow(c.unit.code, c.unit.name, _cells(c.values)) for c in children])


def _cells(values: dict[str, Any]) -> dict[str, str | int | None]:
    cells = {key: shown(values.get(key)) for key in PUBLIC_INDICATORS if key != "clearance_rate"}
    cases = values.get("criminal_cases") or 0
    rate = values.get("clearance_rate")
    cells["clearance_rate"] = None if cases < SMALL or rate is None else str(rate)
    return cells
