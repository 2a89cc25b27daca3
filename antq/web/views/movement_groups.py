"""Movement pages for what a unit's area runs: grassroots security teams (members, ratings,
leaving) and self-managed model sites (teams, advanced-example recognition)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antq.core.scoping import Action
from antq.movement.grassroots import member_add, member_leave, member_rate, team_create, team_rate
from antq.movement.models import (
    ModelSite,
    ModelType,
    Performance,
    SecurityTeam,
    TeamMember,
)
from antq.movement.self_managed import (
    model_site_create,
    model_site_recognise,
    model_team_create,
    model_types_for,
)
from antq.units.models import Unit
from antq.web.forms import VersionedForm
from antq.web.scoped import audit_context, form_errors_from, posted_version, scoped_get
from antq.web.views.movement_common import (
    DATE,
    above,
    back_home,
    changeable,
    checked_year,
    form_problems,
    history_of,
    may,
)


class TeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Team name"), max_length=200)
    decision_no = forms.CharField(label=gettext_lazy("Establishing decision"), max_length=50)
    decision_date = forms.DateField(label=gettext_lazy("Decision date"), widget=DATE)
    hardship_area = forms.BooleanField(label=gettext_lazy("Hardship area"), required=False)


@login_required
def team_create_view(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = changeable(request, unit_pk)
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = team_create(ctx=audit_context(request), unit=unit, **form.cleaned_data)
            return redirect("team_detail", pk=team.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        form_problems(request, form)
    return back_home(unit, timezone.localdate().year)


class MemberForm(forms.ModelForm):
    class Meta:
        model = TeamMember
        fields = ["full_name", "birth_year", "sex", "role", "education", "resident_since", "joined_on",
                  "age_override"]
        widgets = {"resident_since": DATE, "joined_on": DATE}


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = scoped_get(SecurityTeam.objects.select_related("unit"), request, pk=pk)
    can_change = may(request, team.unit, Action.CHANGE)
    action = request.POST.get("action", "add")
    form = MemberForm(request.POST if request.method == "POST" and action == "add" else None)
    if request.method == "POST":
        if not can_change:
            raise Http404()
        try:
            if _team_step(request, team, action, form):
                messages.success(request, _("Saved."))
                return redirect("team_detail", pk=pk)
        except ValidationError as exc:
            if action == "add":
                form_errors_from(form, exc)
            else:
                messages.error(request, " ".join(exc.messages))
    year = timezone.localdate().year
    return render(request, "movement/team.html", {
        "team": team, "members": team.members.order_by("left_on", "role", "full_name").prefetch_related("ratings"),
        "form": form if can_change else None, "year": year, "levels": Performance.choices,
        "ratings": team.ratings.order_by("-year"), "history": history_of(team)})


def _team_step(request: HttpRequest, team: SecurityTeam, action: str, form: MemberForm) -> bool:
    """One change on the team page; False when the member form is invalid (shown again)."""
    ctx = audit_context(request)
    if action == "add":
        if not form.is_valid():
            return False
        member_add(ctx=ctx, team=team, **form.cleaned_data)
        return True
    try:
        year = int(request.POST.get("year") or 0)
    except ValueError as exc:
        raise Http404() from exc
    if action == "rate_team":
        team_rate(ctx=ctx, team=team, year=checked_year(year), level=request.POST.get("level", ""))
        return True
    member = team.members.filter(pk=request.POST.get("member") or 0).first()
    if member is None:
        raise Http404()
    if action == "rate_member":
        member_rate(ctx=ctx, member=member, year=checked_year(year), level=request.POST.get("level", ""),
                    transferred_in=request.POST.get("transferred_in") == "on")
    elif action == "leave":
        left_on = forms.DateField().clean(request.POST.get("left_on"))
        member_leave(ctx=ctx, member=member, left_on=left_on, reason=request.POST.get("reason", ""),
                     expected_version=posted_version(request))
    else:
        raise Http404()
    return True


class SiteForm(forms.Form):
    model_type = forms.ModelChoiceField(label=gettext_lazy("Model"), queryset=ModelType.objects.none())
    started_on = forms.DateField(label=gettext_lazy("Started on"), widget=DATE)
    replicated_from = forms.ModelChoiceField(label=gettext_lazy("Replicated from"), queryset=ModelSite.objects.none(),
                                             required=False)

    def __init__(self, *args: Any, unit: Unit, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model_type"].queryset = model_types_for(unit)  # type: ignore[attr-defined]
        self.fields["replicated_from"].queryset = (  # type: ignore[attr-defined]
            ModelSite.objects.restrict(user).select_related("model_type", "unit").order_by("model_type__name"))


@login_required
def site_create_view(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = changeable(request, unit_pk)
    form = SiteForm(request.POST, unit=unit, user=request.user)
    if form.is_valid():
        try:
            site = model_site_create(ctx=audit_context(request), unit=unit, **form.cleaned_data)
            return redirect("site_detail", pk=site.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        form_problems(request, form)
    return back_home(unit, timezone.localdate().year)


class ModelTeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Team name"), max_length=200)
    members = forms.IntegerField(label=gettext_lazy("Members"), min_value=1)
    started_on = forms.DateField(label=gettext_lazy("Started on"), widget=DATE)


class RecognitionForm(VersionedForm):
    on = forms.DateField(label=gettext_lazy("Recognised on"), widget=DATE)
    decision = forms.CharField(label=gettext_lazy("Recognition decision"), max_length=50)


@login_required
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    site = scoped_get(ModelSite.objects.select_related("unit", "model_type", "replicated_from__unit"), request, pk=pk)
    action = request.POST.get("action")
    team_form = ModelTeamForm(request.POST if action == "team" else None)
    recognition = RecognitionForm(request.POST if action == "recognise" else None, initial={"version": site.version})
    if request.method == "POST":
        try:
            if action == "team" and may(request, site.unit, Action.CHANGE) and team_form.is_valid():
                model_team_create(ctx=audit_context(request), site=site, **team_form.cleaned_data)
                return redirect("site_detail", pk=pk)
            if action == "recognise" and above(request, site.unit, Action.APPROVE) and recognition.is_valid():
                model_site_recognise(ctx=audit_context(request), site=site,
                                     expected_version=recognition.expected_version, **recognition.values())
                return redirect("site_detail", pk=pk)
            if action not in ("team", "recognise"):
                raise Http404()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return render(request, "movement/site.html", {
        "site": site, "teams": site.teams.order_by("name"), "replications": site.replications.select_related("unit"),
        "team_form": team_form if may(request, site.unit, Action.CHANGE) else None,
        "recognition": recognition if above(request, site.unit, Action.APPROVE) else None,
        "history": history_of(site)})
