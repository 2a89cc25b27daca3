"""The movement's pages: a unit's year (classification results, the standard, models, teams,
reports), a classification's scoring sheet (self-score → appraisal → approval), a standard
evaluation with its checklist and decision, a team and its members, a movement report.
Every object comes through `scoped_get`; every write through a movement service."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antq.core.audit import AuditContext
from antq.core.models import ChangeRecord
from antq.core.scoping import Action, path_in_scope, user_scope_paths
from antq.movement.choices import SUBJECT_OF_KIND, classification_deadline, evaluation_window
from antq.movement.classification import (
    appraise,
    approve,
    classification_start,
    refresh_facts,
    results_under,
    self_score,
)
from antq.movement.evidence import evidence_attach, evidence_path
from antq.movement.facts import seventy_percent
from antq.movement.grassroots import member_add, member_leave, member_rate, team_create, team_rate
from antq.movement.imports import (
    import_members,
    import_reports,
    member_template,
    report_template,
    results_workbook,
)
from antq.movement.models import (
    Classification,
    Evidence,
    ModelSite,
    ModelType,
    MovementReport,
    Performance,
    SecurityTeam,
    StandardEvaluation,
    StandardRegistration,
    TeamMember,
)
from antq.movement.reports import REPORT_FIELDS, period_completeness, report_approve, report_reopen, report_save
from antq.movement.self_managed import (
    model_counts,
    model_site_create,
    model_site_recognise,
    model_team_create,
    model_types_for,
)
from antq.movement.standard import (
    refresh_checks,
    standard_check,
    standard_decide,
    standard_evaluation_start,
    standard_register,
)
from antq.units.models import Unit
from antq.units.selectors import home_unit
from antq.web.forms import UnitImportForm
from antq.web.scoped import audit_context, form_errors_from, require_post, scoped_get

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _may(request: HttpRequest, unit: Unit, action: str) -> bool:
    return path_in_scope(unit.path, user_scope_paths(request.user, action))


def _above(request: HttpRequest, unit: Unit, action: str) -> bool:
    """The user acts from the level above the unit (its parent is in scope)."""
    parent = unit.parent
    return parent is not None and _may(request, parent, action)


def _year(request: HttpRequest) -> int:
    try:
        return _checked_year(int(request.GET.get("year") or timezone.localdate().year))
    except ValueError as exc:
        raise Http404() from exc


def _checked_year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise Http404()
    return year


def _history(obj: Any) -> Any:
    return ChangeRecord.objects.for_object(obj).order_by("-time", "-id")[:50]


@login_required
def movement_home(request: HttpRequest) -> HttpResponse:
    visible = Unit.objects.restrict(request.user)
    unit_id = request.GET.get("unit")
    if unit_id:
        unit = scoped_get(Unit.objects.all(), request, pk=unit_id)
    else:
        root = home_unit(request.user)
        if root is None:
            return render(request, "movement/home.html", {"unit": None})
        unit = root
    year = _year(request)
    today = timezone.localdate()
    results = results_under(unit, year, request.user)
    model_counts_now = model_counts(unit, min(today, evaluation_window("", year)[1]))
    households = households_under(unit, year)
    subject = SUBJECT_OF_KIND.get(unit.kind)
    evaluations = list(StandardEvaluation.objects.restrict(request.user).filter(
        unit__path__startswith=unit.path, year=year).select_related("unit").order_by("unit__kind", "unit__name"))
    month_spec = last_ended_month(today)
    context: dict[str, Any] = {
        "unit": unit, "year": year, "results": results, "subject": subject,
        "own": Classification.objects.filter(unit=unit, year=year).first(),
        "own_standard": StandardEvaluation.objects.filter(unit=unit, year=year).first(),
        "registration": StandardRegistration.objects.filter(unit=unit, year=year).first(),
        "evaluations": evaluations,
        "recognised": sum(1 for e in evaluations if e.result == StandardEvaluation.Result.RECOGNISED),
        "seventy": seventy_percent(unit, year) if unit.kind == "commune" else None,
        "models": model_counts_now,
        "sites": ModelSite.objects.restrict(request.user).filter(unit__path__startswith=unit.path)
        .select_related("model_type", "unit").order_by("model_type__name", "unit__name")[:200],
        "site_form": SiteForm(unit=unit, user=request.user) if _may(request, unit, Action.CHANGE) else None,
        "households": households,
        "per_thousand": round(model_counts_now.sites * 1000 / households, 2) if households else None,
        "teams": SecurityTeam.objects.restrict(request.user).filter(unit__path__startswith=unit.path,
                                                                    dissolved_on__isnull=True)
        .select_related("unit"),
        "report_spec": month_spec,
        "completeness": period_completeness(unit, month_spec, visible),
        "deadline": classification_deadline(subject, year) if subject else None,
        "overdue": overdue_units(visible, unit, year, today),
        "can_change": _may(request, unit, Action.CHANGE),
        "team_form": TeamForm() if unit.kind == "village" and _may(request, unit, Action.CHANGE) else None,
        "years": range(today.year, today.year - 8, -1),
    }
    return render(request, "movement/home.html", context)


def households_under(unit: Unit, year: int) -> int:
    """Households registered for the standard by the residential areas under the unit (0 when unknown)."""
    registered = StandardRegistration.objects.filter(unit__path__startswith=unit.path, year=year)
    return int(registered.aggregate(n=Sum("households"))["n"] or 0)


def overdue_units(visible: Any, parent: Unit, year: int, today: datetime.date) -> list[tuple[Unit, datetime.date]]:
    """Units directly under `parent` whose classification was not sent up by its deadline."""
    children = visible.filter(parent=parent, kind__in=list(SUBJECT_OF_KIND)).valid_on(
        min(today, evaluation_window("", year)[1])).order_by("name")
    sent = set(Classification.objects.filter(unit__in=children, year=year).exclude(
        status=Classification.Status.DRAFT).values_list("unit_id", flat=True))
    late = []
    for child in children:
        deadline = classification_deadline(SUBJECT_OF_KIND[child.kind], year)
        if today > deadline and child.pk not in sent:
            late.append((child, deadline))
    return late


def last_ended_month(today: datetime.date) -> str:
    """The latest MPS month (15th → 14th) already over: the one whose report is due next."""
    year, month = today.year, today.month + (1 if today.day >= 15 else 0)  # the month under way
    month -= 1
    if month == 0:
        year, month = year - 1, 12
    if month == 13:
        year, month = year + 1, 1
    return f"{year:04d}-{month:02d}"


def _changeable(request: HttpRequest, unit_pk: int) -> Unit:
    require_post(request)
    return scoped_get(Unit.objects.all(), request, Action.CHANGE, pk=unit_pk)


def _back(unit: Unit, year: int) -> HttpResponse:
    return redirect(f"{reverse('movement_home')}?unit={unit.pk}&year={year}")


def _open(request: HttpRequest, unit_pk: int, year: int, start: Callable[..., Any], page: str) -> HttpResponse:
    """Open the unit's sheet of the year through its service, then show it (or say why not)."""
    unit, year = _changeable(request, unit_pk), _checked_year(year)
    try:
        opened = start(ctx=audit_context(request), unit=unit, year=year)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(unit, year)
    return redirect(page, pk=opened.pk)


