"""The secretariat's page for rules as data: which groups count, what "serious" means,
Penal Code articles → reporting groups, and the national targets (read-only here)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antq.core.scoping import Action, user_scope_paths
from antq.records.choices import CrimeGroup, Severity
from antq.records.rule_services import article_group_set, rule_end, rule_value_set
from antq.records.rules import ArticleGroup, RuleKey, RuleValue, Target
from antq.units.models import Unit
from antq.web.scoped import audit_context, form_errors_from, require_post

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProvinceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class RuleValueForm(forms.Form):
    key = forms.ChoiceField(label=gettext_lazy("Rule"), choices=RuleKey.choices)
    province = ProvinceChoice(label=gettext_lazy("Province"), queryset=Unit.objects.none(), required=False,
                              empty_label=gettext_lazy("national default"))
    groups = forms.MultipleChoiceField(label=gettext_lazy("Groups"), choices=CrimeGroup.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    severities = forms.MultipleChoiceField(label=gettext_lazy("Severities"), choices=Severity.choices,
                                           required=False, widget=forms.CheckboxSelectMultiple)
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=DATE, required=False)
    valid_to = forms.DateField(label=gettext_lazy("Valid to"), widget=DATE, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


class ArticleGroupForm(forms.Form):
    article_from = forms.IntegerField(label=gettext_lazy("From article"), min_value=1, max_value=500)
    article_to = forms.IntegerField(label=gettext_lazy("To article"), min_value=1, max_value=500)
    group = forms.ChoiceField(label=gettext_lazy("Reporting group"), choices=CrimeGroup.choices)
    province = ProvinceChoice(label=gettext_lazy("Province"), queryset=Unit.objects.none(), required=False,
                              empty_label=gettext_lazy("national default"))
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=DATE, required=False)
    valid_to = forms.DateField(label=gettext_lazy("Valid to"), widget=DATE, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


def manageable_provinces(request: HttpRequest) -> Any:
    """Provinces whose rules the user may edit (the secretariat's; every one for administrators)."""
    if getattr(request.user, "is_superuser", False):
        return Unit.objects.filter(kind="province").order_by("-valid_from", "name")
    paths = user_scope_paths(request.user, Action.MANAGE_GRANTS) or ()
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(kind="province").filter(condition).order_by("-valid_from", "name")


def _prefixed(form_class: type[forms.Form], request: HttpRequest, prefix: str, provinces: Any) -> forms.Form:
    bound = request.method == "POST" and request.POST.get("form") == prefix
    form = form_class(request.POST if bound else None, prefix=prefix)
    field = form.fields["province"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = provinces
    if not getattr(request.user, "is_superuser", False):
        field.required = True  # only administrators set national defaults
    return form


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    provinces = manageable_provinces(request)
    if not getattr(request.user, "is_superuser", False) and not provinces.exists():
        raise Http404()
    value_form = _prefixed(RuleValueForm, request, "value", provinces)
    article_form = _prefixed(ArticleGroupForm, request, "article", provinces)
    if request.method == "POST":
        saved = _save(request, value_form, article_form)
        if saved:
            messages.success(request, _("Rule saved."))
            return redirect("rules")
    visible = Q(province__isnull=True) | Q(province__in=provinces)
    return render(request, "rules.html", {
        "value_form": value_form, "article_form": article_form,
        "values": RuleValue.objects.filter(visible).select_related("province"),
        "articles": ArticleGroup.objects.filter(visible).select_related("province"),
        "targets": Target.objects.all(),
    })


def _save(request: HttpRequest, value_form: forms.Form, article_form: forms.Form) -> bool:
    ctx = audit_context(request)
    try:
        if request.POST.get("form") == "value" and value_form.is_valid():
            data = value_form.cleaned_data
            chosen = data["groups"] if data["key"] == RuleKey.CRIMINAL_GROUPS else data["severities"]
            rule_value_set(ctx=ctx, key=data["key"], province=data["province"], value=list(chosen),
                           valid_from=data["valid_from"], valid_to=data["valid_to"], note=data["note"])
            return True
        if request.POST.get("form") == "article" and article_form.is_valid():
            article_group_set(ctx=ctx, **article_form.cleaned_data)
            return True
    except ValidationError as exc:
        form_errors_from(value_form if request.POST.get("form") == "value" else article_form, exc)
    return False


@login_required
def rule_end_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    require_post(request)
    editable = Q(province__in=manageable_provinces(request))
    if getattr(request.user, "is_superuser", False):
        editable |= Q(province__isnull=True)
    row: RuleValue | ArticleGroup | None
    if kind == "value":
        row = RuleValue.objects.filter(editable, pk=pk).first()
    elif kind == "article":
        row = ArticleGroup.objects.filter(editable, pk=pk).first()
    else:
        row = None
    if row is None:
        raise Http404()
    field = forms.DateField()
    try:
        end = field.clean(request.POST.get("valid_to"))
        rule_end(ctx=audit_context(request), row=row, valid_to=end, reason=request.POST.get("reason", "")[:300])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Rule ended."))
    return redirect("rules")
