"""The police side of citizens' reports: the triage list of the user's area with bulk
actions, the overdue list, a report with its files (served only to the handling unit),
classification, assignment, duplicates, transfer, extensions and the decision with the
notice the reporter reads. The reporter's contact is shown only to the unit's secretariat."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antq.core.scoping import Action, all_in_scope
from antq.tipoffs.models import Decision, Tip
from antq.tipoffs.services import attachment_dir, officers_of, overdue, tip_decide, tip_extend, tip_transfer, tip_triage
from antq.units.models import Unit
from antq.web.forms import VersionedForm
from antq.web.scoped import audit_context, posted_version, scoped_get
from antq.web.views.movement_common import DATE, may


@login_required
def tip_list(request: HttpRequest) -> HttpResponse:
    tips = Tip.objects.restrict(request.user).select_related("unit", "assigned_to")
    if request.method == "POST":
        chosen = all_in_scope(tips, (int(v) for v in request.POST.getlist("tip") if v.isdigit()))
        if not chosen:
            messages.error(request, _("Choose the reports."))
            return redirect("tip_list")
        try:
            _bulk(request, request.POST.get("op", ""), chosen, tips)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("tip_list")
    status = request.GET.get("status", "")
    shown = overdue(tips) if status == "overdue" else tips.filter(status=status) if status in Tip.Status.values \
        else tips
    return render(request, "tipoffs/list.html", {"tips": shown[:300], "status": status,
                                                  "statuses": Tip.Status.choices, "today": timezone.localdate(),
                                                  "overdue_count": overdue(tips).count()})


@transaction.atomic
def _bulk(request: HttpRequest, op: str, chosen: list[Tip], tips: QuerySet[Tip]) -> None:
    """One action on every chosen report, all or none."""
    ctx = audit_context(request)
    original = None
    if op == "duplicate":
        raw = request.POST.get("duplicate_of", "")
        original = tips.filter(pk=int(raw)).first() if raw.isdigit() else None
        if original is None:
            raise ValidationError(_("Choose another report your unit handles."))
    target = None
    if op == "transfer":
        target = Unit.objects.valid_on(timezone.localdate()).filter(code=request.POST.get("to_code", "").strip()
                                                                    ).first()
        if target is None:
            raise ValidationError(_("No unit with this code on today's map."))
    for tip in chosen:
        if op == "assign_me":
            tip_triage(ctx=ctx, tip=tip, assigned_to=request.user)
        elif op == "classify":
            tip_triage(ctx=ctx, tip=tip, classification=request.POST.get("classification", ""))
        elif op == "duplicate" and tip != original:
            tip_triage(ctx=ctx, tip=tip, duplicate_of=original)
        elif op == "transfer" and target is not None:
            tip_transfer(ctx=ctx, tip=tip, to=target, reason=request.POST.get("reason", ""))
        elif op not in ("duplicate", "transfer"):
            raise Http404()


class TransferForm(VersionedForm):
    to_code = forms.CharField(label=gettext_lazy("To the unit (code)"), max_length=32)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class ExtendForm(VersionedForm):
    until = forms.DateField(label=gettext_lazy("New deadline"), widget=DATE)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class DecideForm(VersionedForm):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=Decision.choices)
    notice = forms.CharField(label=gettext_lazy("Result notice to the reporter"),
                             widget=forms.Textarea(attrs={"rows": 4}))


@login_required
def tip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tip = scoped_get(Tip.objects.select_related("unit", "assigned_to"), request, pk=pk)
    op = request.POST.get("op", "")
    shown = {"version": tip.version}
    transfer = TransferForm(request.POST if op == "transfer" else None, initial=shown)
    extend = ExtendForm(request.POST if op == "extend" else None, initial=shown)
    decide = DecideForm(request.POST if op == "decide" else None, initial=shown)
    if request.method == "POST":
        if not may(request, tip.unit, Action.CHANGE):
            raise Http404()
        try:
            if _act(request, tip, op, transfer, extend, decide):
                # After a transfer the report belongs to another unit: back to the list.
                return redirect("tip_list") if op == "transfer" else redirect("tip_detail", pk=pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return render(request, "tipoffs/detail.html", {
        "tip": tip, "attachments": tip.attachments.all(), "can_change": may(request, tip.unit, Action.CHANGE),
        "sees_contact": may(request, tip.unit, Action.VIEW_SENSITIVE), "transfer": transfer, "extend": extend,
        "decide": decide, "today": timezone.localdate(), "officers": officers_of(tip.unit)})


def _act(request: HttpRequest, tip: Tip, op: str, transfer: TransferForm, extend: ExtendForm,
         decide: DecideForm) -> bool:
    ctx = audit_context(request)
    if op == "triage":
        duplicate = request.POST.get("duplicate_of", "")
        other = Tip.objects.restrict(request.user).filter(pk=int(duplicate)).first() if duplicate.isdigit() else None
        if duplicate and other is None:
            raise ValidationError(_("Choose another report your unit handles."))
        raw = request.POST.get("assigned_to", "")
        officer = officers_of(tip.unit).filter(pk=int(raw)).first() if raw.isdigit() else None
        if raw.isdigit() and officer is None:
            raise ValidationError(_("Assign the report to an officer of the handling unit."))
        tip_triage(ctx=ctx, tip=tip, classification=request.POST.get("classification"),
                   assigned_to=officer or (request.user if request.POST.get("assign_me") else None),
                   duplicate_of=other, expected_version=posted_version(request))
        return True
    if op == "transfer" and transfer.is_valid():
        to = Unit.objects.valid_on(timezone.localdate()).filter(code=transfer.cleaned_data["to_code"].strip()).first()
        if to is None:
            raise ValidationError(_("No unit with this code on today's map."))
        tip_transfer(ctx=ctx, tip=tip, to=to, reason=transfer.cleaned_data["reason"],
                     expected_version=transfer.expected_version)
        return True
    if op == "extend" and extend.is_valid():
        tip_extend(ctx=ctx, tip=tip, expected_version=extend.expected_version, **extend.values())
        return True
    if op == "decide" and decide.is_valid():
        tip_decide(ctx=ctx, tip=tip, expected_version=decide.expected_version, **decide.values())
        return True
    if op not in ("transfer", "extend", "decide"):
        raise Http404()
    return False


@login_required
def tip_file(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """An attachment, for the unit handling the report only (404 for everyone else)."""
    tip = scoped_get(Tip.objects.all(), request, pk=pk)
    attachment = tip.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404()
    path = attachment_dir() / attachment.stored_name
    response = FileResponse(path.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{attachment.stored_name}"'
    return response


