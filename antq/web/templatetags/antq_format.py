"""Numbers in the page's language: 1.234 and 90,71 in Vietnamese, 1,234 and 90.71 in English."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def number(value: Any, decimals: int = 0) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int) and not decimals:  # most figures; a province's page shows over a thousand
        return f"{value:,}".replace(",", formats.get_format("THOUSAND_SEPARATOR"))
    if isinstance(value, float):
        value = Decimal(str(value))
    return formats.number_format(value, int(decimals), use_l10n=True, force_grouping=True)


@register.filter
def signed(value: Any) -> str:
    """A change in percent with its sign: +1,47 / −5,21."""
    if value is None:
        return "—"
    text = number(abs(Decimal(str(value))), 2)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


@register.filter
def png_base64(value: bytes) -> str:
    """An image embedded in a page (img-src allows data:, nothing is fetched)."""
    return base64.b64encode(value).decode("ascii")


@register.filter
def days_until(day: Any, today: Any) -> int:
    """Whole days from `today` to `day` (a deadline's countdown)."""
    return int((day - today).days)


@register.filter
def total_minutes(value: Any) -> int:
    """Whole minutes of a timedelta (the login lockout's duration)."""
    return int(value.total_seconds() // 60) if value is not None else 0
