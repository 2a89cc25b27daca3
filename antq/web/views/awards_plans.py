"""The Steering Committee's plan and the review conference: a plan written with its tasks,
tasks added and rescheduled by the plan's unit, progress reported by the lead units, the
conference's record written and corrected."""

from __future__ import annotations

import datetime
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

from antq.awards.models import Conference, Decision, Plan, Task
from antq.awards.plans import (
    TARGETS,
    attendees_from_lines,
    conference_change,
    conference_record,
    plan_create,
    plan_progress,
    target_value_now,
    task_add,
    task_change,
    task_progress,
)
from antq.core.scoping import Action, path_in_scope, user_scope_paths
from antq.web.forms import VersionedForm
from antq.web.scoped import audit_context, form_errors_from, scoped_get, unit_by_code

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TARGET_CHOICES = [("", gettext_lazy("No measured target")), *TARGETS.items()]


class ProgressForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("Date"), widget=DATE)
    percent = forms.IntegerField(label=gettext_lazy("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(label=gettext_lazy("What was done"), max_length=500)
    evidence = forms.CharField(label=gettext_lazy("Evidence"), max_length=300, required=False)


class PlanForm(forms.Form):
    unit_code = forms.CharField(label=gettext_lazy("Unit code"), max_length=32)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    deadline = forms.DateField(label=gettext_lazy("Deadline of the tasks"), widget=DATE)
    tasks = forms.CharField(label=gettext_lazy("Tasks (one per line; the plan's unit leads them)"),
                            widget=forms.Textarea(attrs={"rows": 8, "cols": 90}))


class TaskForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Task"), max_length=500)
    lead_code = forms.CharField(label=gettext_lazy("Lead unit (code)"), max_length=32)
    coordinating_codes = forms.CharField(label=gettext_lazy("Coordinating units (codes, comma-separated)"),
                                         max_length=500, required=False)
    deadline = forms.DateField(label=gettext_lazy("Deadline"), widget=DATE)
    target_kind = forms.ChoiceField(label=gettext_lazy("Target"), choices=TARGET_CHOICES, required=False)
    target_value = forms.DecimalField(label=gettext_lazy("Target value"), max_digits=8, decimal_places=2,
                                      required=False, localize=True)


class TaskChangeForm(VersionedForm):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Task.Status.choices)
    deadline = forms.DateField(label=gettext_lazy("Deadline"), widget=DATE)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)


class ConferenceForm(VersionedForm):
    held_on = forms.DateField(label=gettext_lazy("Held on"), widget=DATE)
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200)
    chair = forms.CharField(label=gettext_lazy("Chaired by"), max_length=200)
    attendees = forms.CharField(label=gettext_lazy("Attendees (one per line: name | title | organisation)"),
                                widget=forms.Textarea(attrs={"rows": 6, "cols": 90}), required=False)
    agenda = forms.CharField(label=gettext_lazy("Agenda"), widget=forms.Textarea(attrs={"rows": 3, "cols": 90}),
                             required=False)
    documents = forms.CharField(label=gettext_lazy("Documents (one per line)"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3, "cols": 90}))
    decisions = forms.ModelMultipleChoiceField(label=gettext_lazy("Award decisions presented"),
                                               queryset=Decision.objects.none(), required=False,
                                               widget=forms.CheckboxSelectMultiple)


class NewConferenceForm(ConferenceForm):
    unit_code = forms.CharField(label=gettext_lazy("Unit code"), max_length=32)
    year = forms.IntegerField(label=gettext_lazy("Year reviewed"), min_value=2000, max_value=2100)
    field_order = ["unit_code", "year"]


