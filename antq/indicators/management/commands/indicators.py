"""antq indicators --unit CODE --period YEAR|YYYY-MM|YYYY-Qn|YYYY-Hn|YYYY-MM-CUM
[--scheme mps|calendar] [--map time|current] [--cleared-by period|today] --format json|table"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from antq.core.periods import SCHEMES, PeriodError, period_from_spec
from antq.indicators.definitions import BY_ID
from antq.indicators.engine import CLEARED_BY, MAPS, Computation, IndicatorError, indicator_report, resolve_unit


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "có/yes" if value else "không/no"
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{value:,}".replace(",", ".")


class Command(BaseCommand):
    help = "Compute indicators for a unit and period from the live records."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--unit", required=True, help="unit code (resolved for the period on the chosen map)")
        parser.add_argument("--period", required=True)
        parser.add_argument("--scheme", choices=SCHEMES, default="mps")
        parser.add_argument("--map", choices=MAPS, default="time")
        parser.add_argument("--cleared-by", choices=CLEARED_BY, default="period")
        parser.add_argument("--indicator", action="append", help="only these indicators (repeatable)")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = period_from_spec(options["period"], options["scheme"])
            unit = resolve_unit(options["unit"].strip(), period, options["map"])
            unknown = [i for i in options["indicator"] or [] if i not in BY_ID]
            if unknown:
                raise IndicatorError(f"Chỉ tiêu không có / unknown indicator(s): {', '.join(unknown)}")
            report = indicator_report(
                unit=unit, period=period, map_=options["map"], ids=options["indicator"],
                computation=Computation.unrestricted(cleared_by=options["cleared_by"]),
            )
        except (PeriodError, IndicatorError) as exc:
            raise CommandError(str(exc)) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        p = report["period"]
        self.stdout.write(f"{unit.name} ({unit.code}) — {p['spec']} [{p['scheme']}] {p['start']} → {p['end']}, "
                          f"map={report['map']}, cleared-by={report['cleared_by']}"
                          + ("" if report["comparable"] else " — KHÔNG SO SÁNH ĐẦY ĐỦ / not fully comparable"))
        self.stdout.write(f"{'chỉ tiêu / indicator':<34}{'giá trị':>12}{'cùng kỳ':>12}{'thay đổi %':>12}")
        for key, figure in report["indicators"].items():
            self.stdout.write(f"{key:<34}{_number(figure['value']):>12}{_number(figure['previous']):>12}"
                              f"{_number(figure['change_pct']):>12}")
