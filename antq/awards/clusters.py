"""Emulation clusters: members ranked from measured performance, rankings turned into award
proposals, proposals carried into a numbered decision.

Scoring rule (stated, so a cluster's meeting can check it): each criterion gives its weight
× (value − worst) / (best − worst) over the members, best being the highest value or, for
"lower is better" criteria, the lowest; a member without a value gets 0; when all members
are equal every one gets the full weight. Ties: the higher total, then the higher points on
the criteria in their order; members equal on all of them share the rank.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from antq.awards.catalogue import proposal_rules_of
from antq.awards.models import (
    Cluster,
    ClusterCriterion,
    ClusterMember,
    Decision,
    ManualScore,
    Proposal,
    Source,
)
from antq.awards.proposals import proposals_decide
from antq.core.audit import AuditContext, record_change, save_versioned, snapshot
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.core.periods import period_from_spec
from antq.core.scoping import Action
from antq.core.versioning import lock_current
from antq.indicators.engine import Computation, area_of
from antq.movement.models import Classification
from antq.movement.reports import monthly_timeliness
from antq.movement.standard import recognised_share
from antq.units.models import Unit

LOWER_IS_BETTER = {Source.CRIME_CHANGE, Source.ACCIDENT_CHANGE}
PANEL = {Source.CLEARANCE_RATE: ("clearance_rate", "value"), Source.CRIME_CHANGE: ("criminal_cases", "change_pct"),
         Source.ACCIDENT_CHANGE: ("accidents", "change_pct")}


@dataclass(frozen=True)
class Ranked:
    unit: Unit
    rank: int
    total: Decimal
    points: tuple[Decimal, ...]
    values: tuple[Decimal | None, ...]


def criterion_value(criterion: ClusterCriterion, member: ClusterMember, year: int,
                    manual: dict[tuple[int, int], Decimal] | None = None) -> Decimal | None:
    """The member's measured value for one criterion (None: nothing to measure); `manual`
    holds the cluster's hand scores when the caller read them all at once."""
    unit = member.unit
    if criterion.source == Source.MANUAL:
        if manual is not None:
            return manual.get((criterion.pk, member.pk))
        score = criterion.scores.filter(member=member).first()
        return score.value if score else None
    if criterion.source in PANEL:
        indicator, field = PANEL[Source(criterion.source)]
        period = period_from_spec(str(year), "mps")
        figure = Computation.unrestricted().panel(area_of(unit, period, "time"), period, [indicator])[indicator]
        value = figure[field]
        return None if value is None else Decimal(str(value))
    if criterion.source == Source.CLASSIFICATION:
        row = Classification.objects.filter(unit=unit, year=year).first()
        if row is None:
            return None
        return row.appraised_total if row.appraised_total is not None else row.self_total
    if criterion.source == Source.TIMELINESS:
        timeliness = monthly_timeliness(unit, year)
        if not timeliness.due:
            return None
        return (Decimal(timeliness.on_time) * 100 / timeliness.due).quantize(Decimal("0.01"))
    return recognised_share(unit, year)


def _points(criterion: ClusterCriterion, values: list[Decimal | None]) -> list[Decimal]:
    known = [v for v in values if v is not None]
    if not known:
        return [Decimal(0)] * len(values)
    lower = criterion.source in LOWER_IS_BETTER
    best, worst = (min(known), max(known)) if lower else (max(known), min(known))
    if best == worst:
        return [criterion.weight if v is not None else Decimal(0) for v in values]
    return [Decimal(0) if v is None else (criterion.weight * (v - worst) / (best - worst)).quantize(Decimal("0.01"))
            for v in values]


def cluster_ranking(cluster: Cluster) -> list[Ranked]:
    members = list(cluster.members.select_related("unit").order_by("unit__name"))
    criteria = list(cluster.criteria.order_by("position"))
    manual = {(s.criterion_id, s.member_id): s.value for s in ManualScore.objects.filter(criterion__cluster=cluster)}
    values = [[criterion_value(c, m, cluster.year, manual) for m in members] for c in criteria]
    points = [_points(c, column) for c, column in zip(criteria, values, strict=True)]
    rows = []
    for index, member in enumerate(members):
        member_points = tuple(column[index] for column in points)
        rows.append((member, sum(member_points, Decimal(0)), member_points,
                     tuple(column[index] for column in values)))
    rows.sort(key=lambda r: (-r[1], tuple(-p for p in r[2]), r[0].unit.name))
    ranked: list[Ranked] = []
    for position, (member, total, member_points, member_values) in enumerate(rows, start=1):
        previous = ranked[-1] if ranked else None
        tied = previous is not None and (previous.total, previous.points) == (total, member_points)
        ranked.append(Ranked(member.unit, previous.rank if tied and previous else position, total, member_points,
                             member_values))
    return ranked


