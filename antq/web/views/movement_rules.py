"""The movement's rules in the UI: rubrics by subject with their versions and items, the level
thresholds and the standard's criteria. The province secretariat makes its own version from a
year and edits the items no classification has used yet; administrators edit the national ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antq.core.errors import OutOfScope
from antq.movement.choices import Subject
from antq.movement.rule_services import rubric_in_use, rubric_item_update, rubric_new_version
from antq.movement.rules import LevelScheme, Rubric, RubricItem, StandardRuleSet
from antq.web.scoped import audit_context, require_post
from antq.web.views.movement import form_problems
from antq.web.views.rules import ProvinceChoice, manageable_provinces


class VersionForm(forms.Form):
    province = ProvinceChoice(label=gettext_lazy("Province"), queryset=Rubric.objects.none(), required=False,
                              empty_label=gettext_lazy("national default"))
    first_year = forms.IntegerField(label=gettext_lazy("From year"), min_value=2000, max_value=2100)
    basis = forms.CharField(label=gettext_lazy("Legal basis"), max_length=200, required=False)


class ItemForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Content"), max_length=500)
    max_points = forms.DecimalField(label=gettext_lazy("Maximum points"), min_value=0, max_value=100,
                                    decimal_places=1)
    evidence_required = forms.BooleanField(label=gettext_lazy("Evidence required"), required=False)


def _subject(request: HttpRequest) -> str:
    subject = request.GET.get("subject") or Subject.COMMUNE
    if subject not in Subject.values:
        raise Http404()
    return subject


def _editor_provinces(request: HttpRequest) -> Any:
    """The provinces whose rules the user edits; 404 for users who edit none."""
    provinces = manageable_provinces(request)
    if not getattr(request.user, "is_superuser", False) and not provinces.exists():
        raise Http404()
    return provinces


@login_required
def movement_rules(request: HttpRequest) -> HttpResponse:
    provinces = _editor_provinces(request)
    admin = getattr(request.user, "is_superuser", False)
    subject = _subject(request)
    visible = Q(province__isnull=True) | Q(province__in=provinces)
    rubrics = list(Rubric.objects.filter(visible, subject=subject).select_related("province")
                   .prefetch_related("items").order_by("province_id", "first_year"))
    form = VersionForm()
    form.fields["province"].queryset = provinces  # type: ignore[attr-defined]
    return render(request, "movement/rules.html", {
        "subject": subject, "subjects": Subject.choices, "rubrics": [
            {"rubric": r, "in_use": rubric_in_use(r), "editable": admin if r.province_id is None else True}
            for r in rubrics],
        "version_form": form,
        "levels": LevelScheme.objects.filter(visible).prefetch_related("levels"),
        "standards": StandardRuleSet.objects.filter(visible, subject=subject).prefetch_related("criteria"),
    })


def _apply(request: HttpRequest, form: forms.Form, change: Callable[..., Any], done: str, subject: str,
           **target: Any) -> HttpResponse:
    """Run a rule service with the form's data; say what happened; back to the subject's rules."""
    if form.is_valid():
        try:
            change(ctx=audit_context(request), **target, **form.cleaned_data)
            messages.success(request, done)
        except (ValidationError, OutOfScope) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [_("Not allowed.")])))
    else:
        form_problems(request, form)
    return redirect(f"{reverse('movement_rules')}?subject={subject}")


@login_required
def rubric_version_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_post(request)
    provinces = _editor_provinces(request)
    rubric = Rubric.objects.filter(Q(province__isnull=True) | Q(province__in=provinces), pk=pk).first()
    if rubric is None:
        raise Http404()
    form = VersionForm(request.POST)
    form.fields["province"].queryset = provinces  # type: ignore[attr-defined]
    return _apply(request, form, rubric_new_version, _("New version created."), rubric.subject, base=rubric)


@login_required
def rubric_item_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_post(request)
    provinces = _editor_provinces(request)
    item = RubricItem.objects.filter(Q(rubric__province__isnull=True) | Q(rubric__province__in=provinces),
                                     pk=pk).select_related("rubric").first()
    if item is None:
        raise Http404()
    return _apply(request, ItemForm(request.POST), rubric_item_update, _("Saved."), item.rubric.subject, item=item)
