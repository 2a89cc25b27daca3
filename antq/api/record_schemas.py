"""Request and response shapes of the criminal-case, traffic-accident and indicator routes."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, StringConstraints

from antq.api.schemas import DEFAULT_PAGE, MAX_INT, MAX_OFFSET, MAX_PAGE, VERSION_NOTE, OptionalDate, parse_date
from antq.records.choices import CrimeGroup, Severity, TrafficMode

SENSITIVE_NOTE = "Present only when the caller may see sensitive data on the record's unit (secretariat, admin)."


def _unseen(value: Any) -> bool:
    return value is None


def _blank_is_none(value: Any) -> Any:
    """An empty query value (`group=` from a form) means "no filter", not an invalid choice."""
    return None if isinstance(value, str) and not value.strip() else value


RequiredDate = Annotated[datetime.date, BeforeValidator(parse_date)]
Number = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
UnitCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
GroupFilter = Annotated[CrimeGroup | None, BeforeValidator(_blank_is_none)]
SeverityFilter = Annotated[Severity | None, BeforeValidator(_blank_is_none)]
ModeFilter = Annotated[TrafficMode | None, BeforeValidator(_blank_is_none)]
ClearedFilter = Annotated[bool | None, BeforeValidator(_blank_is_none)]


class InputSchema(Schema):
    # Choices arrive as their plain string values, ready for the model and the audit snapshot.
    model_config = ConfigDict(from_attributes=True, use_enum_values=True)


# -- output -------------------------------------------------------------------------------------


class UnitRef(Schema):
    code: str
    name: str


class CaseOut(Schema):
    id: int
    case_no: str
    unit: UnitRef
    occurred_on: datetime.date
    reported_on: datetime.date | None
    article: str
    severity: str
    group: str
    cleared_on: datetime.date | None
    suspects: int | None
    version: int = Field(description="Send it back as `version` when changing the record.")
    # Left None for a caller without Action.VIEW_SENSITIVE on the unit: the key is then absent.
    child_victim: bool | None = Field(None, description=SENSITIVE_NOTE, exclude_if=_unseen)
    sexual_abuse: bool | None = Field(None, description=SENSITIVE_NOTE, exclude_if=_unseen)


class CaseList(Schema):
    count: int
    items: list[CaseOut]


class AccidentOut(Schema):
    id: int
    accident_no: str
    unit: UnitRef
    occurred_on: datetime.date
    mode: str
    deaths: int = Field(description="Deaths within 7 days.")
    injuries: int
    missing: int
    damage_vnd: int | None
    later_deaths: int = Field(description="Deaths after the 7-day window, added to the accident.")
    version: int = Field(description="Send it back as `version` when changing the record.")


class AccidentList(Schema):
    count: int
    items: list[AccidentOut]


# -- filters ------------------------------------------------------------------------------------


class RecordQuery(Schema):
    unit: str = Field("", description="Code of a unit: records in its subtree (the unit valid on `date`, "
                                      "else every unit that carried the code).")
    date: OptionalDate = Field(None, description="With `unit`: the unit valid on this day (YYYY-MM-DD).")
    occurred_from: OptionalDate = None
    occurred_to: OptionalDate = None
    q: str = Field("", description="Part of the record number.")


class CaseQuery(RecordQuery):
    group: GroupFilter = None
    severity: SeverityFilter = None
    cleared: ClearedFilter = Field(None, description="true: cleared only; false: not cleared only.")


class AccidentQuery(RecordQuery):
    mode: ModeFilter = None


class CaseFilters(CaseQuery):
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class AccidentFilters(AccidentQuery):
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


# -- input --------------------------------------------------------------------------------------


class CaseCreateIn(InputSchema):
    case_no: Number
    unit_code: UnitCode = Field(description="Resolved to the unit carrying it on `occurred_on`.")
    occurred_on: RequiredDate
    reported_on: OptionalDate = None
    article: str = Field("", max_length=20)
    severity: Severity
    group: CrimeGroup | None = Field(None, description="Empty: taken from the article.")
    cleared_on: OptionalDate = None
    suspects: int | None = Field(None, ge=0)
    child_victim: bool = Field(False, description="Ignored unless the caller may see sensitive data.")
    sexual_abuse: bool = Field(False, description="Ignored unless the caller may see sensitive data.")


class CaseUpdateIn(InputSchema):
    version: int = Field(ge=1, description=VERSION_NOTE)
    case_no: Number | None = None
    unit_code: UnitCode | None = None
    occurred_on: OptionalDate = None
    reported_on: OptionalDate = None
    article: str | None = Field(None, max_length=20)
    severity: Severity | None = None
    group: CrimeGroup | None = None
    cleared_on: OptionalDate = None
    suspects: int | None = Field(None, ge=0)
    child_victim: bool | None = None
    sexual_abuse: bool | None = None
    reason: str = ""


class AccidentCreateIn(InputSchema):
    accident_no: Number
    unit_code: UnitCode = Field(description="Resolved to the unit carrying it on `occurred_on`.")
    occurred_on: RequiredDate
    mode: TrafficMode = TrafficMode.ROAD
    deaths: int = Field(0, ge=0)
    injuries: int = Field(0, ge=0)
    missing: int = Field(0, ge=0)
    damage_vnd: int | None = Field(None, ge=0)


class AccidentUpdateIn(InputSchema):
    version: int = Field(ge=1, description=VERSION_NOTE)
    accident_no: Number | None = None
    unit_code: UnitCode | None = None
    occurred_on: OptionalDate = None
    mode: TrafficMode | None = None
    deaths: int | None = Field(None, ge=0)
    injuries: int | None = Field(None, ge=0)
    missing: int | None = Field(None, ge=0)
    damage_vnd: int | None = Field(None, ge=0)
    reason: str = ""


class LaterDeathIn(InputSchema):
    died_on: RequiredDate
    count: int = Field(1, ge=1, le=MAX_INT)


# -- indicators ---------------------------------------------------------------------------------


class IndicatorParams(Schema):
    unit: str = Field(min_length=1, description="Unit code, resolved for the period on the chosen map.")
    period: str = Field(min_length=1, description="YYYY, YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY-MM-CUM.")
    scheme: str = Field("mps", description="mps (15th → 14th) or calendar.")
    map: str = Field("time", description="time (the map of the period) or current (today's map).")
    cleared_by: str = Field("period", description="Count clearances up to the period's end or up to today.")
    indicator: list[str] = Field(default_factory=list, description="Only these indicators (repeatable).")