@transaction.atomic
def proposals_refresh(cluster: Cluster, ranking: list[Ranked] | None = None) -> list[Proposal]:
    """The proposals that follow from the ranking now (pass the ranking when it is at hand).
    A proposal the ranking still gives keeps its review status; the others are replaced by
    new ones to review; nothing moves once the cluster's decision is issued."""
    existing = list(cluster.proposals.select_related("unit", "award_type", "decision").order_by("rank", "unit__name"))
    if any(p.frozen for p in existing):
        return existing
    rules = proposal_rules_of(cluster.province)
    wanted = []
    for row in ranking if ranking is not None else cluster_ranking(cluster):
        rule = next((r for r in rules if r.rank_from <= row.rank <= r.rank_to), None)
        if rule is not None:
            wanted.append((row.unit, row.rank, rule.award_type))
    kept = {(p.unit_id, p.rank, p.award_type_id): p for p in existing}
    keys = {(unit.pk, rank, kind.pk) for unit, rank, kind in wanted}
    stale = [p.pk for key, p in kept.items() if key not in keys]
    if not stale and len(keys) == len(kept):
        return existing
    Proposal.objects.filter(pk__in=stale).delete()
    return [kept.get((unit.pk, rank, kind.pk)) or Proposal.objects.create(
        cluster=cluster, issuer=cluster.province, year=cluster.year, unit=unit, rank=rank, award_type=kind,
        achievement=f"cluster:{cluster.pk}:{unit.pk}") for unit, rank, kind in wanted]


def cluster_decide(*, ctx: AuditContext, cluster: Cluster, decided_on: datetime.date, signer: str) -> Decision:
    """One decision of the province for the cluster's proposals, once all are approved; they are frozen with it."""
    proposals = proposals_refresh(cluster)
    if not proposals or any(p.frozen for p in proposals):
        raise ValidationError(_("There is no open proposal in this cluster."))
    return proposals_decide(ctx=ctx, proposals=proposals, decided_on=decided_on, signer=signer,
                            title=f"Khen thưởng {cluster.name} năm {cluster.year}")


def clusters_of(province: Unit, year: int) -> list[Cluster]:
    return list(Cluster.objects.filter(Q(province=province), year=year).order_by("name"))


def _editable(ctx: AuditContext, cluster: Cluster) -> None:
    if not ctx.restrict(Unit.objects.all(), Action.APPROVE).filter(pk=cluster.province_id).exists():
        raise OutOfScope()
    if cluster.proposals.filter(decision__isnull=False).exists():
        raise ValidationError(_("The cluster's awards are decided; its ranking is closed."))


@transaction.atomic
def cluster_create(*, ctx: AuditContext, province: Unit, year: int, name: str) -> Cluster:
    if province.kind != "province" or not ctx.restrict(Unit.objects.all(), Action.APPROVE).filter(
            pk=province.pk).exists():
        raise OutOfScope()
    if not name.strip():
        raise ValidationError({"name": _("Name the cluster.")})
    cluster = Cluster.objects.create(province=province, year=year, name=name.strip())
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=cluster, scope_path=province.path, before=None,
                  after=snapshot(cluster))
    return cluster


@transaction.atomic
def cluster_change(*, ctx: AuditContext, cluster: Cluster, member_code: str = "",
                   criterion: tuple[str, Decimal, str] | None = None,
                   scores: dict[tuple[int, int], Decimal] | None = None, vote_record: str | None = None,
                   expected_version: int | None = None) -> Cluster:
    """Add a member (by unit code, valid at the year's end, under the province), add a
    criterion (name, weight, source), set manual scores {(criterion id, member id): value},
    or record the vote — all audited, all refused once the awards are decided, or when the
    page was based on an older version of the cluster."""
    cluster = lock_current(Cluster.objects.select_related("province"), cluster.pk, expected_version)
    _editable(ctx, cluster)
    before = _cluster_state(cluster)
    if member_code.strip():
        unit = (Unit.objects.valid_on(datetime.date(cluster.year, 12, 31)).subtree_of(cluster.province)
                .filter(code=member_code.strip()).exclude(pk=cluster.province_id).first())
        if unit is None:
            raise ValidationError({"member": _("No unit %(code)s under the province at the end of %(year)s.")
                                   % {"code": member_code.strip(), "year": cluster.year}})
        ClusterMember.objects.get_or_create(cluster=cluster, unit=unit)
    if criterion is not None:
        name, weight, source = criterion
        if not name.strip() or weight <= 0 or source not in Source.values:
            raise ValidationError({"criterion": _("A criterion needs a name, a positive weight and a source.")})
        position = cluster.criteria.count() + 1
        ClusterCriterion.objects.create(cluster=cluster, position=position, name=name.strip(), weight=weight,
                                        source=source)
    for (criterion_id, member_id), value in (scores or {}).items():
        manual = cluster.criteria.filter(pk=criterion_id, source=Source.MANUAL).first()
        member = cluster.members.filter(pk=member_id).first()
        if manual is None or member is None:
            raise ValidationError(_("Unknown criterion or member."))
        ManualScore.objects.update_or_create(criterion=manual, member=member, defaults={"value": value})
    if vote_record is not None:
        cluster.vote_record = vote_record.strip()
    save_versioned(ctx, cluster, scope_path=cluster.province.path, before=before, after=_cluster_state)
    return cluster


def _cluster_state(cluster: Cluster) -> dict[str, object]:
    """Audit snapshot: the row, its members and its manual scores."""
    return {**snapshot(cluster), "members": [m.unit_id for m in cluster.members.all()],
            "scores": {f"{s.criterion_id}-{s.member_id}": str(s.value)
                       for s in ManualScore.objects.filter(criterion__cluster=cluster).order_by("pk")}}
