"""Periodic movement reports (monthly, quarterly, yearly on the Ministry's 15→14 scheme): a
declared data set per unit and period, checked on entry, submitted by the unit, approved and
locked by the level above, which alone may reopen it for a late correction (with a reason).
Completeness and timeliness per unit feed the rubric ("báo cáo đúng hạn")."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antq.core.audit import AuditContext, record_change, save_versioned, snapshot
from antq.core.models import ChangeRecord
from antq.core.periods import PeriodError, month_periods, period_from_spec
from antq.core.scoping import Action
from antq.core.versioning import check_version, create_first, lock_current
from antq.movement.classification import check_above, check_in_scope
from antq.movement.models import MovementReport
from antq.units.models import Unit

Status = MovementReport.Status
GRACE_DAYS = 3  # a period's report is due three days after its end (the 17th for MPS months)

REPORT_FIELDS: dict[str, Any] = {
    "propaganda_sessions": gettext_lazy("Propaganda sessions"),
    "propaganda_attendees": gettext_lazy("Propaganda attendees"),
    "meetings": gettext_lazy("Meetings and dialogues with the people"),
    "people_reports": gettext_lazy("Reports from the people"),
    "crimes_detected_by_people": gettext_lazy("Crimes detected thanks to the people"),
    "hotspots": gettext_lazy("Complex security hotspots"),
    "new_models": gettext_lazy("New self-managed models"),
    "active_teams": gettext_lazy("Active self-managed teams"),
}


def figures_errors(figures: dict[str, Any]) -> dict[str, str]:
    """Every field a whole number ≥ 0; attendees ≥ sessions; detected ≤ reports."""
    errors: dict[str, str] = {}
    unknown = set(figures) - set(REPORT_FIELDS)
    for name in sorted(unknown):
        errors[name] = _("Unknown field.")
    for name in REPORT_FIELDS:
        value = figures.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[name] = _("A whole number ≥ 0 is required.")
    if errors:
        return errors
    if figures["propaganda_attendees"] < figures["propaganda_sessions"]:
        errors["propaganda_attendees"] = _("Fewer attendees than sessions.")
    if figures["crimes_detected_by_people"] > figures["people_reports"]:
        errors["crimes_detected_by_people"] = _("More crimes detected thanks to the people than reports received.")
    return errors


def _period(spec: str) -> tuple[datetime.date, datetime.date]:
    try:
        period = period_from_spec(spec, "mps")
    except PeriodError as exc:
        raise ValidationError({"spec": str(exc)}) from exc
    if period.spec.endswith("-CUM") or "-H" in period.spec:
        raise ValidationError({"spec": _("Reports are monthly, quarterly or yearly.")})
    return period.start, period.end


@transaction.atomic
def report_save(*, ctx: AuditContext, unit: Unit, spec: str, figures: dict[str, Any], submit: bool = False,
                expected_version: int | None = None, submitted_on: datetime.date | None = None) -> MovementReport:
    """Save the figures (and with `submit`, send them up). `submitted_on` backdates a
    submission when an operator loads past reports from paper (never from the web or API)."""
    check_in_scope(ctx, unit)
    start, end = _period(spec)
    today = timezone.localdate()
    if start > today:
        raise ValidationError({"spec": _("The period has not started yet.")})
    report = MovementReport.objects.select_for_update().filter(unit=unit, spec=spec).first()
    check_version(report, expected_version)
    if report is None:
        report = MovementReport(unit=unit, spec=spec, period_start=start, period_end=end,
                                due_on=end + datetime.timedelta(days=GRACE_DAYS))
    if report.status == Status.APPROVED:
        raise ValidationError(_("The report is approved and locked; ask the level above to reopen it."))
    errors = figures_errors(figures)
    if errors:
        raise ValidationError(errors)
    before = snapshot(report) if report.pk else None
    report.figures = {name: figures[name] for name in REPORT_FIELDS}
    if submit:
        report.status = Status.SUBMITTED
        if submitted_on is not None and not ctx.is_operator:
            raise ValidationError(_("Only an operator loading past reports may set the submission date."))
        # A correction keeps the first submission date.
        report.submitted_on = report.submitted_on or submitted_on or today
        report.submitted_by = ctx.user
    if report.pk:
        report.version += 1
        report.save()
    else:
        create_first(report)
    record_change(ctx, action=ChangeRecord.Action.UPDATE if before else ChangeRecord.Action.CREATE, obj=report,
                  scope_path=unit.path, before=before, after=snapshot(report))
    return report


@transaction.atomic
def report_approve(*, ctx: AuditContext, report: MovementReport,
                   expected_version: int | None = None) -> MovementReport:
    current = lock_current(MovementReport.objects.select_related("unit"), report.pk, expected_version)
    check_above(ctx, current.unit, Action.APPROVE)
    if current.status != Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be approved."))
    before = snapshot(current)
    current.status, current.reopen_reason = Status.APPROVED, ""
    current.approved_by = ctx.user
    save_versioned(ctx, current, scope_path=current.unit.path, before=before, reason="approval")
    return current


@transaction.atomic
def report_reopen(*, ctx: AuditContext, report: MovementReport, reason: str,
                  expected_version: int | None = None) -> MovementReport:
    """The lock's exception: the level above reopens an approved report for a late correction."""
    current = lock_current(MovementReport.objects.select_related("unit"), report.pk, expected_version)
    check_above(ctx, current.unit, Action.APPROVE)
    if current.status != Status.APPROVED:
        raise ValidationError(_("Only an approved report is reopened."))
    if not reason.strip():
        raise ValidationError({"reopen_reason": _("Give the reason for reopening.")})
    before = snapshot(current)
    current.status, current.reopen_reason = Status.SUBMITTED, reason.strip()
    save_versioned(ctx, current, scope_path=current.unit.path, before=before, reason=reason.strip())
    return current


@dataclass(frozen=True)
class Timeliness:
    unit: Unit
    due: int
    submitted: int
    on_time: int

    @property
    def complete(self) -> bool:
        return self.submitted == self.due


def monthly_timeliness(unit: Unit, year: int, today: datetime.date | None = None) -> Timeliness:
    """Of the year's MPS months already due, how many the unit submitted, and on time."""
    today = today or timezone.localdate()
    due = [m.spec for m in month_periods(year, "mps") if m.end + datetime.timedelta(days=GRACE_DAYS) < today]
    reports = MovementReport.objects.filter(unit=unit, spec__in=due).exclude(status=Status.DRAFT)
    return Timeliness(unit, len(due), reports.count(), sum(1 for r in reports if r.on_time))


def period_completeness(parent: Unit, spec: str, units: Any) -> list[tuple[Unit, MovementReport | None]]:
    """The parent's child units valid in the period with their report (None: missing)."""
    _start, end = _period(spec)
    children = list(units.filter(parent=parent).valid_on(end).order_by("name"))
    reports = {r.unit_id: r for r in MovementReport.objects.filter(unit__in=children, spec=spec)}
    return [(child, reports.get(child.pk)) for child in children]
