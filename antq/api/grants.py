"""Grant routes for administrators and the secretariat: everything reads through
`Grant.objects.restrict(user, Action.MANAGE_GRANTS)`, so others see an empty list and 404s."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from antq.accounts.models import Grant, User
from antq.accounts.services import grant_create, grant_revoke
from antq.api.auth import api_context, current_user
from antq.api.schemas import (
    ErrorOut,
    GrantCreateIn,
    GrantFilters,
    GrantList,
    GrantOut,
    NotFoundOut,
    unit_brief,
)
from antq.core.scoping import Action
from antq.units.models import Unit, valid_on_q
from antq.units.selectors import unit_at

router = Router(tags=["grants"])


def _grant_out(grant: Grant) -> GrantOut:
    return GrantOut(id=grant.pk, username=grant.user.username, role=grant.role,
                    role_label=grant.get_role_display(), unit=unit_brief(grant.unit),
                    created_at=grant.created_at)


@router.get("/grants", response={200: GrantList, 422: ErrorOut}, summary="Grants the caller may manage")
def list_grants(request: HttpRequest, filters: Query[GrantFilters]) -> GrantList:
    user = current_user(request)
    qs = Grant.objects.restrict(user, Action.MANAGE_GRANTS).select_related("user", "unit")
    if filters.unit:
        qs = qs.filter(unit__code=filters.unit.strip())
        if filters.date is not None:
            qs = qs.filter(valid_on_q(filters.date, prefix="unit__"))
    rows = qs[filters.offset:filters.offset + filters.limit]
    return GrantList(count=qs.count(), items=[_grant_out(g) for g in rows])


@router.post("/grants", response={201: GrantOut, 404: NotFoundOut, 422: ErrorOut},
             summary="Grant a role on a unit")
def create_grant(request: HttpRequest, payload: GrantCreateIn) -> Status[GrantOut]:
    actor = current_user(request)
    unit = unit_at(payload.unit_code.strip(), payload.unit_date or timezone.localdate(),
                   queryset=Unit.objects.restrict(actor, Action.MANAGE_GRANTS))
    grantee = User.objects.filter(username=payload.username.strip()).first()
    if unit is None or grantee is None:
        raise Http404()
    grant = grant_create(ctx=api_context(request), user=grantee, unit=unit, role=payload.role.value)
    return Status(201, _grant_out(grant))


@router.delete("/grants/{grant_id}", response={204: None, 404: NotFoundOut, 422: ErrorOut},
               summary="Revoke a grant")
def revoke_grant(request: HttpRequest, grant_id: int, reason: str = "") -> Status[None]:
    actor = current_user(request)
    grant = (Grant.objects.restrict(actor, Action.MANAGE_GRANTS).select_related("user", "unit")
             .filter(pk=grant_id).first())
    if grant is None:
        raise Http404()
    grant_revoke(ctx=api_context(request), grant=grant, reason=reason)
    return Status(204, None)
