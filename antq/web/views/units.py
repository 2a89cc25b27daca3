"""Unit pages: the tree of the user's scope, search, the unit page, and user-created units."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from antq.accounts.models import Grant
from antq.core.models import ChangeRecord
from antq.core.scoping import Action, user_scope_paths
from antq.units.imports import import_units
from antq.units.imports import template as import_template
from antq.units.models import Unit
from antq.units.selectors import lineage_links, scope_roots, search_units
from antq.units.services import unit_create, unit_delete, unit_update
from antq.web.forms import UnitForm, UnitImportForm, UnitSearchForm
from antq.web.scoped import audit_context, form_errors_from, scoped_get

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def unit_tree(request: HttpRequest) -> HttpResponse:
    visible = Unit.objects.restrict(request.user)
    roots = scope_roots(visible, user_scope_paths(request.user, Action.VIEW)).annotate(child_count=Count("children"))
    return render(request, "units/tree.html", {"roots": roots.order_by("-valid_from", "kind", "name"),
                                               "search_form": UnitSearchForm()})


@login_required
def unit_children(request: HttpRequest, pk: int) -> HttpResponse:
    unit = scoped_get(Unit.objects.all(), request, pk=pk)
    children = Unit.objects.restrict(request.user).filter(parent=unit).annotate(child_count=Count("children"))
    return render(request, "units/_children.html", {"unit": unit, "children": children.order_by("kind", "name")})


@login_required
def unit_search(request: HttpRequest) -> HttpResponse:
    form = UnitSearchForm(request.GET)
    results = Unit.objects.none()
    if form.is_valid() and form.cleaned_data["q"]:
        results = search_units(Unit.objects.restrict(request.user), form.cleaned_data["q"], form.cleaned_data["date"])
    page = Paginator(results.select_related("parent"), 50).get_page(request.GET.get("page"))
    template = "units/_results.html" if request.headers.get("HX-Request") else "units/search.html"
    return render(request, template, {"form": form, "page": page, "query": request.GET.get("q", "")})


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = scoped_get(Unit.objects.select_related("parent"), request, pk=pk)
    visible = Unit.objects.restrict(request.user)
    before, after = lineage_links(unit)
    neighbour_ids = [link.predecessor_id for link in before] + [link.successor_id for link in after]
    visible_ids = set(visible.filter(pk__in=neighbour_ids + unit.ancestor_ids()).values_list("pk", flat=True))
    children = visible.filter(parent=unit).annotate(child_count=Count("children")).order_by("kind", "name")
    history = ChangeRecord.objects.restrict(request.user).for_object(unit)[:50]
    can_change = Unit.objects.restrict(request.user, Action.CHANGE).filter(pk=unit.pk).exists()
    grants = Grant.objects.restrict(request.user, Action.MANAGE_GRANTS).filter(unit=unit).select_related("user")
    ancestors = Unit.objects.filter(pk__in=unit.ancestor_ids()).order_by("depth")
    return render(request, "units/detail.html", {
        "unit": unit,
        "ancestors": [(a, a.pk in visible_ids) for a in ancestors],
        "children": children,
        "before": [link for link in before if link.predecessor_id in visible_ids],
        "after": [link for link in after if link.successor_id in visible_ids],
        "history": history,
        "can_change": can_change,
        "can_add_child": can_change and unit.kind in ("commune", "district", "province") and unit.is_current,
        "is_user_created": unit.source == "",
        "grants": grants,
        "today": datetime.date.today(),
    })


@login_required
def unit_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    parent = scoped_get(Unit.objects.all(), request, Action.CHANGE, pk=pk)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = unit_create(ctx=audit_context(request), parent=parent, kind=data["kind"], name=data["name"],
                               subtype=data["subtype"], code=data["code"], valid_from=data["valid_from"],
                               valid_to=data["valid_to"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Unit %(name)s created.") % {"name": unit.name})
            return redirect("unit_detail", pk=unit.pk)
    return render(request, "units/form.html", {"form": form, "parent": parent, "unit": None})


@login_required
def unit_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    unit = scoped_get(Unit.objects.select_related("parent"), request, Action.CHANGE, pk=pk)
    initial = {"kind": unit.kind, "subtype": unit.subtype, "name": unit.name, "code": unit.code,
               "valid_from": unit.valid_from, "valid_to": unit.valid_to, "version": unit.version}
    form = UnitForm(request.POST or None, initial=initial)
    form.fields["kind"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit_update(ctx=audit_context(request), unit=unit, expected_version=form.expected_version,
                        reason=data["reason"], name=data["name"], subtype=data["subtype"],
                        code=data["code"] or unit.code, valid_from=data["valid_from"], valid_to=data["valid_to"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("unit_detail", pk=unit.pk)
    return render(request, "units/form.html", {"form": form, "parent": unit.parent, "unit": unit})


@login_required
def unit_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    unit = scoped_get(Unit.objects.select_related("parent"), request, Action.CHANGE, pk=pk)
    if request.method == "POST":
        try:
            unit_delete(ctx=audit_context(request), unit=unit, reason=request.POST.get("reason", "")[:300])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("unit_detail", pk=unit.pk)
        messages.success(request, _("Unit %(name)s deleted.") % {"name": unit.name})
        return redirect("unit_detail", pk=unit.parent_id) if unit.parent_id else redirect("unit_tree")
    return render(request, "units/delete.html", {"unit": unit})


@login_required
def unit_import_view(request: HttpRequest) -> HttpResponse:
    if not Unit.objects.restrict(request.user, Action.CHANGE).exists():
        raise Http404()
    form = UnitImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = import_units(ctx=audit_context(request), handle=form.cleaned_data["file"],
                              dry_run=form.cleaned_data["dry_run"])
        if result.ok and not result.dry_run:
            messages.success(request, _("%(count)d units imported.") % {"count": len(result.created)})
            return redirect("unit_import")
    return render(request, "units/import.html", {"form": form, "result": result})


@login_required
def unit_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(import_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="antq-don-vi.xlsx"'
    return response
