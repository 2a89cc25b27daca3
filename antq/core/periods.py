"""Statistical periods under named schemes, never mixed.

`mps` is the Ministry of Public Security's scheme: month M of year Y runs from the 15th of
month M−1 to the 14th of month M, so year Y is 15/12/Y−1 – 14/12/Y; quarters and halves are
made of those months. `calendar` is the plain calendar (inter-agency criminal statistics).
Every figure carries its Period, so the scheme and the dates are always shown with it.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

SCHEMES = ("mps", "calendar")
SCHEME_LABELS = {"mps": "Bộ Công an (15 → 14)", "calendar": "Dương lịch"}
_SPEC = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{1,2})(?P<cum>-CUM)?|Q(?P<quarter>[1-4])|H(?P<half>[12])))?$",
                   re.IGNORECASE)


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    scheme: str
    start: datetime.date
    end: datetime.date  # inclusive
    spec: str

    def previous_year(self) -> Period:
        """The same period one year earlier (the comparison base of every indicator)."""
        return period_from_spec(_shift_spec(self.spec, -1), self.scheme)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        return f"{self.spec} ({self.start:%d/%m/%Y} – {self.end:%d/%m/%Y})"

    def as_dict(self) -> dict[str, str]:
        return {"scheme": self.scheme, "spec": self.spec, "start": self.start.isoformat(),
                "end": self.end.isoformat()}


def _shift_spec(spec: str, years: int) -> str:
    return f"{int(spec[:4]) + years:04d}{spec[4:]}"


def _month_bounds(scheme: str, year: int, month: int) -> tuple[datetime.date, datetime.date]:
    if scheme == "calendar":
        return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])
    start_year, start_month = (year - 1, 12) if month == 1 else (year, month - 1)
    return datetime.date(start_year, start_month, 15), datetime.date(year, month, 14)


def _months(scheme: str, year: int, first: int, last: int) -> tuple[datetime.date, datetime.date]:
    return _month_bounds(scheme, year, first)[0], _month_bounds(scheme, year, last)[1]


def period_from_spec(spec: str, scheme: str = "mps") -> Period:
    """YYYY, YYYY-MM, YYYY-Qn, YYYY-Hn, or YYYY-MM-CUM (year start to the end of month MM)."""
    if scheme not in SCHEMES:
        raise PeriodError(f"Cách tính kỳ không hợp lệ / unknown scheme {scheme!r} (mps|calendar)")
    match = _SPEC.match(spec.strip())
    if not match:
        raise PeriodError(f"Kỳ không hợp lệ / invalid period {spec!r} (YYYY, YYYY-MM, YYYY-Qn, YYYY-Hn, YYYY-MM-CUM)")
    year = int(match["year"])
    if not 1900 < year < 2200:
        raise PeriodError(f"Năm không hợp lệ / invalid year {year}")
    canonical = f"{year:04d}"
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise PeriodError(f"Tháng không hợp lệ / invalid month {month}")
        if match["cum"]:
            start, end = _months(scheme, year, 1, month)
            canonical += f"-{month:02d}-CUM"
        else:
            start, end = _month_bounds(scheme, year, month)
            canonical += f"-{month:02d}"
    elif match["quarter"]:
        quarter = int(match["quarter"])
        start, end = _months(scheme, year, 3 * quarter - 2, 3 * quarter)
        canonical += f"-Q{quarter}"
    elif match["half"]:
        half = int(match["half"])
        start, end = _months(scheme, year, 6 * half - 5, 6 * half)
        canonical += f"-H{half}"
    else:
        start, end = _months(scheme, year, 1, 12)
    return Period(scheme=scheme, start=start, end=end, spec=canonical)


def month_periods(year: int, scheme: str) -> list[Period]:
    return [period_from_spec(f"{year:04d}-{month:02d}", scheme) for month in range(1, 13)]


def period_containing(day: datetime.date, scheme: str) -> Period:
    """The statistical year that contains `day` (15/12 belongs to the next MPS year)."""
    year = day.year + 1 if scheme == "mps" and (day.month, day.day) >= (12, 15) else day.year
    return period_from_spec(f"{year:04d}", scheme)
