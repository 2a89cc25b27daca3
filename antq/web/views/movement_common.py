"""Helpers shared by the movement pages: who may act on a unit (itself, or from the level
above), the year asked for, the unit a form posts to, the history shown, form problems."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from antq.core.models import ChangeRecord
from antq.core.scoping import Action, path_in_scope, user_scope_paths
from antq.units.models import Unit
from antq.web.scoped import require_post, scoped_get

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def may(request: HttpRequest, unit: Unit, action: str) -> bool:
    return path_in_scope(unit.path, user_scope_paths(request.user, action))


def above(request: HttpRequest, unit: Unit, action: str) -> bool:
    """The user acts from the level above the unit (its parent is in scope)."""
    parent = unit.parent
    return parent is not None and may(request, parent, action)


def year_asked(request: HttpRequest) -> int:
    try:
        return checked_year(int(request.GET.get("year") or timezone.localdate().year))
    except ValueError as exc:
        raise Http404() from exc


def checked_year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise Http404()
    return year


def history_of(obj: Any) -> Any:
    return ChangeRecord.objects.for_object(obj).order_by("-time", "-id")[:50]


def changeable(request: HttpRequest, unit_pk: int) -> Unit:
    require_post(request)
    return scoped_get(Unit.objects.all(), request, Action.CHANGE, pk=unit_pk)


def back_home(unit: Unit, year: int) -> HttpResponse:
    return redirect(f"{reverse('movement_home')}?unit={unit.pk}&year={year}")


def form_problems(request: HttpRequest, form: forms.Form) -> None:
    """A posted form that failed: its errors as one message on the page it returns to."""
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
