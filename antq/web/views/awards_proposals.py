"""Award proposals by hand and their review: a unit proposes a collective or one of its
people, the issuer's council approves or returns with a note, and the approved proposals of
one issuer and authority become one numbered decision."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antq.awards.models import AwardType, Proposal
from antq.awards.proposals import REVIEW, proposal_create, proposals_decide, proposals_review
from antq.awards.services import AwardSpec, award_types_in_force
from antq.core.scoping import all_in_scope
from antq.web.scoped import audit_context, form_errors_from, unit_by_code
from antq.web.views.movement_common import DATE, year_asked

REVIEW_LABELS = {"submit": gettext_lazy("Submit for review"), "approve": gettext_lazy("Approve"),
                 "return": gettext_lazy("Return with the note")}


class ProposalForm(forms.Form):
    unit_code = forms.CharField(label=gettext_lazy("Unit code (the collective, or the individual's unit)"),
                                max_length=32)
    award_type = forms.ModelChoiceField(label=gettext_lazy("Award"), queryset=AwardType.objects.none())
    achievement = forms.CharField(label=gettext_lazy("Achievement"), max_length=120)
    person_name = forms.CharField(label=gettext_lazy("Individual (empty for the collective)"), max_length=120,
                                  required=False)
    person_birth_year = forms.IntegerField(label=gettext_lazy("Year of birth"), min_value=1900, max_value=2100,
                                           required=False)
    holds_police_medal = forms.BooleanField(label=gettext_lazy("Holds an excluding police medal"), required=False)
    pending_review = forms.BooleanField(label=gettext_lazy("A discipline or complaint is not concluded"),
                                        required=False)


class DecideForm(forms.Form):
    decided_on = forms.DateField(label=gettext_lazy("Decision date"), widget=DATE)
    signer = forms.CharField(label=gettext_lazy("Signed by"), max_length=200)
    title = forms.CharField(label=gettext_lazy("Subject"), max_length=300)
    symbol = forms.CharField(label=gettext_lazy("Symbol (empty: by the authority)"), max_length=40, required=False)


@login_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    year = year_asked(request)
    status = request.GET.get("status", "")
    op = request.POST.get("op", "")
    form = ProposalForm(request.POST if op == "create" else None)
    form.fields["award_type"].queryset = award_types_in_force(timezone.localdate())  # type: ignore[attr-defined]
    decide = DecideForm(request.POST if op == "decide" else None)
    if request.method == "POST":
        done = _post(request, op, year, form, decide)
        if isinstance(done, HttpResponse):
            return done
    proposals = (Proposal.objects.restrict(request.user).filter(year=year)
                 .select_related("unit", "issuer", "award_type", "decision", "cluster"))
    if status in Proposal.Status.values:
        proposals = proposals.filter(status=status)
    return render(request, "awards/proposals.html", {
        "year": year, "status": status, "statuses": Proposal.Status.choices, "proposals": proposals[:500],
        "form": form, "decide": decide, "actions": [(a, REVIEW_LABELS[a]) for a in REVIEW]})


def _post(request: HttpRequest, op: str, year: int, form: ProposalForm, decide: DecideForm) -> HttpResponse | None:
    ctx = audit_context(request)
    back = redirect(f"{reverse('proposal_list')}?year={year}")
    if op == "create":
        if form.is_valid():
            data = form.cleaned_data
            unit = unit_by_code(request, data["unit_code"], datetime.date(year, 12, 31))
            if unit is None:
                form.add_error("unit_code", _("No unit with this code in your area."))
                return None
            spec = AwardSpec(data["award_type"], unit, data["achievement"], data["person_name"],
                             data["person_birth_year"], data["holds_police_medal"], data["pending_review"])
            try:
                proposal_create(ctx=ctx, spec=spec, year=year)
                messages.success(request, _("The proposal is recorded."))
                return back
            except ValidationError as exc:
                form_errors_from(form, exc)
        return None
    chosen = _chosen(request)
    try:
        if op in REVIEW:
            proposals_review(ctx=ctx, proposals=chosen, action=op, note=request.POST.get("review_note", ""))
            return back
        if op == "decide":
            if decide.is_valid():
                decision = proposals_decide(ctx=ctx, proposals=chosen, **decide.cleaned_data)
                return redirect("decision_detail", pk=decision.pk)
            return None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None if op == "decide" else back
    raise Http404()


def _chosen(request: HttpRequest) -> list[Proposal]:
    """The ticked proposals; one outside the user's scope is a 404, as if it did not exist."""
    try:
        ids = {int(value) for value in request.POST.getlist("proposal")}
    except ValueError as exc:
        raise Http404() from exc
    return all_in_scope(Proposal.objects.restrict(request.user), ids)
