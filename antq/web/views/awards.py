"""Award pages: a cluster's ranking and proposals with the decision that freezes them, a
decision with its awards, and each award's printed certificate (PDF)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
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

from antq.awards.certificates import PdfUnavailable, certificate_pdf
from antq.awards.clusters import (
    cluster_change,
    cluster_create,
    cluster_decide,
    cluster_ranking,
    proposals_refresh,
)
from antq.awards.dossier import KINDS, dossier_docx
from antq.awards.exports import awards_xlsx
from antq.awards.models import Award, Cluster, Conference, Decision, ManualScore, Plan, Source
from antq.awards.proposals import proposals_review
from antq.awards.services import decision_revoke
from antq.core.scoping import Action, path_in_scope, user_scope_paths
from antq.units.models import Unit
from antq.web.scoped import audit_context, posted_version, scoped_get
from antq.web.views.movement_common import year_asked

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
        if action in ("approve", "return"):
            try:
                proposals_review(ctx=audit_context(request), proposals=proposals_refresh(cluster), action=action,
                                 note=request.POST.get("review_note", ""))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            return redirect("cluster_detail", pk=pk)
        if action != "decide":
            try:
                _cluster_edit(request, cluster, action)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            return redirect("cluster_detail", pk=pk)
        if form.is_valid():
            try:
                decision = cluster_decide(ctx=audit_context(request), cluster=cluster, **form.cleaned_data)
                return redirect("decision_detail", pk=decision.pk)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
    ranking = cluster_ranking(cluster)
    proposals = proposals_refresh(cluster, ranking)
    return render(request, "awards/cluster.html", {
        "cluster": cluster, "ranking": ranking, "criteria": cluster.criteria.order_by("position"),
        "proposals": proposals, "frozen": any(p.frozen for p in proposals), "dossier": KINDS,
        "form": form if can_decide and not any(p.frozen for p in proposals) else None,
        "reviewable": can_decide and any(p.status in ("proposed", "submitted", "approved") for p in proposals
                                         if not p.frozen),
        "all_approved": bool(proposals) and all(p.status == "approved" for p in proposals),
        "editable": can_decide and not any(p.frozen for p in proposals), "sources": Source.choices,
        "members": cluster.members.select_related("unit").order_by("unit__name"),
        "manual": cluster.criteria.filter(source=Source.MANUAL).order_by("position"),
        "scores": {(s.criterion_id, s.member_id): s.value for s in ManualScore.objects.filter(
            criterion__cluster=cluster)}})


def _cluster_edit(request: HttpRequest, cluster: Cluster, action: str) -> None:
    ctx, version = audit_context(request), posted_version(request)
    if action == "member":
        cluster_change(ctx=ctx, cluster=cluster, member_code=request.POST.get("code", ""), expected_version=version)
    elif action == "criterion":
        try:
            weight = Decimal(request.POST.get("weight", "").replace(",", "."))
        except InvalidOperation as exc:
            raise ValidationError(_("The weight is a number.")) from exc
        cluster_change(ctx=ctx, cluster=cluster, criterion=(request.POST.get("name", ""), weight,
                                                             request.POST.get("source", "")),
                       expected_version=version)
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
        cluster_change(ctx=ctx, cluster=cluster, scores=scores, expected_version=version)
    elif action == "vote":
        cluster_change(ctx=ctx, cluster=cluster, vote_record=request.POST.get("vote_record", ""),
                       expected_version=version)
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
    awards = decision.awards.select_related("award_type", "unit", "decision").order_by("pk")
    title = f"Quyết định số {decision} ngày {decision.decided_on:%d/%m/%Y}: {decision.title}"
    response = HttpResponse(awards_xlsx(title, awards), content_type=XLSX)
    name = f"danh-sach-khen-thuong-{decision.year}-{decision.number:02d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def award_list_export(request: HttpRequest) -> HttpResponse:
    """The year's awards to the units the user may see, as XLSX."""
    year = year_asked(request)
    awards = (Award.objects.restrict(request.user).filter(decision__year=year)
              .select_related("award_type", "unit", "decision").order_by("decision__decided_on", "decision__number",
                                                                         "pk"))
    response = HttpResponse(awards_xlsx(f"Danh sách khen thưởng năm {year}", awards), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="khen-thuong-{year}.xlsx"'
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
