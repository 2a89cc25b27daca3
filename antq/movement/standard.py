"""The "An toàn về ANTT" standard (TT 124/2021): Quý I registration, the criteria checklist
(all must be met; automatic criteria from the records), and recognition by the level above
with a numbered decision. A commune is recognised only when every unit it manages has
registered and at least 70% of them are recognised; a refusal names the units."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from antq.core.audit import AuditContext, record_change, save_versioned, snapshot
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.core.versioning import lock_current
from antq.movement.choices import SUBJECT_OF_KIND, Subject
from antq.movement.classification import check_above, check_in_scope
from antq.movement.facts import fact_for, seventy_percent
from antq.movement.models import CriterionCheck, StandardEvaluation, StandardRegistration
from antq.movement.rules import standard_rules_for
from antq.units.models import ADMINISTRATIVE_KINDS, Unit, UnitKind
from antq.units.selectors import province_of

Result = StandardEvaluation.Result


@transaction.atomic
def standard_register(*, ctx: AuditContext, unit: Unit, year: int, registered_on: datetime.date,
                      households: int | None = None, households_registered: int | None = None,
                      note: str = "") -> StandardRegistration:
    check_in_scope(ctx, unit)
    if SUBJECT_OF_KIND.get(unit.kind) in (None, Subject.DISTRICT):
        raise ValidationError(_("Units of this kind do not register for the standard."))
    if households is not None and households_registered is not None and households_registered > households:
        raise ValidationError({"households_registered": _("More households registered than there are.")})
    if StandardRegistration.objects.filter(unit=unit, year=year).exists():
        raise ValidationError(_("%(unit)s has already registered for %(year)s.") % {"unit": unit.name, "year": year})
    registration = StandardRegistration.objects.create(unit=unit, year=year, registered_on=registered_on,
                                                       households=households,
                                                       households_registered=households_registered, note=note)
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=registration, scope_path=unit.path, before=None,
                  after=snapshot(registration))
    return registration


def _state(evaluation: StandardEvaluation) -> dict[str, Any]:
    return {**snapshot(evaluation), "checks": {c.criterion.code: c.met for c in
                                               evaluation.checks.select_related("criterion")}}


@transaction.atomic
def standard_evaluation_start(*, ctx: AuditContext, unit: Unit, year: int) -> StandardEvaluation:
    check_in_scope(ctx, unit)
    existing = StandardEvaluation.objects.filter(unit=unit, year=year).first()
    if existing is not None:
        return existing
    subject = SUBJECT_OF_KIND.get(unit.kind, "")
    rule_set = standard_rules_for(subject, year, province_of(unit))
    if rule_set is None:
        raise ValidationError(_("No criteria of the standard are in force for %(year)s.") % {"year": year})
    evaluation = StandardEvaluation.objects.create(unit=unit, year=year, rule_set=rule_set)
    CriterionCheck.objects.bulk_create([CriterionCheck(evaluation=evaluation, criterion=c)
                                        for c in rule_set.criteria.all()])
    refresh_checks(evaluation)
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=evaluation, scope_path=unit.path, before=None,
                  after=_state(evaluation))
    return evaluation


def refresh_checks(evaluation: StandardEvaluation) -> None:
    """Recompute the automatic criteria from the records until a decision is taken."""
    if evaluation.result != Result.PENDING:
        return
    for check in evaluation.checks.select_related("criterion").exclude(criterion__auto_source=""):
        fact = fact_for(check.criterion.auto_source, evaluation.unit, evaluation.year)
        if fact is not None and (check.met, check.fact) != (fact.met, fact.as_json()):
            check.met, check.fact = fact.met, fact.as_json()
            check.save(update_fields=["met", "fact"])


@transaction.atomic
def standard_check(*, ctx: AuditContext, evaluation: StandardEvaluation, results: dict[str, bool],
                   evidence: dict[str, str] | None = None, expected_version: int | None = None) -> StandardEvaluation:
    """Mark the hand-checked criteria met or not, with evidence."""
    current = lock_current(StandardEvaluation.objects.select_related("unit"), evaluation.pk, expected_version)
    check_in_scope(ctx, current.unit)
    if current.result != Result.PENDING:
        raise ValidationError(_("The decision has been taken; the evaluation is closed."))
    before = _state(current)
    evidence = evidence or {}
    checks = {c.criterion.code: c for c in current.checks.select_related("criterion")}
    unknown = (set(results) | set(evidence)) - set(checks)
    if unknown:
        raise ValidationError(_("Unknown criteria: %(codes)s") % {"codes": ", ".join(sorted(unknown))})
    for code, check in checks.items():
        if check.criterion.auto_source:
            continue
        if code in results:
            check.met = results[code]
        if code in evidence:
            check.evidence = evidence[code].strip()
        check.save(update_fields=["met", "evidence"])
    refresh_checks(current)
    save_versioned(ctx, current, scope_path=current.unit.path, before=before, after=_state, reason="criteria")
    return current


@transaction.atomic
def standard_decide(*, ctx: AuditContext, evaluation: StandardEvaluation, recognise: bool, decision_no: str,
                    decision_date: datetime.date, signer: str,
                    expected_version: int | None = None) -> StandardEvaluation:
    """The competent level above records its decision. Recognition needs every criterion met;
    a commune also needs the 70% rule, and a refusal says which units fall short."""
    current = lock_current(StandardEvaluation.objects.select_related("unit"), evaluation.pk, expected_version)
    check_above(ctx, current.unit, Action.APPROVE)
    if current.result != Result.PENDING:
        raise ValidationError(_("The decision has already been taken."))
    if not decision_no.strip() or not signer.strip():
        raise ValidationError(_("A decision needs its number and signer."))
    refresh_checks(current)
    if recognise:
        unmet = [c.criterion.code for c in current.checks.select_related("criterion") if c.met is not True]
        if current.unit.kind == "commune":
            rule = seventy_percent(current.unit, current.year)
            if not rule.met:
                raise ValidationError(seventy_percent_refusal(rule))
        if unmet:
            raise ValidationError(_("Criteria not met: %(codes)s.") % {"codes": ", ".join(unmet)})
    before = _state(current)
    current.result = Result.RECOGNISED if recognise else Result.NOT_MET
    current.decision_no, current.decision_date, current.signer = decision_no.strip(), decision_date, signer.strip()
    current.decided_by = ctx.user
    save_versioned(ctx, current, scope_path=current.unit.path, before=before, after=_state, reason="decision")
    return current


def seventy_percent_refusal(rule: Any) -> str:
    if rule.total == 0:
        return _("The commune has no residential areas, agencies, enterprises or schools recorded.")
    parts = [_("%(recognised)s of %(total)s managed units are recognised (%(percent)s%%); at least 70%% and every "
               "unit registered are required.") % {"recognised": rule.recognised, "total": rule.total,
                                                    "percent": f"{rule.percent:.2f}".replace(".", ",")}]
    if rule.unregistered:
        parts.append(_("Not registered: %(units)s.") % {"units": ", ".join(u.name for u in rule.unregistered)})
    if rule.not_recognised:
        parts.append(_("Not recognised: %(units)s.") % {"units": ", ".join(u.name for u in rule.not_recognised)})
    return " ".join(parts)


def recognised_share(unit: Unit, year: int) -> Decimal | None:
    """The share (%) of the year's evaluations recognised: of the communes under an
    administrative unit (the commune itself for a commune), of its own for an organisation;
    None when nothing was evaluated."""
    evaluations = StandardEvaluation.objects.filter(year=year)
    if unit.kind in ADMINISTRATIVE_KINDS:
        evaluations = evaluations.filter(unit__path__startswith=unit.path, unit__kind=UnitKind.COMMUNE)
    else:
        evaluations = evaluations.filter(unit=unit)
    total = evaluations.count()
    if total == 0:
        return None
    recognised = evaluations.filter(result=StandardEvaluation.Result.RECOGNISED).count()
    return (Decimal(recognised) * 100 / total).quantize(Decimal("0.01"))