def form_problems(request: HttpRequest, form: forms.Form) -> None:
    """A posted form that failed: its errors as one message on the page it returns to."""
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))


@login_required
def classification_start_view(request: HttpRequest, unit_pk: int, year: int) -> HttpResponse:
    return _open(request, unit_pk, year, classification_start, "classification_detail")


def _points(request: HttpRequest, prefix: str, codes: list[str]) -> dict[str, Decimal]:
    points: dict[str, Decimal] = {}
    for code in codes:
        raw = request.POST.get(f"{prefix}-{code}", "").strip().replace(",", ".")
        if raw:
            try:
                points[code] = Decimal(raw)
            except InvalidOperation as exc:
                raise ValidationError({code: _("Item %(code)s: not a number.") % {"code": code}}) from exc
    return points


@login_required
def classification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    classification = scoped_get(Classification.objects.select_related("unit", "rubric", "levels"), request, pk=pk)
    ctx = audit_context(request)
    if request.method == "POST":
        try:
            _classification_step(request, ctx, classification)
            messages.success(request, _("Saved."))
            return redirect("classification_detail", pk=pk)
        except ValidationError as exc:
            messages.error(request, " ".join(f"{m}" for m in exc.messages))
    refresh_facts(classification)
    classification.refresh_from_db()
    unit = classification.unit
    return render(request, "movement/classification.html", {
        "classification": classification, "unit": unit,
        "scores": classification.scores.select_related("item").prefetch_related("files").order_by("item__position"),
        "can_self_score": _may(request, unit, Action.CHANGE) and classification.status in (
            Classification.Status.DRAFT, Classification.Status.SUBMITTED),
        "can_appraise": _above(request, unit, Action.CHANGE) and classification.status in (
            Classification.Status.SUBMITTED, Classification.Status.APPRAISED),
        "can_approve": (_above(request, unit, Action.APPROVE)
                        and classification.status == Classification.Status.APPRAISED),
        "deadline": classification_deadline(SUBJECT_OF_KIND[unit.kind], classification.year),
        "window": evaluation_window(SUBJECT_OF_KIND[unit.kind], classification.year),
        "history": _history(classification),
    })