def _may(request: HttpRequest, path: str, action: str = Action.CHANGE) -> bool:
    return path_in_scope(path, user_scope_paths(request.user, action))


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year + 1
    form = PlanForm(request.POST or None, initial={"year": year, "deadline": datetime.date(year, 12, 14)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = unit_by_code(request, data["unit_code"], datetime.date(data["year"], 1, 1))
        if unit is None:
            form.add_error("unit_code", _("No unit with this code in your area."))
        else:
            tasks: list[dict[str, object]] = [{"text": line.strip(), "lead": unit, "deadline": data["deadline"]}
                                              for line in data["tasks"].splitlines() if line.strip()]
            try:
                plan = plan_create(ctx=audit_context(request), unit=unit, year=data["year"], title=data["title"],
                                   tasks=tasks)
                return redirect("plan_detail", pk=plan.pk)
            except ValidationError as exc:
                form_errors_from(form, exc)
    return render(request, "awards/form_page.html", {"form": form, "heading": _("New plan")})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_get(Plan.objects.select_related("unit"), request, pk=pk)
    may_edit = _may(request, plan.unit.path)
    op = request.POST.get("op", "progress")
    form = ProgressForm(request.POST if op == "progress" else None)
    task_form = TaskForm(request.POST if op == "task" else None)
    if request.method == "POST":
        done = _plan_post(request, plan, op, form, task_form, may_edit)
        if done:
            return redirect("plan_detail", pk=pk)
    tasks = plan.tasks.select_related("lead").prefetch_related("progress", "coordinating")
    return render(request, "awards/plan.html", {
        "plan": plan, "progress": plan_progress(plan), "form": form, "task_form": task_form if may_edit else None,
        "today": timezone.localdate(),
        "tasks": [{"task": t, "target_now": target_value_now(t), "can_report": _may(request, t.lead.path),
                   "change": TaskChangeForm(initial={"version": t.version, "status": t.status,
                                                     "deadline": t.deadline}, prefix=f"t{t.pk}")
                   if may_edit else None} for t in tasks]})


def _plan_post(request: HttpRequest, plan: Plan, op: str, form: ProgressForm, task_form: TaskForm,
               may_edit: bool) -> bool:
    """Apply one posted form of the plan page; True when it was saved."""
    ctx = audit_context(request)
    try:
        if op == "progress":
            task = plan.tasks.filter(pk=request.POST.get("task") or 0).select_related("lead").first()
            if task is None or not _may(request, task.lead.path):
                raise Http404()
            if form.is_valid():
                task_progress(ctx=ctx, task=task, **form.cleaned_data)
                return True
        elif op == "task" and may_edit:
            if task_form.is_valid():
                task_add(ctx=ctx, plan=plan, values=_task_values(request, plan, task_form.cleaned_data))
                return True
        elif op == "change" and may_edit:
            task = plan.tasks.filter(pk=request.POST.get("task") or 0).first()
            if task is None:
                raise Http404()
            change = TaskChangeForm(request.POST, prefix=f"t{task.pk}")
            if change.is_valid():
                task_change(ctx=ctx, task=task, expected_version=change.expected_version, **change.values())
                return True
            messages.error(request, " ".join(str(e) for errors in change.errors.values() for e in errors))
        else:
            raise Http404()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return False


def _task_values(request: HttpRequest, plan: Plan, data: dict[str, Any]) -> dict[str, object]:
    on = datetime.date(plan.year, 1, 1)
    lead = unit_by_code(request, data["lead_code"], on, Action.VIEW)
    coordinating = []
    for code in filter(None, (c.strip() for c in data["coordinating_codes"].split(","))):
        unit = unit_by_code(request, code, on, Action.VIEW)
        if unit is None:
            raise ValidationError(_("No unit %(code)s in your area.") % {"code": code})
        coordinating.append(unit)
    if lead is None:
        raise ValidationError(_("No unit %(code)s in your area.") % {"code": data["lead_code"]})
    if data["target_kind"] and data["target_value"] is None:
        raise ValidationError(_("A measured target needs its value."))
    return {"text": data["text"].strip(), "lead": lead, "coordinating": coordinating, "deadline": data["deadline"],
            "target_kind": data["target_kind"], "target_value": data["target_value"] if data["target_kind"] else None}


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The tasks the user's units lead, whoever's plan they belong to, with the progress form."""
    tasks = (Task.objects.restrict(request.user, Action.CHANGE).filter(status=Task.Status.OPEN)
             .select_related("plan__unit", "lead").order_by("deadline", "pk"))
    form = ProgressForm(request.POST or None)
    if request.method == "POST":
        task = tasks.filter(pk=request.POST.get("task") or 0).first()
        if task is None:
            raise Http404()
        if form.is_valid():
            try:
                task_progress(ctx=audit_context(request), task=task, **form.cleaned_data)
                return redirect("my_tasks")
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
    return render(request, "awards/tasks.html", {"tasks": tasks, "form": form, "today": timezone.localdate()})


def _decisions_for(request: HttpRequest, form: ConferenceForm, years: list[int]) -> None:
    """The decisions a conference may present: the user's, of the years around the one reviewed."""
    form.fields["decisions"].queryset = (  # type: ignore[attr-defined]
        Decision.objects.restrict(request.user).filter(year__in=years).select_related("issuer")
        .order_by("year", "number"))


@login_required
def conference_new(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    form = NewConferenceForm(request.POST or None, initial={"year": year})
    _decisions_for(request, form, [year - 2, year - 1, year])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = unit_by_code(request, data["unit_code"], data["held_on"])
        if unit is None:
            form.add_error("unit_code", _("No unit with this code in your area."))
        else:
            try:
                conference = conference_record(
                    ctx=audit_context(request), unit=unit, year=data["year"], held_on=data["held_on"],
                    place=data["place"], chair=data["chair"], attendees=attendees_from_lines(data["attendees"]),
                    agenda=data["agenda"], documents=data["documents"], decisions=list(data["decisions"]))
                return redirect("conference_detail", pk=conference.pk)
            except ValidationError as exc:
                form_errors_from(form, exc)
    return render(request, "awards/form_page.html", {"form": form, "heading": _("New conference record")})


@login_required
def conference_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conference = scoped_get(Conference.objects.select_related("unit"), request, pk=pk)
    may_edit = _may(request, conference.unit.path)
    lines = "\n".join(" | ".join((p.get("name", ""), p.get("title", ""), p.get("organisation", ""))).rstrip(" |")
                      for p in conference.attendees)
    form = ConferenceForm(request.POST or None, initial={
        "held_on": conference.held_on, "place": conference.place, "chair": conference.chair, "attendees": lines,
        "agenda": conference.agenda, "documents": conference.documents, "decisions": conference.decisions.all(),
        "version": conference.version})
    _decisions_for(request, form, [conference.year, conference.year + 1])
    if request.method == "POST":
        if not may_edit:
            raise Http404()
        if form.is_valid():
            data = form.cleaned_data
            try:
                conference_change(ctx=audit_context(request), conference=conference, held_on=data["held_on"],
                                  place=data["place"], chair=data["chair"],
                                  attendees=attendees_from_lines(data["attendees"]), agenda=data["agenda"],
                                  documents=data["documents"], decisions=list(data["decisions"]),
                                  expected_version=form.expected_version)
                return redirect("conference_detail", pk=pk)
            except ValidationError as exc:
                form_errors_from(form, exc)
    return render(request, "awards/conference.html", {
        "conference": conference, "decisions": conference.decisions.order_by("number"),
        "form": form if may_edit else None})
