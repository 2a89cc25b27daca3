"""Unit routes: list/search, detail as of a date, children, lineage, history and writes.

Every read goes through `Unit.objects.restrict(user, ...)`; a unit outside the caller's
scope answers exactly like a missing one (404).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from antq.accounts.models import User
from antq.api.auth import api_context, current_user
from antq.api.schemas import (
    ChangeRecordList,
    ChangeRecordOut,
    ConflictOut,
    DatedPage,
    ErrorOut,
    LineageLinkOut,
    LineageOut,
    NotFoundOut,
    OnDate,
    UnitCreateIn,
    UnitDetail,
    UnitFilters,
    UnitList,
    UnitUpdateIn,
    conflict,
    unit_brief,
)
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.core.versioning import StaleVersion
from antq.units.models import LineageLink, Unit, UnitQuerySet
from antq.units.selectors import lineage_links, predecessors, search_units, successors, unit_at
from antq.units.services import unit_create, unit_delete, unit_update

router = Router(tags=["units"])


def visible(user: User, action: str = Action.VIEW) -> UnitQuerySet:
    return Unit.objects.restrict(user, action)


def find_unit(user: User, code: str, on: datetime.date | None, action: str = Action.VIEW) -> Unit:
    """The unit carrying `code` on `on` (default today) within the user's scope, else 404."""
    unit = unit_at(code, on or timezone.localdate(), queryset=visible(user, action))
    if unit is None:
        raise Http404()
    return unit


def _visible_only(user: User, units: list[Unit]) -> list[Unit]:
    ids = set(visible(user).filter(pk__in=[u.pk for u in units]).values_list("pk", flat=True))
    return [u for u in units if u.pk in ids]


def _detail(user: User, unit: Unit, on: datetime.date) -> UnitDetail:
    scope = visible(user)
    parent = scope.filter(pk=unit.parent_id).first() if unit.parent_id else None
    return UnitDetail(
        **unit_brief(unit).model_dump(),
        short_name=unit.short_name,
        version=unit.version,
        date=on,
        parent=unit_brief(parent) if parent else None,
        children=scope.filter(parent=unit).valid_on(on).count(),
        predecessors=[unit_brief(u) for u in _visible_only(user, predecessors(unit))],
        successors=[unit_brief(u) for u in _visible_only(user, successors(unit))],
    )


def _natural_date(unit: Unit) -> datetime.date:
    """A day the unit is valid on: today if it still is, else its last (or first) day."""
    today = timezone.localdate()
    if unit.is_valid_on(today):
        return today
    return unit.valid_to or unit.valid_from or today


@router.get("/units", response={200: UnitList, 422: ErrorOut}, summary="List or search units")
def list_units(request: HttpRequest, filters: Query[UnitFilters]) -> UnitList:
    user = current_user(request)
    qs = search_units(visible(user), filters.q, filters.date)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent.strip())
    count = qs.count()
    page = qs[filters.offset:filters.offset + filters.limit]
    return UnitList(count=count, items=[unit_brief(u) for u in page])


@router.get("/units/{code}", response={200: UnitDetail, 404: NotFoundOut, 422: ErrorOut},
            summary="The unit carrying a code on a date")
def get_unit(request: HttpRequest, code: str, params: Query[OnDate]) -> UnitDetail:
    user = current_user(request)
    on = params.date or timezone.localdate()
    return _detail(user, find_unit(user, code, on), on)


@router.get("/units/{code}/children", response={200: UnitList, 404: NotFoundOut, 422: ErrorOut},
            summary="Children of a unit that the caller may see")
def unit_children(request: HttpRequest, code: str, params: Query[OnDate]) -> UnitList:
    user = current_user(request)
    on = params.date or timezone.localdate()
    unit = find_unit(user, code, on)
    children = visible(user).filter(parent=unit).valid_on(on).order_by("kind", "name", "code")
    return UnitList(count=len(children), items=[unit_brief(u) for u in children])


