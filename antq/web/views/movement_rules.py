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
from antq.movement.rule_services import PARTS, rule_row_update, rule_set_in_use, rule_set_new_version
from antq.movement.rules import (
    LevelRule,
    LevelScheme,
    Rubric,
    RubricItem,
    RuleSet,
    StandardCriterion,
    StandardRuleSet,
)
from antq.web.scoped import audit_context, posted_version, require_post
from antq.web.views.movement_common import form_problems
from antq.web.views.rules import ProvinceChoice, manageable_provinces


class VersionForm(forms.Form):
    province = ProvinceChoice(label=gettext_lazy("Province"), queryset=Rubric.objects.none(), required=False,
                              empty_label=gettext_lazy("national default"))
    first_year = forms.IntegerField(label=gettext_lazy("From year"), min_value=2000, max_value=2100)
    basis = forms.CharField(label=gettext_lazy("Legal basis"), max_length=200, required=False)


class RowForm(forms.Form):
    """The editable fields of one rule row; which ones depends on the rule set."""

    text = forms.CharField(label=gettext_lazy("Content"), max_length=600, required=False)
    max_points = forms.DecimalField(label=gettext_lazy("Maximum points"), min_value=0, max_value=100,
                                    decimal_places=1, required=False)
    evidence_required = forms.BooleanField(label=gettext_lazy("Evidence required"), required=False)
    min_points = forms.DecimalField(label=gettext_lazy("Minimum points"), min_value=0, max_value=100,
                                    decimal_places=1, required=False)
    requires_standard = forms.BooleanField(label=gettext_lazy("Requires the standard passed"), required=False)

    def values_for(self, editable: tuple[str, ...]) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in editable}
        for name in ("text", "max_points", "min_points"):
            if name in values and values[name] in (None, ""):
                raise ValidationError({name: _("This field is required.")})
        return values


# kind in the URL → (rule set model, row model, the row's field pointing to its set)
KINDS: dict[str, tuple[type[RuleSet], type[Any], str]] = {
    "rubric": (Rubric, RubricItem, "rubric"),
    "levels": (LevelScheme, LevelRule, "scheme"),
    "standard": (StandardRuleSet, StandardCriterion, "rule_set"),
}


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

    def entries(rule_sets: Any) -> list[dict[str, Any]]:
        return [{"set": r, "in_use": rule_set_in_use(r), "editable": admin or r.province_id is not None}
                for r in rule_sets]

    form = VersionForm()
    form.fields["province"].queryset = provinces  # type: ignore[attr-defined]
    return render(request, "movement/rules.html", {
        "subject": subject, "subjects": Subject.choices, "version_form": form,
        "rubrics": entries(Rubric.objects.filter(visible, subject=subject).select_related("province")
                           .prefetch_related("items").order_by("province_id", "first_year")),
        "levels": entries(LevelScheme.objects.filter(visible).select_related("province").prefetch_related("levels")
                          .order_by("province_id", "first_year")),
        "standards": entries(StandardRuleSet.objects.filter(visible, subject=subject).select_related("province")
                             .prefetch_related("criteria").order_by("province_id", "first_year")),
    })


def _apply(request: HttpRequest, form: forms.Form, change: Callable[..., Any], done: str, subject: str,
           values: Callable[[], dict[str, Any]]) -> HttpResponse:
    """Run a rule service with the form's data; say what happened; back to the subject's rules."""
    if form.is_valid():
        try:
            change(ctx=audit_context(request), **values())
            messages.success(request, done)
        except (ValidationError, OutOfScope) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [_("Not allowed.")])))
    else:
        form_problems(request, form)
    return redirect(f"{reverse('movement_rules')}?subject={subject}")


def _kind(kind: str) -> tuple[type[RuleSet], type[Any], str]:
    if kind not in KINDS:
        raise Http404()
    return KINDS[kind]


@login_required
def rule_version_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    require_post(request)
    provinces = _editor_provinces(request)
    model, _row, _parent = _kind(kind)
    base = model._default_manager.filter(Q(province__isnull=True) | Q(province__in=provinces), pk=pk).first()
    if base is None:
        raise Http404()
    form = VersionForm(request.POST)
    form.fields["province"].queryset = provinces  # type: ignore[attr-defined]
    return _apply(request, form, rule_set_new_version, _("New version created."),
                  getattr(base, "subject", Subject.COMMUNE), lambda: {"base": base, **form.cleaned_data})


@login_required
def rule_row_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    require_post(request)
    provinces = _editor_provinces(request)
    model, row_model, parent = _kind(kind)
    national, own = Q(**{f"{parent}__province__isnull": True}), Q(**{f"{parent}__province__in": provinces})
    row = row_model.objects.filter(national | own, pk=pk).select_related(parent).first()
    if row is None:
        raise Http404()
    form = RowForm(request.POST)
    editable = PARTS[model][2]
    subject = getattr(getattr(row, parent), "subject", Subject.COMMUNE)
    return _apply(request, form, rule_row_update, _("Saved."), subject,
                  lambda: {"row": row, "expected_version": posted_version(request), **form.values_for(editable)})
