"""Award decisions: numbering per issuer and year, reward money, the one-achievement-one-award
rule, the commemorative medal's conditions, revocation. Every refusal says why."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext as _

from antq.awards.models import Award, AwardType, BaseSalary, Category, Decision
from antq.core.audit import AuditContext, record_change, snapshot
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.core.versioning import lock_current
from antq.movement.models import TeamMember
from antq.units.models import Unit

ROUNDING = Decimal(10_000)  # reward money is rounded up to the next 10.000 đồng (NĐ 98/2023)
MEDAL_YEARS: dict[str, int] = {TeamMember.Sex.MALE.value: 15, TeamMember.Sex.FEMALE.value: 10}


def base_salary_on(day: datetime.date) -> int:
    row = BaseSalary.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
    if row is None:
        raise ValidationError(_("No base salary is recorded for %(day)s.") % {"day": day.strftime("%d/%m/%Y")})
    return row.amount


def reward_amount(award_type: AwardType, individual: bool, on: datetime.date) -> int:
    """Coefficient × base salary on the decision date, rounded up to 10.000 đ (0 without a coefficient)."""
    coefficient = award_type.coefficient_individual if individual else award_type.coefficient_collective
    if coefficient is None:
        return 0
    money = coefficient * base_salary_on(on)
    return int((money / ROUNDING).to_integral_value(rounding=ROUND_CEILING) * ROUNDING)


@dataclass(frozen=True)
class AwardSpec:
    award_type: AwardType
    unit: Unit
    achievement: str
    person_name: str = ""
    person_birth_year: int | None = None
    holds_police_medal: bool = False  # "Chiến sĩ vẻ vang", "Vì an ninh Tổ quốc", or a CAND career order
    pending_review: bool = False  # discipline, complaint, inspection or press allegation not concluded


def medal_refusal(spec: AwardSpec, on: datetime.date) -> str | None:
    """Why the Kỷ niệm chương "Bảo vệ an ninh Tổ quốc" cannot go to this person now (TT 20/2025), or None."""
    name, year = spec.person_name.strip(), spec.person_birth_year
    if Award.objects.filter(award_type__category=Category.MEDAL, person_name=name, person_birth_year=year,
                            status=Award.Status.ACTIVE).exists():
        return _("%(name)s already holds the commemorative medal: it is awarded once per person.") % {"name": name}
    if spec.holds_police_medal:
        return _("%(name)s holds a police medal that excludes the commemorative medal.") % {"name": name}
    if spec.pending_review:
        return _("Deferred: a discipline review or complaint about %(name)s is not concluded.") % {"name": name}
    if year is None:
        return _("Give the year of birth of %(name)s.") % {"name": name}
    members = list(TeamMember.objects.filter(full_name=name, birth_year=year).select_related("team"))
    if not members:
        return _("No service record of %(name)s in the grassroots security teams.") % {"name": name}
    needed = MEDAL_YEARS.get(members[0].sex, 15)
    served = _service_years(members, on)
    if served < needed:
        return _("%(name)s has %(served)s years of service; %(needed)s are required (double in hardship areas).") % {
            "name": name, "served": f"{served:.1f}".replace(".", ","), "needed": needed}
    return None


def _service_years(members: list[TeamMember], on: datetime.date) -> float:
    days = 0
    for member in members:
        end = min(member.left_on or on, on)
        if end >= member.joined_on:
            span = (end - member.joined_on).days + 1
            days += 2 * span if member.team.hardship_area else span
    return days / 365.25


def award_problems(spec: AwardSpec, on: datetime.date, authority: str | None = None) -> dict[str, str]:
    """Why this award cannot be given on that date (by that authority), per field; {} when it can."""
    errors: dict[str, str] = {}
    kind = spec.award_type
    if (kind.valid_from and kind.valid_from > on) or (kind.valid_to and kind.valid_to < on):
        errors["award_type"] = _("%(award)s is not in force on the decision date.") % {"award": kind.name}
    if authority is not None and kind.authority != authority:
        errors["award_type"] = _("%(award)s is not awarded by this authority.") % {"award": kind.name}
    individual = bool(spec.person_name.strip())
    if (individual and not kind.for_individuals) or (not individual and not kind.for_collectives):
        errors["person_name"] = _("%(award)s is not awarded to this kind of recipient.") % {"award": kind.name}
    if not spec.achievement.strip():
        errors["achievement"] = _("Name the achievement the award is for.")
    elif Award.objects.filter(achievement=spec.achievement.strip(), unit=spec.unit,
                              person_name=spec.person_name.strip(), status=Award.Status.ACTIVE).exists():
        errors["achievement"] = _("This achievement has already been awarded (%(key)s): one achievement, one "
                                  "award.") % {"key": spec.achievement}
    if kind.category == Category.MEDAL and not errors:
        refusal = medal_refusal(spec, on) if individual else _("The medal goes to individuals.")
        if refusal:
            errors["person_name"] = refusal
    return errors


@transaction.atomic
def decision_issue(*, ctx: AuditContext, issuer: Unit, authority: str, decided_on: datetime.date, signer: str,
                   title: str, awards: list[AwardSpec], symbol: str = "QĐ-UBND") -> Decision:
    """Number and record a decision with its awards; nothing is written if one award fails."""
    if not ctx.restrict(Unit.objects.all(), Action.APPROVE).filter(pk=issuer.pk).exists():
        raise OutOfScope()
    if not awards:
        raise ValidationError(_("A decision awards something."))
    if not signer.strip() or not title.strip():
        raise ValidationError(_("A decision needs its subject and signer."))
    problems: list[str] = []
    seen: set[str] = set()
    for index, spec in enumerate(awards, start=1):
        key = f"{spec.achievement.strip()}|{spec.unit.pk}|{spec.person_name.strip()}"
        if key in seen:
            problems.append(_("Award %(n)s: the same achievement twice in the decision.") % {"n": index})
        seen.add(key)
        problems += [f"{index}. {message}" for message in award_problems(spec, decided_on, authority).values()]
    if problems:
        raise ValidationError(problems)
    year = decided_on.year
    # The register of this issuer and year, locked while a number is taken.
    list(Decision.objects.select_for_update().filter(issuer=issuer, year=year).values_list("pk", flat=True))
    number = (Decision.objects.filter(issuer=issuer, year=year).aggregate(n=Max("number"))["n"] or 0) + 1
    decision = Decision.objects.create(issuer=issuer, authority=authority, year=year, number=number, symbol=symbol,
                                       decided_on=decided_on, signer=signer.strip(), title=title.strip(),
                                       created_by=ctx.user)
    for spec in awards:
        Award.objects.create(decision=decision, award_type=spec.award_type, unit=spec.unit,
                             person_name=spec.person_name.strip(), person_birth_year=spec.person_birth_year,
                             achievement=spec.achievement.strip(),
                             amount=reward_amount(spec.award_type, bool(spec.person_name.strip()), decided_on))
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=decision, scope_path=issuer.path, before=None,
                  after={**snapshot(decision), "awards": [snapshot(a) for a in decision.awards.all()]})
    return decision


@transaction.atomic
def award_revoke(*, ctx: AuditContext, award: Award, reason: str, by: Decision) -> Award:
    """Revoke an award (Luật 2022 art. 94) by a decision of the same issuer, with the reason."""
    current = lock_current(Award.objects.select_related("decision__issuer"), award.pk, None)
    if not ctx.restrict(Unit.objects.all(), Action.APPROVE).filter(pk=current.decision.issuer_id).exists():
        raise OutOfScope()
    if current.status == Award.Status.REVOKED:
        raise ValidationError(_("The award is already revoked."))
    if not reason.strip():
        raise ValidationError({"revoked_reason": _("Give the reason for the revocation.")})
    if by.issuer_id != current.decision.issuer_id:
        raise ValidationError({"revoked_by": _("Only the issuer of the award revokes it.")})
    before = snapshot(current)
    current.status, current.revoked_reason, current.revoked_by = Award.Status.REVOKED, reason.strip(), by
    current.save()
    record_change(ctx, action=ChangeRecord.Action.UPDATE, obj=current, scope_path=current.unit.path, before=before,
                  after=snapshot(current), reason=reason.strip())
    return current


@transaction.atomic
def decision_revoke(*, ctx: AuditContext, decision: Decision, reason: str, by: Decision) -> list[Award]:
    """Revoke a whole decision: every award it carries shows as revoked, with the reason."""
    active = list(decision.awards.filter(status=Award.Status.ACTIVE))
    if not active:
        raise ValidationError(_("Nothing of this decision is still in force."))
    return [award_revoke(ctx=ctx, award=award, reason=reason, by=by) for award in active]


def awards_of(unit: Unit, year: int, user: object) -> list[Award]:
    """The year's awards to the unit and the units under it that the user may see."""
    return list(Award.objects.restrict(user).filter(Q(unit__path__startswith=unit.path), decision__year=year)
                .select_related("decision", "award_type", "unit").order_by("decision__number", "pk"))


def award_types_in_force(day: datetime.date) -> QuerySet[AwardType]:
    """The catalogue as it stands on a date (one version per entry)."""
    return (AwardType.objects.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)))


def award_type_on(code: str, day: datetime.date) -> AwardType | None:
    """The version of a catalogue entry in force on a date."""
    return award_types_in_force(day).filter(code=code).order_by("-valid_from").first()
