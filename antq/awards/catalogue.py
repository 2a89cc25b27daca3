"""Editing the award catalogue: a title or form changes by a new version from a date (the
old one ends the day before, decisions keep the version they used); the base salary gets a
new dated row; each province may replace the national rule that turns ranks into proposals.
National rows are the administrators'; a province's rules its secretariat's."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from antq.awards.models import AwardType, BaseSalary, ProposalRule
from antq.core.audit import AuditContext, record_change, snapshot
from antq.core.models import ChangeRecord
from antq.core.versioning import lock_current
from antq.movement.rule_services import check_rule_scope, rule_scope_path
from antq.units.models import Unit

REVISABLE = ("name", "authority", "coefficient_collective", "coefficient_individual", "basis")


@transaction.atomic
def award_type_revise(*, ctx: AuditContext, award_type: AwardType, valid_from: datetime.date,
                      changes: dict[str, object]) -> AwardType:
    """A new version of a catalogue entry from `valid_from`; the current one ends the day before."""
    check_rule_scope(ctx, None)
    current = lock_current(AwardType, award_type.pk, None)
    if current.valid_to is not None:
        raise ValidationError(_("Only the version in force is revised."))
    if current.valid_from is not None and valid_from <= current.valid_from:
        raise ValidationError({"valid_from": _("A new version must start after %(day)s.")
                               % {"day": current.valid_from.strftime("%d/%m/%Y")}})
    unknown = set(changes) - set(REVISABLE)
    if unknown or not changes:
        raise ValidationError(_("Nothing to revise, or fields that cannot be revised: %(fields)s.")
                              % {"fields": ", ".join(sorted(unknown))})
    before = snapshot(current)
    current.valid_to = valid_from - datetime.timedelta(days=1)
    current.save(update_fields=["valid_to"])
    record_change(ctx, action=ChangeRecord.Action.UPDATE, obj=current, scope_path="", before=before,
                  after=snapshot(current))
    revised = AwardType(**{f: getattr(current, f) for f in ("code", "name", "category", "authority",
                                                            "for_collectives", "for_individuals",
                                                            "coefficient_collective", "coefficient_individual",
                                                            "basis")},
                        valid_from=valid_from, is_default=False)
    for field, value in changes.items():
        setattr(revised, field, value)
    revised.full_clean()
    revised.save()
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=revised, scope_path="", before=None,
                  after=snapshot(revised))
    return revised


@transaction.atomic
def base_salary_add(*, ctx: AuditContext, amount: int, valid_from: datetime.date, basis: str) -> BaseSalary:
    """A new base salary from a date; decisions already issued keep the money they stated."""
    check_rule_scope(ctx, None)
    if amount <= 0:
        raise ValidationError({"amount": _("The base salary is a positive amount.")})
    if not basis.strip():
        raise ValidationError({"basis": _("Name the decree that sets it.")})
    if BaseSalary.objects.filter(valid_from=valid_from).exists():
        raise ValidationError({"valid_from": _("A base salary already starts on that date.")})
    row = BaseSalary.objects.create(amount=amount, valid_from=valid_from, basis=basis.strip())
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=row, scope_path="", before=None, after=snapshot(row))
    return row


def proposal_rules_of(province: Unit | None) -> list[ProposalRule]:
    """The province's own rules, or the national ones when it has none."""
    own = list(ProposalRule.objects.filter(province=province).select_related("award_type")) if province else []
    return own or list(ProposalRule.objects.filter(province__isnull=True).select_related("award_type"))


@transaction.atomic
def proposal_rules_set(*, ctx: AuditContext, province: Unit | None,
                       rows: list[tuple[int, int, AwardType]]) -> list[ProposalRule]:
    """Replace the rules of a province (or the national ones); an empty list for a province
    returns it to the national rules. Rank ranges must not overlap."""
    check_rule_scope(ctx, province)
    problems = []
    taken: set[int] = set()
    for index, (rank_from, rank_to, award_type) in enumerate(sorted(rows, key=lambda r: r[0]), start=1):
        ranks = set(range(rank_from, rank_to + 1))
        if rank_from < 1 or rank_to < rank_from:
            problems.append(_("Row %(n)s: the ranks run from 1 upwards, 'from' not after 'to'.") % {"n": index})
        elif ranks & taken:
            problems.append(_("Row %(n)s: ranks %(a)s–%(b)s overlap another row.") % {
                "n": index, "a": rank_from, "b": rank_to})
        if not award_type.for_collectives:
            problems.append(_("Row %(n)s: %(award)s is not awarded to collectives.") % {
                "n": index, "award": award_type.name})
        taken |= ranks
    if province is None and not rows:
        problems.append(_("The national rule cannot be empty."))
    if problems:
        raise ValidationError(problems)
    existing = ProposalRule.objects.filter(province=province)
    before = [snapshot(r) for r in existing]
    existing.delete()
    created = [ProposalRule.objects.create(province=province, rank_from=a, rank_to=b, award_type=t)
               for a, b, t in sorted(rows, key=lambda r: r[0])]
    anchor = created[0] if created else province
    if anchor is not None:
        record_change(ctx, action=ChangeRecord.Action.UPDATE, obj=anchor, scope_path=rule_scope_path(province),
                      before={"rules": before}, after={"rules": [snapshot(r) for r in created]})
    return created


def decimal_or_none(raw: str) -> Decimal | None:
    """A coefficient typed the Vietnamese way ("1,5") or empty."""
    raw = raw.strip().replace(",", ".")
    return Decimal(raw) if raw else None