def _classification_step(request: HttpRequest, ctx: AuditContext, classification: Classification) -> None:
    action = request.POST.get("action")
    version = int(request.POST.get("version") or 0) or None
    codes = list(classification.scores.filter(item__auto_source="").values_list("item__code", flat=True))
    if action in ("save", "submit"):
        evidence = {code: request.POST.get(f"evidence-{code}", "") for code in codes}
        self_score(ctx=ctx, classification=classification, points=_points(request, "self", codes), evidence=evidence,
                   submit=action == "submit", expected_version=version)
    elif action == "appraise":
        reasons = {code: request.POST.get(f"reason-{code}", "") for code in codes}
        appraise(ctx=ctx, classification=classification, points=_points(request, "appraised", codes),
                 reasons=reasons, expected_version=version)
    elif action == "approve":
        approve(ctx=ctx, classification=classification, expected_version=version)
    elif action == "evidence":
        score = classification.scores.filter(item__code=request.POST.get("item", "")).first()
        upload = request.FILES.get("file")
        if score is None or upload is None:
            raise ValidationError(_("Choose an item and a file."))
        evidence_attach(ctx=ctx, target=score, name=upload.name or "", handle=upload)
    else:
        raise Http404()


class RegistrationForm(forms.Form):
    registered_on = forms.DateField(label=gettext_lazy("Registered on"), widget=DATE)
    households = forms.IntegerField(label=gettext_lazy("Households"), min_value=0, required=False)
    households_registered = forms.IntegerField(label=gettext_lazy("Households registered"), min_value=0,
                                               required=False)


