"""How pages apply the one scoping mechanism: restrict, then 404 for anything outside."""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import BaseForm
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from antq.core.audit import AuditContext
from antq.core.scoping import Action, ScopedQuerySet
from antq.units.models import Unit

M = TypeVar("M", bound=Model)


def scoped_get(queryset: ScopedQuerySet, request: HttpRequest, action: str = Action.VIEW, **lookup: Any) -> Any:
    """The object if it is in the user's scope for `action`, else 404 (same as missing)."""
    return get_object_or_404(queryset.restrict(request.user, action), **lookup)


def audit_context(request: HttpRequest) -> AuditContext:
    return AuditContext.from_request(request)


def form_errors_from(form: BaseForm, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form so it is shown next to the field."""
    if hasattr(exc, "error_dict"):
        aliases = {"username": "new_username", "password": "password"}
        for field, errors in exc.error_dict.items():
            name = field if field in form.fields else aliases.get(field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def posted_version(request: HttpRequest) -> int | None:
    """The version of the record a hand-written form showed (its hidden `version` input), for
    the edit service's version check; None when the form sent none."""
    raw = request.POST.get("version", "").strip()
    return int(raw) if raw.isdigit() else None


def require_post(request: HttpRequest) -> None:
    if request.method != "POST":
        raise Http404()


def unit_by_code(request: HttpRequest, code: str, on: datetime.date, action: str = Action.CHANGE) -> Unit | None:
    """The unit with this code on that date if the user may act on it, else None (a typed code
    is a form error, not a 404)."""
    return Unit.objects.restrict(request.user, action).valid_on(on).filter(code=code.strip()).first()
