"""Award routes (read): decisions with their awards, and a cluster's live ranking with the
proposals it gives. Scoped like everything else: a decision by its issuer, a cluster by its
province; anything outside answers 404 or an empty list."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from antq.api.auth import current_user
from antq.api.schemas import NotFoundOut
from antq.awards.clusters import cluster_ranking, proposals_refresh
from antq.awards.models import Cluster, Decision

router = Router(tags=["awards"])


class AwardOut(Schema):
    id: int
    award: str
    unit_code: str
    unit_name: str
    person_name: str
    amount: int
    status: str
    revoked_reason: str


class DecisionOut(Schema):
    id: int
    number: str
    year: int
    decided_on: datetime.date
    authority: str
    signer: str
    title: str
    awards: list[AwardOut]


class DecisionList(Schema):
    count: int
    items: list[DecisionOut]


class RankOut(Schema):
    rank: int
    unit_code: str
    unit_name: str
    total: Decimal
    points: list[Decimal]


class ProposalOut(Schema):
    rank: int
    unit_code: str
    award: str
    decision: str | None


class RankingOut(Schema):
    cluster: str
    year: int
    ranking: list[RankOut]
    proposals: list[ProposalOut]


def _decision_out(decision: Decision) -> DecisionOut:
    return DecisionOut(id=decision.pk, number=str(decision), year=decision.year, decided_on=decision.decided_on,
                       authority=decision.authority, signer=decision.signer, title=decision.title,
                       awards=[AwardOut(id=a.pk, award=a.award_type.name, unit_code=a.unit.code, unit_name=a.unit.name,
                                        person_name=a.person_name, amount=a.amount, status=a.status,
                                        revoked_reason=a.revoked_reason)
                               for a in decision.awards.all()])  # in decision order (Meta)


@router.get("/awards/decisions", response=DecisionList)
def decision_list(request: HttpRequest, year: int) -> DecisionList:
    """The year's award decisions the caller may see, with their awards and amounts."""
    decisions = (Decision.objects.restrict(current_user(request)).filter(year=year)
                 .prefetch_related("awards__award_type", "awards__unit").order_by("number", "pk"))
    items = [_decision_out(d) for d in decisions]
    return DecisionList(count=len(items), items=items)


@router.get("/awards/clusters/{cluster_id}/ranking", response={200: RankingOut, 404: NotFoundOut})
def cluster_ranking_route(request: HttpRequest, cluster_id: int) -> RankingOut:
    cluster = Cluster.objects.restrict(current_user(request)).filter(pk=cluster_id).first()
    if cluster is None:
        raise Http404()
    ranking = cluster_ranking(cluster)
    return RankingOut(
        cluster=cluster.name, year=cluster.year,
        ranking=[RankOut(rank=r.rank, unit_code=r.unit.code, unit_name=r.unit.name, total=r.total,
                         points=list(r.points)) for r in ranking],
        proposals=[ProposalOut(rank=p.rank, unit_code=p.unit.code, award=p.award_type.name,
                               decision=str(p.decision) if p.decision else None)
                   for p in proposals_refresh(cluster, ranking)])