@login_required
def standard_register_view(request: HttpRequest, unit_pk: int, year: int) -> HttpResponse:
    unit, year = _changeable(request, unit_pk), _checked_year(year)
    form = RegistrationForm(request.POST)
    if form.is_valid():
        try:
            standard_register(ctx=audit_context(request), unit=unit, year=year, **form.cleaned_data)
            messages.success(request, _("Registered."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        form_problems(request, form)
    return _back(unit, year)


@login_required
def standard_start_view(request: HttpRequest, unit_pk: int, year: int) -> HttpResponse:
    return _open(request, unit_pk, year, standard_evaluation_start, "standard_detail")


class DecisionForm(forms.Form):
    recognise = forms.TypedChoiceField(label=gettext_lazy("Decision"), coerce=lambda v: v == "yes",
                                       choices=[("yes", gettext_lazy("Recognise")),
                                                ("no", gettext_lazy("Not met"))])
    decision_no = forms.CharField(label=gettext_lazy("Decision number"), max_length=50)
    decision_date = forms.DateField(label=gettext_lazy("Decision date"), widget=DATE)
    signer = forms.CharField(label=gettext_lazy("Signed by"), max_length=200)


@login_required
def standard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = scoped_get(StandardEvaluation.objects.select_related("unit", "rule_set"), request, pk=pk)
    ctx = audit_context(request)
    decision = DecisionForm(request.POST if request.POST.get("action") == "decide" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "check":
                codes = list(evaluation.checks.filter(criterion__auto_source="")
                             .values_list("criterion__code", flat=True))
                standard_check(ctx=ctx, evaluation=evaluation,
                               results={c: request.POST.get(f"met-{c}") == "yes" for c in codes
                                        if request.POST.get(f"met-{c}") in ("yes", "no")},
                               evidence={c: request.POST.get(f"evidence-{c}", "") for c in codes})
            elif request.POST.get("action") == "decide" and decision.is_valid():
                standard_decide(ctx=ctx, evaluation=evaluation, **decision.cleaned_data)
            elif request.POST.get("action") == "evidence":
                check = evaluation.checks.filter(criterion__code=request.POST.get("criterion", "")).first()
                upload = request.FILES.get("file")
                if check is None or upload is None:
                    raise ValidationError(_("Choose an item and a file."))
                evidence_attach(ctx=ctx, target=check, name=upload.name or "", handle=upload)
            elif request.POST.get("action") != "decide":
                raise Http404()
            if not decision.errors:
                messages.success(request, _("Saved."))
                return redirect("standard_detail", pk=pk)
        except ValidationError as exc:
            if request.POST.get("action") == "decide":
                form_errors_from(decision, exc)
            else:
                messages.error(request, " ".join(exc.messages))
    refresh_checks(evaluation)
    unit = evaluation.unit
    return render(request, "movement/standard.html", {
        "evaluation": evaluation, "unit": unit,
        "checks": evaluation.checks.select_related("criterion").prefetch_related("files")
        .order_by("criterion__position"),
        "seventy": seventy_percent(unit, evaluation.year) if unit.kind == "commune" else None,
        "can_check": _may(request, unit, Action.CHANGE) and evaluation.result == StandardEvaluation.Result.PENDING,
        "decision": decision if _above(request, unit, Action.APPROVE)
        and evaluation.result == StandardEvaluation.Result.PENDING else None,
        "window": evaluation_window(SUBJECT_OF_KIND.get(unit.kind, ""), evaluation.year),
        "history": _history(evaluation),
    })


@login_required
def standard_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = scoped_get(StandardEvaluation.objects.select_related("unit"), request, pk=pk)
    if evaluation.result != StandardEvaluation.Result.RECOGNISED:
        raise Http404()
    return render(request, "movement/certificate.html", {"evaluation": evaluation, "unit": evaluation.unit})


class TeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Team name"), max_length=200)
    decision_no = forms.CharField(label=gettext_lazy("Establishing decision"), max_length=50)
    decision_date = forms.DateField(label=gettext_lazy("Decision date"), widget=DATE)
    hardship_area = forms.BooleanField(label=gettext_lazy("Hardship area"), required=False)


@login_required
def team_create_view(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = _changeable(request, unit_pk)
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = team_create(ctx=audit_context(request), unit=unit, **form.cleaned_data)
            return redirect("team_detail", pk=team.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        form_problems(request, form)
    return _back(unit, timezone.localdate().year)


class MemberForm(forms.ModelForm):
    class Meta:
        model = TeamMember
        fields = ["full_name", "birth_year", "sex", "role", "education", "resident_since", "joined_on",
                  "age_override"]
        widgets = {"resident_since": DATE, "joined_on": DATE}


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = scoped_get(SecurityTeam.objects.select_related("unit"), request, pk=pk)
    can_change = _may(request, team.unit, Action.CHANGE)
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
        "ratings": team.ratings.order_by("-year"), "history": _history(team)})


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
        team_rate(ctx=ctx, team=team, year=_checked_year(year), level=request.POST.get("level", ""))
        return True
    member = team.members.filter(pk=request.POST.get("member") or 0).first()
    if member is None:
        raise Http404()
    if action == "rate_member":
        member_rate(ctx=ctx, member=member, year=_checked_year(year), level=request.POST.get("level", ""),
                    transferred_in=request.POST.get("transferred_in") == "on")
    elif action == "leave":
        left_on = forms.DateField().clean(request.POST.get("left_on"))
        member_leave(ctx=ctx, member=member, left_on=left_on, reason=request.POST.get("reason", ""))
    else:
        raise Http404()
    return True


class ReportForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in REPORT_FIELDS.items():
            self.fields[name] = forms.IntegerField(label=label, min_value=0)


@login_required
def report_view(request: HttpRequest, unit_pk: int, spec: str) -> HttpResponse:
    unit = scoped_get(Unit.objects.all(), request, pk=unit_pk)
    report = MovementReport.objects.filter(unit=unit, spec=spec).first()
    ctx = audit_context(request)
    action = request.POST.get("action")
    form = ReportForm(request.POST if action in ("save", "submit") else None,
                      initial=report.figures if report else None)
    if request.method == "POST":
        try:
            if action in ("save", "submit"):
                if not _may(request, unit, Action.CHANGE):
                    raise Http404()
                if form.is_valid():
                    report_save(ctx=ctx, unit=unit, spec=spec, figures=form.cleaned_data, submit=action == "submit",
                                expected_version=report.version if report else None)
                    messages.success(request, _("Saved."))
                    return redirect("movement_report", unit_pk=unit.pk, spec=spec)
            elif action == "approve" and report is not None:
                report_approve(ctx=ctx, report=report)
                return redirect("movement_report", unit_pk=unit.pk, spec=spec)
            elif action == "reopen" and report is not None:
                report_reopen(ctx=ctx, report=report, reason=request.POST.get("reason", ""))
                return redirect("movement_report", unit_pk=unit.pk, spec=spec)
            else:
                raise Http404()
        except ValidationError as exc:
            if action in ("save", "submit"):
                form_errors_from(form, exc)
            else:
                messages.error(request, " ".join(exc.messages))
    status = report.status if report else None
    return render(request, "movement/report.html", {
        "unit": unit, "spec": spec, "report": report, "form": form,
        "can_edit": _may(request, unit, Action.CHANGE) and status != MovementReport.Status.APPROVED,
        "can_approve": _above(request, unit, Action.APPROVE) and status == MovementReport.Status.SUBMITTED,
        "can_reopen": _above(request, unit, Action.APPROVE) and status == MovementReport.Status.APPROVED,
        "history": _history(report) if report else [],
    })


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


IMPORTS: dict[str, dict[str, Any]] = {
    "reports": {"run": import_reports, "template": report_template, "file": "antq-mau-bao-cao-phong-trao.xlsx",
                "title": gettext_lazy("Import movement reports"),
                "intro": gettext_lazy("One row per unit and period (YYYY-MM on the Ministry's 15th-to-14th months, "
                                      "YYYY-Qn or YYYY), every figure a whole number. Nothing is saved unless every "
                                      "row is correct; a row for a report already there replaces its figures unless "
                                      "it is approved and locked.")},
    "members": {"run": import_members, "template": member_template, "file": "antq-mau-thanh-vien-to-bao-ve.xlsx",
                "title": gettext_lazy("Import members of security teams"),
                "intro": gettext_lazy("One row per member of an existing team (its name and the code of its village "
                                      "or residential group). Every membership condition is checked; nothing is "
                                      "saved unless every row is correct.")},
}


def _import_kind(kind: str) -> dict[str, Any]:
    if kind not in IMPORTS:
        raise Http404()
    return IMPORTS[kind]


@login_required
def movement_import(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _import_kind(kind)
    if not Unit.objects.restrict(request.user, Action.CHANGE).exists():
        raise Http404()
    form = UnitImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = spec["run"](ctx=audit_context(request), handle=form.cleaned_data["file"],
                             dry_run=form.cleaned_data["dry_run"])
        if result.ok and not result.dry_run:
            messages.success(request, _("%(new)d new and %(updated)d updated rows saved.")
                             % {"new": result.created, "updated": result.updated})
            return redirect("movement_home")
    return render(request, "movement/import.html", {"form": form, "result": result, "kind": kind, **spec})


@login_required
def movement_import_template(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _import_kind(kind)
    return _xlsx(spec["template"](), spec["file"])


@login_required
def results_export(request: HttpRequest, unit_pk: int, year: int) -> HttpResponse:
    unit = scoped_get(Unit.objects.all(), request, pk=unit_pk)
    return _xlsx(results_workbook(unit, _checked_year(year), request.user), f"antq-phong-trao-{unit.code}-{year}.xlsx")


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
    unit = _changeable(request, unit_pk)
    form = SiteForm(request.POST, unit=unit, user=request.user)
    if form.is_valid():
        try:
            site = model_site_create(ctx=audit_context(request), unit=unit, **form.cleaned_data)
            return redirect("site_detail", pk=site.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        form_problems(request, form)
    return _back(unit, timezone.localdate().year)


class ModelTeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Team name"), max_length=200)
    members = forms.IntegerField(label=gettext_lazy("Members"), min_value=1)
    started_on = forms.DateField(label=gettext_lazy("Started on"), widget=DATE)


class RecognitionForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("Recognised on"), widget=DATE)
    decision = forms.CharField(label=gettext_lazy("Recognition decision"), max_length=50)


@login_required
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    site = scoped_get(ModelSite.objects.select_related("unit", "model_type", "replicated_from__unit"), request, pk=pk)
    action = request.POST.get("action")
    team_form = ModelTeamForm(request.POST if action == "team" else None)
    recognition = RecognitionForm(request.POST if action == "recognise" else None)
    if request.method == "POST":
        try:
            if action == "team" and _may(request, site.unit, Action.CHANGE) and team_form.is_valid():
                model_team_create(ctx=audit_context(request), site=site, **team_form.cleaned_data)
                return redirect("site_detail", pk=pk)
            if action == "recognise" and _above(request, site.unit, Action.APPROVE) and recognition.is_valid():
                model_site_recognise(ctx=audit_context(request), site=site, **recognition.cleaned_data)
                return redirect("site_detail", pk=pk)
            if action not in ("team", "recognise"):
                raise Http404()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return render(request, "movement/site.html", {
        "site": site, "teams": site.teams.order_by("name"), "replications": site.replications.select_related("unit"),
        "team_form": team_form if _may(request, site.unit, Action.CHANGE) else None,
        "recognition": recognition if _above(request, site.unit, Action.APPROVE) else None,
        "history": _history(site)})


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, to those who see its unit only; always a download, never shown inline."""
    evidence = scoped_get(Evidence.objects.all(), request, pk=pk)
    path = evidence_path(evidence)
    if not path.is_file():
        raise Http404()
    return FileResponse(path.open("rb"), as_attachment=True, filename=evidence.name,
                        content_type=evidence.content_type)
