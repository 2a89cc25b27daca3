"""Figures in the Vietnamese of official reports: exact ("703/775 vụ, đạt 90,71%"), rounded
the customary way ("hơn 90%", "gần 98%"), changes ("giảm 5,21%"), the three traffic
criteria and counts of awards. Always Vietnamese, whatever the reader's UI language."""

from __future__ import annotations

import datetime
from decimal import ROUND_FLOOR, Decimal

from babel.numbers import format_decimal

ROUND_STEP = 5  # "hơn 90%" rather than "gần 91%": a multiple of 5 within one point wins


def vi_number(value: int | Decimal | float, decimals: int = 2) -> str:
    """1.234 and 90,71 (trailing zeros dropped: 3 not 3,00)."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(Decimal(str(value)), format=pattern, locale="vi")


def vi_percent(value: int | Decimal | float, decimals: int = 2) -> str:
    return f"{vi_number(value, decimals)}%"


def vi_date(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def vi_long_date(place: str, day: datetime.date) -> str:
    """"Hòa Bình, ngày 05 tháng 01 năm 2026" (ND 30/2020: leading zeros for days < 10 and months 1–2)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def fraction(part: int, whole: int, rate: Decimal | None, noun: str = "vụ") -> str:
    """"703/775 vụ, đạt 90,71%"."""
    text = f"{vi_number(part, 0)}/{vi_number(whole, 0)} {noun}"
    return f"{text}, đạt {vi_percent(rate)}" if rate is not None else text


def approximately(rate: Decimal) -> str:
    """The customary rounding of a rate: "90%" when exact; "hơn M%" / "gần M%" for the
    multiple of 5 within one point; otherwise "hơn N%" / "gần N%" for the nearest whole number."""
    rate = Decimal(rate)
    if rate == rate.to_integral_value():
        return vi_percent(rate, 0)
    below = (rate / ROUND_STEP).to_integral_value(ROUND_FLOOR) * ROUND_STEP
    if rate - below <= 1:
        return f"hơn {vi_percent(below, 0)}"
    above = below + ROUND_STEP
    if above - rate <= 1:
        return f"gần {vi_percent(above, 0)}"
    nearest = rate.to_integral_value()
    return f"{'gần' if nearest > rate else 'hơn'} {vi_percent(nearest, 0)}"


def change(change_pct: Decimal | None, since: str = "so với cùng kỳ") -> str:
    """"giảm 5,21% so với cùng kỳ", "tăng 3%…", "bằng cùng kỳ"; empty without a comparison."""
    if change_pct is None:
        return ""
    value = Decimal(change_pct)
    if value == 0:
        return "bằng cùng kỳ"
    verb = "giảm" if value < 0 else "tăng"
    return f"{verb} {vi_percent(abs(value))} {since}".rstrip()


CRITERIA = (("accidents", "số vụ"), ("accident_deaths", "số người chết"), ("accident_injuries", "số người bị thương"))


def three_criteria(changes: dict[str, Decimal | None]) -> str:
    """"giảm cả 3 tiêu chí", "tăng cả 3 tiêu chí", or each criterion spelled out."""
    values = [changes.get(key) for key, _label in CRITERIA]
    if all(v is not None and v < 0 for v in values):
        return "giảm cả 3 tiêu chí"
    if all(v is not None and v > 0 for v in values):
        return "tăng cả 3 tiêu chí"
    parts = []
    for (_key, label), value in zip(CRITERIA, values, strict=True):
        said = change(value, since="") if value is not None else "chưa có số liệu cùng kỳ"
        parts.append(f"{label} {said}")
    return ", ".join(parts)


def count_of(number: int, noun: str) -> str:
    """"6 tập thể", "5 đồng chí"."""
    return f"{vi_number(number, 0)} {noun}"
