"""Criminal-case and traffic-accident routes: list, detail, create, change, delete, CSV export.

Every read goes through `<Model>.objects.restrict(user, action)`: a record outside the
caller's scope answers exactly like a missing one (404). Writes go through the records
services (audited with source "api"); a change based on an older `version` is refused with
409 and nothing is written. The sensitive flags (child_victim, sexual_abuse) are in the
output only where the caller holds Action.VIEW_SENSITIVE on the record's unit; otherwise
they are left None and CaseOut leaves the keys out.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Status

from antq.accounts.models import User
from antq.api.auth import api_context, current_user
from antq.api.record_schemas import (
    AccidentCreateIn,
    AccidentFilters,
    AccidentList,
    AccidentOut,
    AccidentQuery,
    AccidentUpdateIn,
    CaseCreateIn,
    CaseFilters,
    CaseList,
    CaseOut,
    CaseQuery,
    CaseUpdateIn,
    LaterDeathIn,
    RecordQuery,
    UnitRef,
)
from antq.api.schemas import ConflictOut, ErrorOut, NotFoundOut, conflict
from antq.core.scoping import Action, path_q, user_scope_paths
from antq.core.versioning import StaleVersion
from antq.records.imports import export_csv
from antq.records.listing import NewestFirst
from antq.records.models import CriminalCase, TrafficAccident
from antq.records.services import (
    SENSITIVE_FIELDS,
    accident_create,
    accident_update,
    case_create,
    case_update,
    later_death_add,
    record_delete,
)
from antq.units.models import Unit, valid_on_q
from antq.units.selectors import unit_at

router = Router()
R = TypeVar("R", CriminalCase, TrafficAccident)
CSV_RESPONSE = {"responses": {200: {"description": "The import format (UTF-8 CSV), so it re-imports unchanged.",
                                    "content": {"text/csv": {"schema": {"type": "string"}}}}}}


# -- reading ------------------------------------------------------------------------------------


def _records(model: type[R], user: User, action: str = Action.VIEW) -> QuerySet[R]:
    return model.objects.restrict(user, action).select_related("unit")


def _with_later_deaths(qs: QuerySet[TrafficAccident]) -> QuerySet[TrafficAccident]:
    return qs.annotate(later_total=Coalesce(Sum("later_deaths__count"), 0))


def _accidents(user: User, action: str = Action.VIEW) -> QuerySet[TrafficAccident]:
    return _with_later_deaths(_records(TrafficAccident, user, action))


def _get(records: QuerySet[R], pk: int) -> R:
    record = records.filter(pk=pk).first()
    if record is None:
        raise Http404()
    return record


def _unit_paths(user: User, filters: RecordQuery) -> tuple[str, ...] | None:
    """The paths of the `unit` filter (None without one). Only units the caller may see: an
    invisible code selects nothing, like an unknown one."""
    if not filters.unit:
        return None
    units = Unit.objects.restrict(user).filter(code=filters.unit.strip())
    if filters.date is not None:
        units = units.filter(valid_on_q(filters.date))
    return tuple(units.values_list("path", flat=True))


def _newest_first(qs: QuerySet[R], user: User, paths: tuple[str, ...] | None, filters: RecordQuery,
                  number_field: str, finish: Callable[[QuerySet[R]], QuerySet[R]] | None = None) -> NewestFirst[R]:
    """The filtered list newest first, read per unit of the caller's scope narrowed to the
    `unit` filter's paths, as the records are (see records.listing). With no filter but the
    unit, the list is the whole register under those paths (visible units: inside the scope)."""
    units = Unit.objects.restrict(user)
    if paths is not None:
        units = units.filter(path_q("path", paths))
    narrowing = filters.model_dump(exclude={"unit", "date", "limit", "offset"})
    whole = all(value is None or value == "" for value in narrowing.values())
    under = (user_scope_paths(user, Action.VIEW) if paths is None else paths) if whole else None
    return NewestFirst(qs, units, number_field, finish, under=under)


def _filtered(qs: QuerySet[R], paths: tuple[str, ...] | None, filters: RecordQuery,
              number_field: str) -> QuerySet[R]:
    if paths is not None:
        qs = qs.filter(path_q("unit__path", paths))
    if filters.occurred_from is not None:
        qs = qs.filter(occurred_on__gte=filters.occurred_from)
    if filters.occurred_to is not None:
        qs = qs.filter(occurred_on__lte=filters.occurred_to)
    if filters.q.strip():
        qs = qs.filter(**{f"{number_field}__icontains": filters.q.strip()})
    return qs.order_by("-occurred_on", number_field, "pk")


def _case_query(qs: QuerySet[CriminalCase], paths: tuple[str, ...] | None,
                filters: CaseQuery) -> QuerySet[CriminalCase]:
    qs = _filtered(qs, paths, filters, "case_no")
    if filters.group:
        qs = qs.filter(group=filters.group)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.cleared is not None:
        qs = qs.filter(cleared_on__isnull=not filters.cleared)
    return qs


def _accident_query(qs: QuerySet[TrafficAccident], paths: tuple[str, ...] | None,
                    filters: AccidentQuery) -> QuerySet[TrafficAccident]:
    qs = _filtered(qs, paths, filters, "accident_no")
    if filters.mode:
        qs = qs.filter(mode=filters.mode)
    return qs


def _sensitive_ids(model: type[R], user: User, ids: list[int]) -> set[int]:
    """The records among `ids` whose sensitive flags the caller may see."""
    return set(model.objects.restrict(user, Action.VIEW_SENSITIVE).filter(pk__in=ids).values_list("pk", flat=True))


def _unit_ref(unit: Unit) -> UnitRef:
    return UnitRef(code=unit.code, name=unit.name)


def _case_out(case: CriminalCase, sensitive: bool) -> CaseOut:
    values: dict[str, Any] = {
        "id": case.pk, "case_no": case.case_no, "unit": _unit_ref(case.unit), "occurred_on": case.occurred_on,
        "reported_on": case.reported_on, "article": case.article, "severity": case.severity, "group": case.group,
        "cleared_on": case.cleared_on, "suspects": case.suspects, "version": case.version,
    }
    if sensitive:
        values.update({field: getattr(case, field) for field in SENSITIVE_FIELDS})
    return CaseOut(**values)


def _cases_out(user: User, cases: list[CriminalCase]) -> list[CaseOut]:
    sensitive = _sensitive_ids(CriminalCase, user, [c.pk for c in cases])
    return [_case_out(c, c.pk in sensitive) for c in cases]


def _accident_out(accident: TrafficAccident) -> AccidentOut:
    later = getattr(accident, "later_total", None)
    if later is None:
        later = accident.later_deaths.aggregate(n=Coalesce(Sum("count"), 0))["n"]
    return AccidentOut(id=accident.pk, accident_no=accident.accident_no, unit=_unit_ref(accident.unit),
                       occurred_on=accident.occurred_on, mode=accident.mode, deaths=accident.deaths,
                       injuries=accident.injuries, missing=accident.missing, damage_vnd=accident.damage_vnd,
                       later_deaths=later, version=accident.version)


def _csv(kind: str, records: QuerySet[Any]) -> HttpResponse:
    response = HttpResponse(export_csv(kind, records.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    return response


# -- writing ------------------------------------------------------------------------------------


def _change_unit(user: User, code: str, on: datetime.date) -> Unit:
    """The unit carrying `code` on `on` among those the caller may change, else 404.

    A code the caller may change, only not on that day, is a 422 on unit_code: it tells
    nothing the caller does not already see.
    """
    scope = Unit.objects.restrict(user, Action.CHANGE)
    unit = unit_at(code, on, queryset=scope)
    if unit is not None:
        return unit
    if scope.filter(code=code).exists():
        raise ValidationError({"unit_code": (f"Đơn vị {code} không có hiệu lực vào ngày {on:%d/%m/%Y}; hãy dùng "
                                             f"đơn vị của ngày đó / unit {code} is not valid on {on.isoformat()}; "
                                             f"use the unit of that day.")})
    raise Http404()


@contextmanager
def _api_fields() -> Iterator[None]:
    """Service errors on `unit` are about the `unit_code` the API takes."""
    try:
        yield
    except StaleVersion:
        raise
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "unit" in exc.error_dict:
            errors = dict(exc.error_dict)
            errors["unit_code"] = errors.pop("unit") + errors.get("unit_code", [])
            raise ValidationError(errors) from exc
        raise


def _unit_change(user: User, record: CriminalCase | TrafficAccident, sent: dict[str, Any],
                 changes: dict[str, Any]) -> None:
    """A new unit code or date: the unit is the one carrying the code on the (new) date."""
    if sent.get("unit_code") is None and "occurred_on" not in changes:
        return
    code = sent.get("unit_code") or record.unit.code
    unit = _change_unit(user, code, changes.get("occurred_on", record.occurred_on))
    if unit.pk != record.unit_id:
        changes["unit"] = unit


def _changes(sent: dict[str, Any], keep_if_null: tuple[str, ...], nullable: tuple[str, ...]) -> dict[str, Any]:
    """Fields sent as null mean "unchanged", except those that may be empty, which they clear."""
    changes = {f: sent[f] for f in keep_if_null if sent.get(f) is not None}
    changes.update({f: sent[f] for f in nullable if f in sent})
    return changes


# -- criminal cases -----------------------------------------------------------------------------


@router.get("/cases", response={200: CaseList, 422: ErrorOut}, tags=["cases"],
            summary="List criminal cases")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> CaseList:
    user = current_user(request)
    paths = _unit_paths(user, filters)
    cases = _newest_first(_case_query(_records(CriminalCase, user), paths, filters), user, paths, filters, "case_no")
    return CaseList(count=cases.count(), items=_cases_out(user, cases[filters.offset:filters.offset + filters.limit]))


@router.get("/cases/export.csv", response={422: ErrorOut}, tags=["cases"], openapi_extra=CSV_RESPONSE,
            summary="Export criminal cases as CSV (same filters as the list)")
def export_cases(request: HttpRequest, filters: Query[CaseQuery]) -> HttpResponse:
    user = current_user(request)
    return _csv("cases", _case_query(_records(CriminalCase, user), _unit_paths(user, filters), filters))


@router.get("/cases/{case_id}", response={200: CaseOut, 404: NotFoundOut, 422: ErrorOut}, tags=["cases"],
            summary="A criminal case")
def get_case(request: HttpRequest, case_id: int) -> CaseOut:
    user = current_user(request)
    return _cases_out(user, [_get(_records(CriminalCase, user), case_id)])[0]


@router.post("/cases", response={201: CaseOut, 404: NotFoundOut, 422: ErrorOut}, tags=["cases"],
             summary="Record a criminal case")
def create_case(request: HttpRequest, payload: CaseCreateIn) -> Status[CaseOut]:
    user = current_user(request)
    unit = _change_unit(user, payload.unit_code, payload.occurred_on)
    values = payload.model_dump(exclude={"unit_code"})
    values["group"] = values["group"] or ""
    with _api_fields():
        case = case_create(ctx=api_context(request), unit=unit, **values)
    return Status(201, _cases_out(user, [case])[0])


@router.patch("/cases/{case_id}", response={200: CaseOut, 404: NotFoundOut, 409: ConflictOut, 422: ErrorOut},
              tags=["cases"], summary="Change a criminal case")
def update_case(request: HttpRequest, case_id: int, payload: CaseUpdateIn) -> Status[Any]:
    user = current_user(request)
    case = _get(_records(CriminalCase, user, Action.CHANGE), case_id)
    sent = payload.model_dump(exclude_unset=True)
    changes = _changes(sent, ("case_no", "occurred_on", "article", "severity", "group", *SENSITIVE_FIELDS),
                       ("reported_on", "cleared_on", "suspects"))
    _unit_change(user, case, sent, changes)
    try:
        with _api_fields():
            case = case_update(ctx=api_context(request), case=case, expected_version=payload.version,
                               reason=payload.reason, **changes)
    except StaleVersion as exc:
        return conflict(exc)
    return Status(200, _cases_out(user, [case])[0])


@router.delete("/cases/{case_id}", response={204: None, 404: NotFoundOut, 422: ErrorOut}, tags=["cases"],
               summary="Delete a criminal case")
def delete_case(request: HttpRequest, case_id: int, reason: str = "") -> Status[None]:
    user = current_user(request)
    record_delete(ctx=api_context(request), record=_get(_records(CriminalCase, user, Action.CHANGE), case_id),
                  reason=reason)
    return Status(204, None)


# -- traffic accidents --------------------------------------------------------------------------


@router.get("/accidents", response={200: AccidentList, 422: ErrorOut}, tags=["accidents"],
            summary="List traffic accidents")
def list_accidents(request: HttpRequest, filters: Query[AccidentFilters]) -> AccidentList:
    user = current_user(request)
    paths = _unit_paths(user, filters)
    accidents = _newest_first(_accident_query(_records(TrafficAccident, user), paths, filters), user, paths, filters,
                              "accident_no", _with_later_deaths)
    page = accidents[filters.offset:filters.offset + filters.limit]
    return AccidentList(count=accidents.count(), items=[_accident_out(a) for a in page])


@router.get("/accidents/export.csv", response={422: ErrorOut}, tags=["accidents"], openapi_extra=CSV_RESPONSE,
            summary="Export traffic accidents as CSV (same filters as the list)")
def export_accidents(request: HttpRequest, filters: Query[AccidentQuery]) -> HttpResponse:
    user = current_user(request)
    return _csv("accidents", _accident_query(_records(TrafficAccident, user), _unit_paths(user, filters), filters))


@router.get("/accidents/{accident_id}", response={200: AccidentOut, 404: NotFoundOut, 422: ErrorOut},
            tags=["accidents"], summary="A traffic accident")
def get_accident(request: HttpRequest, accident_id: int) -> AccidentOut:
    return _accident_out(_get(_accidents(current_user(request)), accident_id))


@router.post("/accidents", response={201: AccidentOut, 404: NotFoundOut, 422: ErrorOut}, tags=["accidents"],
             summary="Record a traffic accident")
def create_accident(request: HttpRequest, payload: AccidentCreateIn) -> Status[AccidentOut]:
    user = current_user(request)
    unit = _change_unit(user, payload.unit_code, payload.occurred_on)
    with _api_fields():
        accident = accident_create(ctx=api_context(request), unit=unit,
                                   **payload.model_dump(exclude={"unit_code"}))
    return Status(201, _accident_out(accident))


@router.patch("/accidents/{accident_id}",
              response={200: AccidentOut, 404: NotFoundOut, 409: ConflictOut, 422: ErrorOut}, tags=["accidents"],
              summary="Change a traffic accident")
def update_accident(request: HttpRequest, accident_id: int, payload: AccidentUpdateIn) -> Status[Any]:
    user = current_user(request)
    accident = _get(_records(TrafficAccident, user, Action.CHANGE), accident_id)
    sent = payload.model_dump(exclude_unset=True)
    changes = _changes(sent, ("accident_no", "occurred_on", "mode", "deaths", "injuries", "missing"),
                       ("damage_vnd",))
    _unit_change(user, accident, sent, changes)
    try:
        with _api_fields():
            accident_update(ctx=api_context(request), accident=accident, expected_version=payload.version,
                            reason=payload.reason, **changes)
    except StaleVersion as exc:
        return conflict(exc)
    return Status(200, _accident_out(_get(_accidents(user), accident_id)))


@router.delete("/accidents/{accident_id}", response={204: None, 404: NotFoundOut, 422: ErrorOut},
               tags=["accidents"], summary="Delete a traffic accident")
def delete_accident(request: HttpRequest, accident_id: int, reason: str = "") -> Status[None]:
    user = current_user(request)
    record_delete(ctx=api_context(request),
                  record=_get(_records(TrafficAccident, user, Action.CHANGE), accident_id), reason=reason)
    return Status(204, None)


@router.post("/accidents/{accident_id}/later-deaths", response={201: AccidentOut, 404: NotFoundOut, 422: ErrorOut},
             tags=["accidents"], summary="Add deaths after the 7-day window to an accident")
def add_later_deaths(request: HttpRequest, accident_id: int, payload: LaterDeathIn) -> Status[AccidentOut]:
    user = current_user(request)
    accident = _get(_records(TrafficAccident, user, Action.CHANGE), accident_id)
    later_death_add(ctx=api_context(request), accident=accident, died_on=payload.died_on, count=payload.count)
    return Status(201, _accident_out(_get(_accidents(user), accident_id)))

