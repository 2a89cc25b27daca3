"""The movement's pages: a unit's year (classification results, the standard, models, teams,
reports), a classification's scoring sheet (self-score → appraisal → approval), a standard
evaluation with its checklist and decision, evidence files. Teams and model sites are in
`movement_groups`, reports and spreadsheets in `movement_reports`. Every object comes
through `scoped_get`; every write through a movement service."""

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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antq.core.audit import AuditContext
from antq.core.scoping import Action
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
from antq.movement.models import (
    Classification,
    Evidence,
    ModelSite,
    SecurityTeam,
    StandardEvaluation,
    StandardRegistration,
)
from antq.movement.reports import period_completeness
from antq.movement.self_managed import (
    model_counts,
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
    year_asked,
)
from antq.web.views.movement_groups import SiteForm, TeamForm


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
    year = year_asked(request)
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
        "site_form": SiteForm(unit=unit, user=request.user) if may(request, unit, Action.CHANGE) else None,
        "households": households,
        "per_thousand": round(model_counts_now.sites * 1000 / households, 2) if households else None,
        "teams": SecurityTeam.objects.restrict(request.user).filter(unit__path__startswith=unit.path,
                                                                    dissolved_on__isnull=True)
        .select_related("unit"),
        "report_spec": month_spec,
        "completeness": period_completeness(unit, month_spec, visible),
        "deadline": classification_deadline(subject, year) if subject else None,
        "overdue": overdue_units(visible, unit, year, today),
        "can_change": may(request, unit, Action.CHANGE),
        "team_form": TeamForm() if unit.kind == "village" and may(request, unit, Action.CHANGE) else None,
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


def _open(request: HttpRequest, unit_pk: int, year: int, start: Callable[..., Any], page: str) -> HttpResponse:
    """Open the unit's sheet of the year through its service, then show it (or say why not)."""
    unit, year = changeable(request, unit_pk), checked_year(year)
    try:
        opened = start(ctx=audit_context(request), unit=unit, year=year)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back_home(unit, year)
    return redirect(page, pk=opened.pk)


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
        "can_self_score": may(request, unit, Action.CHANGE) and classification.status in (
            Classification.Status.DRAFT, Classification.Status.SUBMITTED),
        "can_appraise": above(request, unit, Action.CHANGE) and classification.status in (
            Classification.Status.SUBMITTED, Classification.Status.APPRAISED),
        "can_approve": (above(request, unit, Action.APPROVE)
                        and classification.status == Classification.Status.APPRAISED),
        "deadline": classification_deadline(SUBJECT_OF_KIND[unit.kind], classification.year),
        "window": evaluation_window(SUBJECT_OF_KIND[unit.kind], classification.year),
        "history": history_of(classification),
    })


def _classification_step(request: HttpRequest, ctx: AuditContext, classification: Classification) -> None:
    action = request.POST.get("action")
    version = posted_version(request)
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
    unit, year = changeable(request, unit_pk), checked_year(year)
    form = RegistrationForm(request.POST)
    if form.is_valid():
        try:
            standard_register(ctx=audit_context(request), unit=unit, year=year, **form.cleaned_data)
            messages.success(request, _("Registered."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        form_problems(request, form)
    return back_home(unit, year)


@login_required
def standard_start_view(request: HttpRequest, unit_pk: int, year: int) -> HttpResponse:
    return _open(request, unit_pk, year, standard_evaluation_start, "standard_detail")


class DecisionForm(VersionedForm):
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
    decision = DecisionForm(request.POST if request.POST.get("action") == "decide" else None,
                            initial={"version": evaluation.version})
    if request.method == "POST":
        try:
            if request.POST.get("action") == "check":
                codes = list(evaluation.checks.filter(criterion__auto_source="")
                             .values_list("criterion__code", flat=True))
                standard_check(ctx=ctx, evaluation=evaluation,
                               results={c: request.POST.get(f"met-{c}") == "yes" for c in codes
                                        if request.POST.get(f"met-{c}") in ("yes", "no")},
                               evidence={c: request.POST.get(f"evidence-{c}", "") for c in codes},
                               expected_version=posted_version(request))
            elif request.POST.get("action") == "decide" and decision.is_valid():
                standard_decide(ctx=ctx, evaluation=evaluation, expected_version=decision.expected_version,
                                **decision.values())
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
        "can_check": may(request, unit, Action.CHANGE) and evaluation.result == StandardEvaluation.Result.PENDING,
        "decision": decision if above(request, unit, Action.APPROVE)
        and evaluation.result == StandardEvaluation.Result.PENDING else None,
        "window": evaluation_window(SUBJECT_OF_KIND.get(unit.kind, ""), evaluation.year),
        "history": history_of(evaluation),
    })


@login_required
def standard_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = scoped_get(StandardEvaluation.objects.select_related("unit"), request, pk=pk)
    if evaluation.result != StandardEvaluation.Result.RECOGNISED:
        raise Http404()
    return render(request, "movement/certificate.html", {"evaluation": evaluation, "unit": evaluation.unit})


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, to those who see its unit only; always a download, never shown inline."""
    evidence = scoped_get(Evidence.objects.all(), request, pk=pk)
    path = evidence_path(evidence)
    if not path.is_file():
        raise Http404()
    return FileResponse(path.open("rb"), as_attachment=True, filename=evidence.name,
                        content_type=evidence.content_type)
