"""Award pages: a cluster's ranking and proposals with the decision that freezes them, a
decision with its awards, and each award's printed certificate (PDF)."""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from antq.awards.certificates import PdfUnavailable, certificate_pdf
from antq.awards.clusters import (
    cluster_change,
    cluster_create,
    cluster_ranking,
    proposals_decide,
    proposals_refresh,
)
from antq.awards.dossier import KINDS, dossier_docx
from antq.awards.models import Award, Cluster, Conference, Decision, ManualScore, Plan, Source, Task
from antq.awards.plans import plan_progress, target_value_now, task_progress
from antq.awards.services import decision_revoke
from antq.core.scoping import Action, path_in_scope, user_scope_paths
from antq.units.models import Unit
from antq.web.scoped import audit_context, scoped_get

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DecideForm(forms.Form):
    decided_on = forms.DateField(label=gettext_lazy("Decision date"), widget=DATE)
    signer = forms.CharField(label=gettext_lazy("Signed by"), max_length=200)


class ClusterForm(forms.Form):
    province = forms.ModelChoiceField(label=gettext_lazy("Province"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)


def _approving_provinces(request: HttpRequest) -> Any:
    return Unit.objects.restrict(request.user, Action.APPROVE).filter(kind="province").order_by("-valid_from",
                                                                                                 "name")


@login_required
def awards_home(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    provinces = _approving_provinces(request)
    form = ClusterForm(request.POST or None, initial={"year": year})
    form.fields["province"].queryset = provinces  # type: ignore[attr-defined]
    if request.method == "POST":
        if not provinces.exists():
            raise Http404()
        if form.is_valid():
            cluster = cluster_create(ctx=audit_context(request), **form.cleaned_data)
            return redirect("cluster_detail", pk=cluster.pk)
    return render(request, "awards/home.html", {
        "clusters": Cluster.objects.restrict(request.user).select_related("province").order_by("-year", "name")[:100],
        "decisions": Decision.objects.restrict(request.user).select_related("issuer")[:100], "year": year,
        "plans": Plan.objects.restrict(request.user).select_related("unit")[:50],
        "cluster_form": form if provinces.exists() else None,
        "conferences": Conference.objects.restrict(request.user).select_related("unit")[:50]})


@login_required
def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = scoped_get(Cluster.objects.select_related("province"), request, pk=pk)
    can_decide = path_in_scope(cluster.province.path, user_scope_paths(request.user, Action.APPROVE))
    action = request.POST.get("action", "decide")
    form = DecideForm(request.POST if action == "decide" else None)
    if request.method == "POST":
        if not can_decide:
            raise Http404()
        if action != "decide":
            try:
                _cluster_edit(request, cluster, action)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            return redirect("cluster_detail", pk=pk)
        if form.is_valid():
            try:
                decision = proposals_decide(ctx=audit_context(request), cluster=cluster, **form.cleaned_data)
                return redirect("decision_detail", pk=decision.pk)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
    ranking = cluster_ranking(cluster)
    proposals = proposals_refresh(cluster, ranking)
    return render(request, "awards/cluster.html", {
        "cluster": cluster, "ranking": ranking, "criteria": cluster.criteria.order_by("position"),
        "proposals": proposals, "frozen": any(p.frozen for p in proposals), "dossier": KINDS,
        "form": form if can_decide and not any(p.frozen for p in proposals) else None,
        "editable": can_decide and not any(p.frozen for p in proposals), "sources": Source.choices,
        "members": cluster.members.select_related("unit").order_by("unit__name"),
        "manual": cluster.criteria.filter(source=Source.MANUAL).order_by("position"),
        "scores": {(s.criterion_id, s.member_id): s.value for s in ManualScore.objects.filter(
            criterion__cluster=cluster)}})


def _cluster_edit(request: HttpRequest, cluster: Cluster, action: str) -> None:
    ctx = audit_context(request)
    if action == "member":
        cluster_change(ctx=ctx, cluster=cluster, member_code=request.POST.get("code", ""))
    elif action == "criterion":
        try:
            weight = Decimal(request.POST.get("weight", "").replace(",", "."))
        except InvalidOperation as exc:
            raise ValidationError(_("The weight is a number.")) from exc
        cluster_change(ctx=ctx, cluster=cluster, criterion=(request.POST.get("name", ""), weight,
                                                             request.POST.get("source", "")))
    elif action == "scores":
        scores: dict[tuple[int, int], Decimal] = {}
        for key in request.POST:
            raw = request.POST.get(key, "")
            if key.startswith("score-") and raw.strip():
                _prefix, criterion_id, member_id = key.split("-")
                try:
                    scores[(int(criterion_id), int(member_id))] = Decimal(raw.replace(",", "."))
                except (ValueError, InvalidOperation) as exc:
                    raise ValidationError(_("Scores are numbers.")) from exc
        cluster_change(ctx=ctx, cluster=cluster, scores=scores)
    elif action == "vote":
        cluster_change(ctx=ctx, cluster=cluster, vote_record=request.POST.get("vote_record", ""))
    else:
        raise Http404()


class RevokeForm(forms.Form):
    revoking = forms.ModelChoiceField(label=gettext_lazy("Revoking decision"), queryset=Decision.objects.none())
    reason = forms.CharField(label=gettext_lazy("Reason for revocation"), max_length=300)


@login_required
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = scoped_get(Decision.objects.select_related("issuer"), request, pk=pk)
    can_revoke = path_in_scope(decision.issuer.path, user_scope_paths(request.user, Action.APPROVE))
    form = RevokeForm(request.POST or None)
    form.fields["revoking"].queryset = Decision.objects.filter(  # type: ignore[attr-defined]
        issuer=decision.issuer).exclude(pk=decision.pk)
    if request.method == "POST":
        if not can_revoke:
            raise Http404()
        if form.is_valid():
            try:
                decision_revoke(ctx=audit_context(request), decision=decision, reason=form.cleaned_data["reason"],
                                by=form.cleaned_data["revoking"])
                return redirect("decision_detail", pk=pk)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
    return render(request, "awards/decision.html", {
        "decision": decision, "awards": decision.awards.select_related("award_type", "unit").order_by("pk"),
        "revoke": form if can_revoke else None})


@login_required
def award_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    award = scoped_get(Award.objects.select_related("decision", "award_type", "unit"), request, pk=pk)
    if award.status != Award.Status.ACTIVE:
        messages.error(request, _("A revoked award has no certificate."))
        return redirect("decision_detail", pk=award.decision_id)
    try:
        pdf = certificate_pdf(award)
    except PdfUnavailable as exc:
        messages.error(request, _("The PDF cannot be made on this server (%(why)s); ask the operator to install "
                                  "pango.") % {"why": exc})
        return redirect("decision_detail", pk=award.decision_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="giay-khen-{award.pk}.pdf"'
    return response


@login_required
def decision_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision's award list as XLSX (the annex of the decision)."""
    decision = scoped_get(Decision.objects.select_related("issuer"), request, pk=pk)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách khen thưởng")
    sheet.append([f"Quyết định số {decision} ngày {decision.decided_on:%d/%m/%Y}: {decision.title}"])
    sheet.append(["STT", "Hình thức", "Tập thể / đơn vị", "Cá nhân", "Năm sinh", "Tiền thưởng (đồng)", "Trạng thái"])
    with translation.override("vi"):
        for number, award in enumerate(decision.awards.select_related("award_type", "unit").order_by("pk"), start=1):
            sheet.append([number, award.award_type.name, award.unit.name, award.person_name, award.person_birth_year,
                          award.amount, award.get_status_display()])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"danh-sach-khen-thuong-{decision.year}-{decision.number:02d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def cluster_dossier(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """One document of the cluster's award dossier, as DOCX."""
    cluster = scoped_get(Cluster.objects.select_related("province"), request, pk=pk)
    if kind not in KINDS:
        raise Http404()
    response = HttpResponse(dossier_docx(cluster, kind), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{kind}-{cluster.year}-{cluster.pk}.docx"'
    return response


class ProgressForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("Date"), widget=DATE)
    percent = forms.IntegerField(label=gettext_lazy("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(label=gettext_lazy("What was done"), max_length=500)
    evidence = forms.CharField(label=gettext_lazy("Evidence"), max_length=300, required=False)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_get(Plan.objects.select_related("unit"), request, pk=pk)
    form = ProgressForm(request.POST or None)
    if request.method == "POST":
        task = plan.tasks.filter(pk=request.POST.get("task") or 0).select_related("lead").first()
        if task is None or not path_in_scope(task.lead.path, user_scope_paths(request.user, Action.CHANGE)):
            raise Http404()
        if form.is_valid():
            try:
                task_progress(ctx=audit_context(request), task=task, **form.cleaned_data)
                return redirect("plan_detail", pk=pk)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
    tasks = plan.tasks.select_related("lead").prefetch_related("progress", "coordinating")
    return render(request, "awards/plan.html", {
        "plan": plan, "progress": plan_progress(plan), "form": form,
        "tasks": [{"task": t, "target_now": target_value_now(t),
                   "can_report": path_in_scope(t.lead.path, user_scope_paths(request.user, Action.CHANGE))}
                  for t in tasks]})


@login_required
def conference_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conference = scoped_get(Conference.objects.select_related("unit"), request, pk=pk)
    return render(request, "awards/conference.html", {
        "conference": conference, "decisions": conference.decisions.order_by("number")})


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
