"""Indicator definitions: declarative, so adding an indicator is a few lines.

A definition says what to count or sum over which record type with which filters, or how to
combine other indicators. The engine reads the records once per period and asks each
definition for its value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from antq.records.choices import GROUP_LABELS_VI, CrimeGroup
from antq.records.rules import Rules

Value = int | Decimal | bool | None
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class CaseTallies:
    """Cases of one area and period by (group, severity): (occurred, cleared)."""

    by_key: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class AccidentTotals:
    accidents: int = 0
    deaths: int = 0
    injuries: int = 0
    missing: int = 0


@dataclass(frozen=True)
class Data:
    cases: CaseTallies
    accidents: AccidentTotals
    rules: Rules


@dataclass(frozen=True)
class CaseCount:
    id: str
    label_vi: str
    label_en: str
    groups: Callable[[Rules], frozenset[str]]
    severities: Callable[[Rules], frozenset[str]] | None = None
    cleared: bool = False
    unit: str = ""

    @property
    def higher_is_better(self) -> bool:
        return self.cleared

    def compute(self, data: Data, done: dict[str, Value]) -> Value:
        groups = self.groups(data.rules)
        severities = self.severities(data.rules) if self.severities else None
        total = 0
        for (group, severity), (occurred, cleared) in data.cases.by_key.items():
            if group in groups and (severities is None or severity in severities):
                total += cleared if self.cleared else occurred
        return total


@dataclass(frozen=True)
class AccidentSum:
    id: str
    label_vi: str
    label_en: str
    field_name: str
    unit: str = ""
    higher_is_better: bool = False

    def compute(self, data: Data, done: dict[str, Value]) -> Value:
        return int(getattr(data.accidents, self.field_name))


@dataclass(frozen=True)
class Rate:
    id: str
    label_vi: str
    label_en: str
    numerator: str
    denominator: str
    unit: str = "%"
    higher_is_better: bool = True

    def compute(self, data: Data, done: dict[str, Value]) -> Value:
        numerator, denominator = done[self.numerator], done[self.denominator]
        if not isinstance(denominator, int) or not isinstance(numerator, int):
            return None
        return rate_of(numerator, denominator)


def rate_of(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator in percent, 2 decimals, half up; None when undefined. Exact:
    hundredths of a percent in integers (counts are never negative)."""
    if denominator <= 0 or numerator < 0:
        return None
    return Decimal((numerator * 20_000 + denominator) // (2 * denominator)).scaleb(-2)


@dataclass(frozen=True)
class AllDecreased:
    """True when every part is lower than in the previous period (needs the comparison)."""

    id: str
    label_vi: str
    label_en: str
    parts: tuple[str, ...]
    unit: str = ""
    compares: bool = True
    higher_is_better: bool = True

    def compute(self, data: Data, done: dict[str, Value]) -> Value:
        return None  # filled in by the engine, which holds both periods

    def decide(self, current: dict[str, Value], previous: dict[str, Value]) -> bool | None:
        pairs = [(current[p], previous[p]) for p in self.parts]
        if any(not isinstance(c, int) or not isinstance(p, int) for c, p in pairs):
            return None
        return all(c < p for c, p in pairs)  # type: ignore[operator]


Definition = CaseCount | AccidentSum | Rate | AllDecreased


def _criminal(rules: Rules) -> frozenset[str]:
    return rules.criminal_groups


def _serious(rules: Rules) -> frozenset[str]:
    return rules.serious_severities


def _only(group: str) -> Callable[[Rules], frozenset[str]]:
    return lambda rules: frozenset({group})


INDICATORS: list[Definition] = [
    CaseCount("criminal_cases", "Số vụ phạm pháp hình sự", "Criminal cases", _criminal),
    CaseCount("criminal_cases_cleared", "Số vụ điều tra, khám phá", "Cases cleared", _criminal, cleared=True),
    Rate("clearance_rate", "Tỷ lệ điều tra, khám phá", "Clearance rate", "criminal_cases_cleared", "criminal_cases"),
    CaseCount("serious_cases", "Án nghiêm trọng và đặc biệt nghiêm trọng", "Serious cases", _criminal, _serious),
    CaseCount("serious_cases_cleared", "Án nghiêm trọng đã khám phá", "Serious cases cleared", _criminal, _serious,
              cleared=True),
    Rate("serious_clearance_rate", "Tỷ lệ khám phá án nghiêm trọng", "Serious clearance rate",
         "serious_cases_cleared", "serious_cases"),
    *[
        CaseCount(f"{group.value}_cases", f"Tội phạm về {GROUP_LABELS_VI[group]}", f"{group.value} cases",
                  _only(group.value))
        for group in CrimeGroup
    ],
    AccidentSum("accidents", "Số vụ tai nạn giao thông", "Traffic accidents", "accidents"),
    AccidentSum("accident_deaths", "Số người chết", "Deaths", "deaths"),
    AccidentSum("accident_injuries", "Số người bị thương", "Injuries", "injuries"),
    AllDecreased("accidents_all_three_decreased", "TNGT giảm cả 3 tiêu chí", "Accidents down on all 3 criteria",
                 ("accidents", "accident_deaths", "accident_injuries")),
]
BY_ID: dict[str, Definition] = {d.id: d for d in INDICATORS}


def change_pct(value: Value, previous: Value) -> Decimal | None:
    """Relative change in percent, 2 decimals, half away from zero; None when undefined."""
    if isinstance(value, bool) or isinstance(previous, bool) or value is None or previous is None:
        return None
    if previous == 0:
        return None
    return ((Decimal(value) - Decimal(previous)) * 100 / Decimal(previous)).quantize(TWO_PLACES, ROUND_HALF_UP)
