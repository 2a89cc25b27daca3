"""Award routes: decisions with their awards (listed, issued from approved proposals,
revoked), and a cluster's live ranking with the proposals it gives. Scoped like everything
else: a decision by its issuer, a cluster by its province; anything outside answers 404 or
an empty list."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from antq.api.auth import api_context, current_user
from antq.api.award_proposals import ProposalId, chosen_proposals
from antq.api.schemas import ErrorOut, NotFoundOut
from antq.awards.clusters import cluster_ranking, proposals_refresh
from antq.awards.models import Cluster, Decision
from antq.awards.proposals import proposals_decide
from antq.awards.services import decision_revoke

router = Router(tags=["awards"])
ERRORS: dict[int, Any] = {404: NotFoundOut, 422: ErrorOut}


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


class RankedProposalOut(Schema):
    """A proposal as the ranking gives it (named apart from award_proposals.ProposalOut: OpenAPI
    components are keyed by class name, so two `ProposalOut` would document one route wrongly)."""

    rank: int | None
    unit_code: str
    award: str
    status: str
    decision: str | None


class RankingOut(Schema):
    cluster: str
    year: int
    ranking: list[RankOut]
    proposals: list[RankedProposalOut]


def decision_out(decision: Decision) -> DecisionOut:
    return DecisionOut(id=decision.pk, number=str(decision), year=decision.year, decided_on=decision.decided_on,
                       authority=decision.authority, signer=decision.signer, title=decision.title,
                       awards=[AwardOut(id=a.pk, award=a.award_type.name, unit_code=a.unit.code, unit_name=a.unit.name,
                                        person_name=a.person_name, amount=a.amount, status=a.status,
                                        revoked_reason=a.revoked_reason)
                               for a in decision.awards.all()])  # in decision order (Meta)


@router.get("/awards/decisions", response={200: DecisionList, 422: ErrorOut})
def decision_list(request: HttpRequest, year: int) -> DecisionList:
    """The year's award decisions the caller may see, with their awards and amounts."""
    decisions = (Decision.objects.restrict(current_user(request)).filter(year=year)
                 .prefetch_related("awards__award_type", "awards__unit").order_by("number", "pk"))
    items = [decision_out(d) for d in decisions]
    return DecisionList(count=len(items), items=items)


@router.get("/awards/clusters/{cluster_id}/ranking", response={200: RankingOut, **ERRORS})
def cluster_ranking_route(request: HttpRequest, cluster_id: int) -> RankingOut:
    cluster = Cluster.objects.restrict(current_user(request)).filter(pk=cluster_id).first()
    if cluster is None:
        raise Http404()
    ranking = cluster_ranking(cluster)
    return RankingOut(
        cluster=cluster.name, year=cluster.year,
        ranking=[RankOut(rank=r.rank, unit_code=r.unit.code, unit_name=r.unit.name, total=r.total,
                         points=list(r.points)) for r in ranking],
        proposals=[RankedProposalOut(rank=p.rank, unit_code=p.unit.code, award=p.award_type.name,
                                     status=p.status, decision=str(p.decision) if p.decision else None)
                   for p in proposals_refresh(cluster, ranking)])


class DecideIn(Schema):
    proposal_ids: list[ProposalId]
    decided_on: datetime.date
    signer: str
    title: str
    symbol: str = ""


class RevokeIn(Schema):
    reason: str
    by_decision_id: int


@router.post("/awards/decisions", response={201: DecisionOut, **ERRORS})
def decision_new(request: HttpRequest, payload: DecideIn) -> Status[DecisionOut]:
    """One numbered decision for approved proposals of one issuer and authority."""
    decision = proposals_decide(ctx=api_context(request), proposals=chosen_proposals(request, payload.proposal_ids),
                                decided_on=payload.decided_on, signer=payload.signer, title=payload.title,
                                symbol=payload.symbol)
    return Status(201, decision_out(decision))


@router.post("/awards/decisions/{decision_id}/revocation", response={200: DecisionOut, **ERRORS})
def decision_revocation(request: HttpRequest, decision_id: int, payload: RevokeIn) -> DecisionOut:
    """Revoke every award of a decision, by a later decision of the same issuer, with the reason."""
    visible = Decision.objects.restrict(current_user(request))
    decision, by = visible.filter(pk=decision_id).first(), visible.filter(pk=payload.by_decision_id).first()
    if decision is None or by is None:
        raise Http404()
    decision_revoke(ctx=api_context(request), decision=decision, reason=payload.reason, by=by)
    return decision_out(Decision.objects.get(pk=decision.pk))
