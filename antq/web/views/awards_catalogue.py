"""The award catalogue page: every title and form with its versions, the base salary table
and the rules that turn ranks into proposals. Administrators revise the national rows; a
province's secretariat sets its own proposal rules."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antq.awards.catalogue import award_type_revise, base_salary_add, proposal_rules_of, proposal_rules_set
from antq.awards.models import Authority, AwardType, BaseSalary
from antq.awards.services import award_types_in_force
from antq.core.scoping import Action
from antq.units.models import Unit, UnitKind
from antq.web.scoped import audit_context
from antq.web.views.movement_common import DATE

RULE_ROWS = 4


class ReviseForm(forms.Form):
    award_type = forms.ModelChoiceField(label=gettext_lazy("Award"), queryset=AwardType.objects.none())
    valid_from = forms.DateField(label=gettext_lazy("New version from"), widget=DATE)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    authority = forms.ChoiceField(label=gettext_lazy("Awarded by"), choices=[("", "—"), *Authority.choices],
                                  required=False)
    coefficient_collective = forms.DecimalField(label=gettext_lazy("Coefficient (collective)"), max_digits=5,
                                                decimal_places=2, required=False, localize=True)
    coefficient_individual = forms.DecimalField(label=gettext_lazy("Coefficient (individual)"), max_digits=5,
                                                decimal_places=2, required=False, localize=True)
    basis = forms.CharField(label=gettext_lazy("Legal basis"), max_length=200, required=False)


class SalaryForm(forms.Form):
    amount = forms.IntegerField(label=gettext_lazy("Amount (VND)"), min_value=1)
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=DATE)
    basis = forms.CharField(label=gettext_lazy("Legal basis"), max_length=200)


def _national(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_superuser", False))


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    provinces = list(Unit.objects.restrict(request.user, Action.MANAGE_GRANTS).filter(kind=UnitKind.PROVINCE)
                     .valid_on(today).order_by("name"))
    op = request.POST.get("op", "")
    revise = ReviseForm(request.POST if op == "revise" else None)
    revise.fields["award_type"].queryset = award_types_in_force(today)  # type: ignore[attr-defined]
    salary = SalaryForm(request.POST if op == "salary" else None)
    if request.method == "POST":
        try:
            if _post(request, op, revise, salary, provinces):
                return redirect("award_catalogue")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    collective = award_types_in_force(today).filter(for_collectives=True)
    return render(request, "awards/catalogue.html", {
        "types": AwardType.objects.order_by("category", "code", "valid_from"),
        "salaries": BaseSalary.objects.order_by("-valid_from"), "national": _national(request),
        "revise": revise, "salary": salary, "collective": collective, "rule_rows": range(1, RULE_ROWS + 1),
        "rule_sets": [(None, proposal_rules_of(None), _national(request))]
        + [(p, proposal_rules_of(p), True) for p in provinces]})


def _post(request: HttpRequest, op: str, revise: ReviseForm, salary: SalaryForm, provinces: list[Unit]) -> bool:
    ctx = audit_context(request)
    if op == "revise":
        if not revise.is_valid():
            return False
        data = revise.cleaned_data
        changes = {field: data[field] for field in ("name", "authority", "coefficient_collective",
                                                    "coefficient_individual", "basis")
                   if data[field] not in (None, "") and data[field] != getattr(data["award_type"], field)}
        award_type_revise(ctx=ctx, award_type=data["award_type"], valid_from=data["valid_from"], changes=changes)
        return True
    if op == "salary":
        if not salary.is_valid():
            return False
        base_salary_add(ctx=ctx, **salary.cleaned_data)
        return True
    if op == "rules":
        raw = request.POST.get("province", "")
        province = next((p for p in provinces if str(p.pk) == raw), None)
        if raw and province is None:
            raise Http404()
        proposal_rules_set(ctx=ctx, province=province, rows=_rule_rows(request))
        return True
    raise Http404()


def _rule_rows(request: HttpRequest) -> list[tuple[int, int, AwardType]]:
    rows = []
    in_force = award_types_in_force(timezone.localdate())
    for n in range(1, RULE_ROWS + 1):
        first, last, kind = (request.POST.get(f"{key}-{n}", "").strip() for key in ("from", "to", "award"))
        if not first and not last and not kind:
            continue
        award_type = in_force.filter(pk=kind).first() if kind.isdigit() else None
        if not first.isdigit() or not last.isdigit() or award_type is None:
            raise ValidationError(_("Row %(n)s: give the ranks (numbers) and the award.") % {"n": n})
        rows.append((int(first), int(last), award_type))
    return rows


