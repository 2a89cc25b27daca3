"""Award proposals carried through review to a decision. A proposal comes from a cluster's
ranking or is written by hand (a collective, or an individual of a unit); it is proposed,
submitted, approved by the issuer's emulation council or returned with a note, and decided.
Its issuer is the unit whose register numbers the decision: the recipient's commune for the
commune chair's forms, its district for the district chair's, its province otherwise."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from antq.awards.models import Authority, AwardType, Decision, Proposal
from antq.awards.services import AwardSpec, award_problems, award_type_on, decision_issue
from antq.core.audit import AuditContext, record_change, snapshot
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.movement.classification import check_in_scope
from antq.units.models import Unit, UnitKind

ISSUER_KIND = {Authority.COMMUNE.value: UnitKind.COMMUNE, Authority.DISTRICT.value: UnitKind.DISTRICT}
# action → (statuses it applies to, status it gives, scope needed: on the recipient or on the issuer)
REVIEW: dict[str, tuple[frozenset[str], str, str]] = {
    "submit": (frozenset({Proposal.Status.PROPOSED, Proposal.Status.RETURNED}), Proposal.Status.SUBMITTED,
               Action.CHANGE),
    "approve": (frozenset({Proposal.Status.PROPOSED, Proposal.Status.SUBMITTED}), Proposal.Status.APPROVED,
                Action.APPROVE),
    "return": (frozenset({Proposal.Status.PROPOSED, Proposal.Status.SUBMITTED, Proposal.Status.APPROVED}),
               Proposal.Status.RETURNED, Action.APPROVE),
}


def issuer_for(unit: Unit, award_type: AwardType) -> Unit:
    """The unit whose decision carries this award to this recipient."""
    kind = ISSUER_KIND.get(award_type.authority, UnitKind.PROVINCE)
    issuer = Unit.objects.filter(pk__in=[*unit.ancestor_ids(), unit.pk], kind=kind).first()
    if issuer is None:
        raise ValidationError({"award_type": _("%(award)s is awarded at a level %(unit)s is not under.")
                               % {"award": award_type.name, "unit": unit.name}})
    return issuer


def spec_of(proposal: Proposal, award_type: AwardType | None = None) -> AwardSpec:
    return AwardSpec(award_type or proposal.award_type, proposal.unit, proposal.achievement, proposal.person_name,
                     proposal.person_birth_year, proposal.holds_police_medal, proposal.pending_review)


@transaction.atomic
def proposal_create(*, ctx: AuditContext, spec: AwardSpec, year: int) -> Proposal:
    """A proposal by hand; refused at once, with the reason, when the award could not be given."""
    check_in_scope(ctx, spec.unit)
    today = timezone.localdate()
    problems = award_problems(spec, today)
    if "award_type" in problems and award_type_on(spec.award_type.code, today) is not None:
        problems.pop("award_type")  # an older version of the entry: the decision takes the one in force
    if problems:
        raise ValidationError(problems)
    if Proposal.objects.filter(achievement=spec.achievement.strip(), unit=spec.unit,
                               person_name=spec.person_name.strip()).exclude(
            status__in=[Proposal.Status.RETURNED, Proposal.Status.DECIDED]).exists():
        raise ValidationError({"achievement": _("This achievement of this recipient is already proposed.")})
    proposal = Proposal.objects.create(
        issuer=issuer_for(spec.unit, spec.award_type), year=year, unit=spec.unit,
        person_name=spec.person_name.strip(), person_birth_year=spec.person_birth_year,
        holds_police_medal=spec.holds_police_medal, pending_review=spec.pending_review,
        achievement=spec.achievement.strip(), award_type=spec.award_type, proposed_by=ctx.user)
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=proposal, scope_path=spec.unit.path, before=None,
                  after=snapshot(proposal))
    return proposal


@transaction.atomic
def proposals_review(*, ctx: AuditContext, proposals: list[Proposal], action: str, note: str = "") -> list[Proposal]:
    """Submit, approve or return proposals, all or none; approval re-checks each award and
    says why one cannot be given; a return needs its note."""
    if action not in REVIEW:
        raise ValidationError(_("Unknown review action."))
    allowed, new_status, scope = REVIEW[action]
    if not proposals:
        raise ValidationError(_("Choose the proposals."))
    if action == "return" and not note.strip():
        raise ValidationError({"review_note": _("Say why the proposal is returned.")})
    current = list(Proposal.objects.select_for_update().select_related("unit", "issuer", "award_type")
                   .filter(pk__in=[p.pk for p in proposals]).order_by("pk"))
    deciding = {(p.unit if scope == Action.CHANGE else p.issuer).pk: p.unit if scope == Action.CHANGE else p.issuer
                for p in current}
    for unit in deciding.values():  # one scope check per unit, however many proposals it has
        check_in_scope(ctx, unit, scope)
    problems: list[str] = []
    for proposal in current:
        label = proposal.person_name or proposal.unit.name
        if proposal.status not in allowed:
            problems.append(_("%(who)s: the proposal is %(status)s.") % {
                "who": label, "status": proposal.get_status_display().lower()})
        elif action == "approve":
            issues = award_problems(spec_of(proposal), timezone.localdate())
            issues.pop("award_type", None)  # the version in force is taken on the decision date
            problems += [f"{label}: {message}" for message in issues.values()]
    if problems:
        raise ValidationError(problems)
    for proposal in current:
        before = snapshot(proposal)
        proposal.status, proposal.review_note = new_status, note.strip()
        proposal.save(update_fields=["status", "review_note"])
        record_change(ctx, action=ChangeRecord.Action.UPDATE, obj=proposal, scope_path=proposal.unit.path,
                      before=before, after=snapshot(proposal), reason=note.strip())
    return current


@transaction.atomic
def proposals_decide(*, ctx: AuditContext, proposals: list[Proposal], decided_on: datetime.date, signer: str,
                     title: str, symbol: str = "") -> Decision:
    """One numbered decision of the proposals' issuer for approved proposals of one authority;
    each award takes the catalogue's version in force on the decision date."""
    current = list(Proposal.objects.select_for_update().select_related("unit", "issuer", "award_type")
                   .filter(pk__in=[p.pk for p in proposals]).order_by("rank", "pk"))
    if not current:
        raise ValidationError(_("Choose the proposals."))
    if any(p.status != Proposal.Status.APPROVED for p in current):
        raise ValidationError(_("Only approved proposals are decided; approve them first."))
    issuers = {p.issuer_id for p in current}
    authorities = {p.award_type.authority for p in current}
    if len(issuers) != 1 or len(authorities) != 1:
        raise ValidationError(_("The proposals need decisions of different issuers or authorities; decide them "
                                "separately."))
    specs = []
    for proposal in current:
        in_force = award_type_on(proposal.award_type.code, decided_on)
        specs.append(spec_of(proposal, in_force))
    authority = authorities.pop()
    decision = decision_issue(ctx=ctx, issuer=current[0].issuer, authority=authority, decided_on=decided_on,
                              signer=signer, title=title, awards=specs, symbol=symbol or default_symbol(authority))
    for proposal in current:
        before = snapshot(proposal)
        proposal.status, proposal.decision = Proposal.Status.DECIDED, decision
        proposal.save(update_fields=["status", "decision"])
        record_change(ctx, action=ChangeRecord.Action.UPDATE, obj=proposal, scope_path=proposal.unit.path,
                      before=before, after=snapshot(proposal))
    return decision


def default_symbol(authority: str) -> str:
    """The decision's symbol: the Ministry's forms are decided by the Ministry, the rest by the people's committee."""
    return "QĐ-BCA" if authority == Authority.MINISTRY else "QĐ-TTg" if authority in (
        Authority.PRIME_MINISTER, Authority.GOVERNMENT) else "QĐ-UBND"
