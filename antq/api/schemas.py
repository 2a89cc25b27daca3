"""Request and response shapes of the API, and the date type every route accepts."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any, Literal

from ninja import Schema, Status
from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from antq.accounts.roles import Role
from antq.core.versioning import StaleVersion
from antq.units.models import Unit

INVALID_DATE = "Ngày không hợp lệ / invalid date"
STALE_VERSION = ("Hồ sơ đã được người khác sửa trong lúc này; hãy tải lại rồi thử lại / "
                 "This record was changed by someone else meanwhile; reload it and try again.")
VERSION_NOTE = "The version the change is based on (from the GET); 409 if it is no longer current."
MAX_PAGE = 500
MAX_OFFSET = 10**9  # far past any list; the database refuses an OFFSET beyond 2**63 (a 500)
MAX_INT = 2**31 - 1  # a PostgreSQL integer column: a larger count is a 422 here, not a 500 on saving
DEFAULT_PAGE = 50


def parse_date(value: Any) -> datetime.date | None:
    """YYYY-MM-DD, or nothing (missing or empty); anything else is a 422 in both languages."""
    if value is None or isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    raise PydanticCustomError("invalid_date", INVALID_DATE + " '{value}' (YYYY-MM-DD)",
                             {"value": str(value)[:40]})


OptionalDate = Annotated[datetime.date | None, BeforeValidator(parse_date)]


class NotFoundOut(Schema):
    detail: str


class ErrorOut(Schema):
    detail: list[str]
    fields: dict[str, list[str]] = {}


class ConflictOut(Schema):
    detail: str
    current_version: int


def conflict(exc: StaleVersion) -> Status[ConflictOut]:
    """A change based on an older `version`: 409 with the current one; nothing was written."""
    return Status(409, ConflictOut(detail=STALE_VERSION, current_version=exc.current_version))


class UnitBrief(Schema):
    code: str
    name: str
    kind: str
    subtype: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None


def unit_brief(unit: Unit) -> UnitBrief:
    return UnitBrief(code=unit.code, name=unit.name, kind=unit.kind, subtype=unit.subtype,
                     valid_from=unit.valid_from, valid_to=unit.valid_to)


class UnitList(Schema):
    count: int
    items: list[UnitBrief]


class UnitDetail(UnitBrief):
    short_name: str
    version: int = Field(description="Send it back as `version` when changing the unit.")
    date: datetime.date
    parent: UnitBrief | None = Field(description="Null when the parent lies outside the caller's scope.")
    children: int = Field(description="Children valid on `date` that the caller may see.")
    predecessors: list[UnitBrief]
    successors: list[UnitBrief]


class LineageLinkOut(Schema):
    event_kind: str
    effective_date: datetime.date
    legal_basis: str
    whole: bool
    is_default: bool
    unit: UnitBrief = Field(description="The other side of the link (predecessor or successor).")


class LineageOut(Schema):
    before: list[LineageLinkOut]
    after: list[LineageLinkOut]


class ChangeRecordOut(Schema):
    id: int
    time: datetime.datetime
    actor_name: str
    source: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    request_id: uuid.UUID | None


class ChangeRecordList(Schema):
    count: int
    items: list[ChangeRecordOut]


class Page(Schema):
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class UnitFilters(Page):
    q: str = Field("", description="Name or code; diacritics and case are ignored.")
    date: OptionalDate = Field(None, description="Only units valid on this day (YYYY-MM-DD).")
    kind: str = ""
    parent: str = Field("", description="Code of the parent unit.")


class OnDate(Schema):
    date: OptionalDate = Field(None, description="YYYY-MM-DD; today when omitted.")


class DatedPage(OnDate):
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


CreatableKind = Literal["village", "agency", "enterprise", "school"]


class UnitCreateIn(Schema):
    parent_code: str
    parent_date: OptionalDate = None
    kind: CreatableKind
    name: str
    subtype: str = ""
    code: str = ""
    valid_from: OptionalDate = None
    valid_to: OptionalDate = None


class UnitUpdateIn(Schema):
    version: int = Field(ge=1, description=VERSION_NOTE)
    name: str | None = None
    subtype: str | None = None
    code: str | None = None
    parent_code: str | None = None
    parent_date: OptionalDate = None
    valid_from: OptionalDate = None
    valid_to: OptionalDate = None
    reason: str = ""


class GrantFilters(Page):
    unit: str = Field("", description="Only grants on units carrying this code.")
    date: OptionalDate = Field(None, description="With `unit`: only the unit valid on this day.")


class GrantOut(Schema):
    id: int
    username: str
    role: str
    role_label: str
    unit: UnitBrief
    created_at: datetime.datetime


class GrantList(Schema):
    count: int
    items: list[GrantOut]


class GrantCreateIn(Schema):
    username: str
    unit_code: str
    unit_date: OptionalDate = None
    role: Role