def _link_out(link: LineageLink, other: Unit) -> LineageLinkOut:
    return LineageLinkOut(event_kind=link.event.kind, effective_date=link.event.effective_date,
                          legal_basis=link.event.legal_basis, whole=link.whole, is_default=link.is_default,
                          unit=unit_brief(other))


@router.get("/units/{code}/lineage", response={200: LineageOut, 404: NotFoundOut, 422: ErrorOut},
            summary="Lineage links before and after a unit (other side in scope only)")
def unit_lineage(request: HttpRequest, code: str, params: Query[OnDate]) -> LineageOut:
    user = current_user(request)
    unit = find_unit(user, code, params.date)
    before, after = lineage_links(unit)
    ids = set(visible(user).filter(pk__in=[link.predecessor_id for link in before]
                                   + [link.successor_id for link in after]).values_list("pk", flat=True))
    return LineageOut(
        before=[_link_out(link, link.predecessor) for link in before if link.predecessor_id in ids],
        after=[_link_out(link, link.successor) for link in after if link.successor_id in ids],
    )


@router.get("/units/{code}/history", response={200: ChangeRecordList, 404: NotFoundOut, 422: ErrorOut},
            summary="Change records of a unit")
def unit_history(request: HttpRequest, code: str, params: Query[DatedPage]) -> ChangeRecordList:
    user = current_user(request)
    unit = find_unit(user, code, params.date)
    records = ChangeRecord.objects.restrict(user).for_object(unit)
    rows = records[params.offset:params.offset + params.limit]
    return ChangeRecordList(count=records.count(), items=[
        ChangeRecordOut(id=r.pk, time=r.time, actor_name=r.actor_name, source=r.source, action=r.action,
                        before=r.before, after=r.after, reason=r.reason, request_id=r.request_id)
        for r in rows
    ])


@router.post("/units", response={201: UnitDetail, 404: NotFoundOut, 422: ErrorOut},
             summary="Create a village, agency, enterprise or school")
def create_unit(request: HttpRequest, payload: UnitCreateIn) -> Status[UnitDetail]:
    user = current_user(request)
    parent = find_unit(user, payload.parent_code.strip(), payload.parent_date)
    unit = unit_create(ctx=api_context(request), parent=parent, kind=payload.kind, name=payload.name,
                       subtype=payload.subtype, code=payload.code, valid_from=payload.valid_from,
                       valid_to=payload.valid_to)
    return Status(201, _detail(user, unit, _natural_date(unit)))


@router.patch("/units/{code}", response={200: UnitDetail, 404: NotFoundOut, 409: ConflictOut, 422: ErrorOut},
              summary="Change a village, agency, enterprise or school")
def update_unit(request: HttpRequest, code: str, params: Query[OnDate], payload: UnitUpdateIn) -> Status[Any]:
    user = current_user(request)
    on = params.date or timezone.localdate()
    unit = find_unit(user, code, on)
    sent = payload.model_dump(exclude_unset=True)
    # Text fields sent as null mean "unchanged"; dates sent as null clear the bound.
    changes: dict[str, Any] = {
        field: sent[field] for field in ("name", "subtype", "code", "valid_from", "valid_to")
        if field in sent and not (field in ("name", "subtype", "code") and sent[field] is None)
    }
    if payload.parent_code:
        changes["parent"] = find_unit(user, payload.parent_code.strip(), payload.parent_date or on)
    try:
        unit = unit_update(ctx=api_context(request), unit=unit, expected_version=payload.version,
                           reason=payload.reason, **changes)
    except StaleVersion as exc:
        return conflict(exc)
    return Status(200, _detail(user, unit, _natural_date(unit)))


@router.delete("/units/{code}", response={204: None, 404: NotFoundOut, 422: ErrorOut},
               summary="Delete a village, agency, enterprise or school")
def delete_unit(request: HttpRequest, code: str, params: Query[OnDate], reason: str = "") -> Status[None]:
    user = current_user(request)
    unit = find_unit(user, code, params.date)
    unit_delete(ctx=api_context(request), unit=unit, reason=reason)
    return Status(204, None)
