"""Award routes: proposals by hand and their review, the catalogue in force, the Steering
Committee's plans and progress (decisions are in `awards`).
Scoped by the one mechanism: what the caller may not see answers 404; what it sees but may
not do is refused by the service (404 as well)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from antq.api.auth import api_context, current_user
from antq.api.schemas import ErrorOut, NotFoundOut
from antq.awards.catalogue import proposal_rules_of
from antq.awards.models import BaseSalary, Plan, Proposal, Task
from antq.awards.plans import plan_progress, target_value_now, task_progress
from antq.awards.proposals import proposal_create, proposals_review
from antq.awards.services import AwardSpec, award_type_on, award_types_in_force
from antq.core.scoping import Action, all_in_scope
from antq.units.models import Unit
from antq.units.selectors import unit_at

router = Router(tags=["awards"])
ERRORS: dict[int, Any] = {404: NotFoundOut, 422: ErrorOut}
# An id the database can hold: a larger number is a 422, not a crash in the `IN (...)` lookup.
ProposalId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ProposalIn(Schema):
    unit_code: str
    year: int = Field(ge=2000, le=2100)
    award_code: str
    achievement: str
    person_name: str = ""
    person_birth_year: int | None = Field(None, ge=1900, le=2100)
    holds_police_medal: bool = False
    pending_review: bool = False


class ProposalOut(Schema):
    id: int
    year: int
    unit_code: str
    unit_name: str
    person_name: str
    award: str
    award_code: str
    achievement: str
    cluster_id: int | None
    rank: int | None
    issuer_code: str
    status: str
    review_note: str
    decision: str | None


class ProposalList(Schema):
    count: int
    items: list[ProposalOut]


class ReviewIn(Schema):
    ids: list[ProposalId]
    action: str
    note: str = ""


class AwardTypeOut(Schema):
    code: str
    name: str
    category: str
    authority: str
    for_collectives: bool
    for_individuals: bool
    coefficient_collective: Decimal | None
    coefficient_individual: Decimal | None
    valid_from: datetime.date | None
    basis: str


class SalaryOut(Schema):
    amount: int
    valid_from: datetime.date
    basis: str


class RuleOut(Schema):
    rank_from: int
    rank_to: int
    award_code: str


class CatalogueOut(Schema):
    on: datetime.date
    types: list[AwardTypeOut]
    base_salary: list[SalaryOut]
    proposal_rules: list[RuleOut]


class ProgressOut(Schema):
    on: datetime.date
    percent: int
    note: str
    evidence: str


class TaskOut(Schema):
    id: int
    position: int
    text: str
    lead_code: str
    deadline: datetime.date
    status: str
    overdue: bool
    target_kind: str
    target_value: Decimal | None
    target_now: Decimal | None
    progress: list[ProgressOut]


class PlanOut(Schema):
    id: int
    unit_code: str
    year: int
    title: str
    done: int
    tasks: list[TaskOut]


class PlanList(Schema):
    count: int
    items: list[PlanOut]


class ProgressIn(Schema):
    on: datetime.date
    percent: int
    note: str
    evidence: str = ""


def _proposal_out(p: Proposal) -> ProposalOut:
    return ProposalOut(id=p.pk, year=p.year, unit_code=p.unit.code, unit_name=p.unit.name, person_name=p.person_name,
                       award=p.award_type.name, award_code=p.award_type.code, achievement=p.achievement,
                       cluster_id=p.cluster_id, rank=p.rank, issuer_code=p.issuer.code, status=p.status,
                       review_note=p.review_note, decision=str(p.decision) if p.decision else None)


def _proposals(request: HttpRequest) -> Any:
    return Proposal.objects.restrict(current_user(request)).select_related("unit", "issuer", "award_type", "decision")


def chosen_proposals(request: HttpRequest, ids: list[int]) -> list[Proposal]:
    """The proposals named by id; one the caller may not see is a 404 for the whole call."""
    return all_in_scope(_proposals(request), ids)


@router.get("/awards/proposals", response={200: ProposalList, 422: ErrorOut})
def proposal_list(request: HttpRequest, year: int, status: str = "") -> ProposalList:
    """The year's proposals for the units the caller may see, filtered by status."""
    rows = _proposals(request).filter(year=year)
    if status:
        rows = rows.filter(status=status)
    items = [_proposal_out(p) for p in rows.order_by("pk")]
    return ProposalList(count=len(items), items=items)


@router.post("/awards/proposals", response={201: ProposalOut, **ERRORS})
def proposal_new(request: HttpRequest, payload: ProposalIn) -> Status[ProposalOut]:
    """A proposal by hand; a refusal (the medal's conditions, one achievement one award) is a 422 saying why."""
    user = current_user(request)
    unit = unit_at(payload.unit_code.strip(), datetime.date(payload.year, 12, 31),
                   queryset=Unit.objects.restrict(user, Action.CHANGE))
    if unit is None:
        raise Http404()
    award_type = award_type_on(payload.award_code.strip(), timezone.localdate())
    if award_type is None:
        raise ValidationError({"award_code": f"Không có hình thức khen thưởng {payload.award_code} / unknown award"})
    spec = AwardSpec(award_type, unit, payload.achievement, payload.person_name, payload.person_birth_year,
                     payload.holds_police_medal, payload.pending_review)
    proposal = proposal_create(ctx=api_context(request), spec=spec, year=payload.year)
    return Status(201, _proposal_out(_proposals(request).get(pk=proposal.pk)))


@router.post("/awards/proposals/review", response={200: ProposalList, **ERRORS})
def proposal_review(request: HttpRequest, payload: ReviewIn) -> ProposalList:
    """Submit, approve or return proposals, all or none (action: submit, approve or return)."""
    done = proposals_review(ctx=api_context(request), proposals=chosen_proposals(request, payload.ids),
                            action=payload.action, note=payload.note)
    items = [_proposal_out(p) for p in _proposals(request).filter(pk__in=[p.pk for p in done]).order_by("pk")]
    return ProposalList(count=len(items), items=items)


@router.get("/awards/catalogue", response={200: CatalogueOut, 422: ErrorOut})
def catalogue(request: HttpRequest, on: datetime.date | None = None, province_code: str = "") -> CatalogueOut:
    """The catalogue in force on a date (today by default), the base salary table and the
    proposal rules of a province (the national ones without one)."""
    day = on or timezone.localdate()
    province = unit_at(province_code, day) if province_code else None
    return CatalogueOut(
        on=day,
        types=[AwardTypeOut(code=t.code, name=t.name, category=t.category, authority=t.authority,
                            for_collectives=t.for_collectives, for_individuals=t.for_individuals,
                            coefficient_collective=t.coefficient_collective,
                            coefficient_individual=t.coefficient_individual, valid_from=t.valid_from, basis=t.basis)
               for t in award_types_in_force(day).order_by("category", "code")],
        base_salary=[SalaryOut(amount=s.amount, valid_from=s.valid_from, basis=s.basis)
                     for s in BaseSalary.objects.order_by("valid_from")],
        proposal_rules=[RuleOut(rank_from=r.rank_from, rank_to=r.rank_to, award_code=r.award_type.code)
                        for r in proposal_rules_of(province)])


def _task_out(task: Task, today: datetime.date) -> TaskOut:
    return TaskOut(id=task.pk, position=task.position, text=task.text, lead_code=task.lead.code,
                   deadline=task.deadline, status=task.status,
                   overdue=task.status == Task.Status.OPEN and task.deadline < today, target_kind=task.target_kind,
                   target_value=task.target_value, target_now=target_value_now(task),
                   progress=[ProgressOut(on=p.on, percent=p.percent, note=p.note, evidence=p.evidence)
                             for p in task.progress.all()])


@router.get("/awards/plans", response={200: PlanList, 422: ErrorOut})
def plan_list(request: HttpRequest, year: int) -> PlanList:
    """The year's plans of the caller's units and above them in its area, with tasks and progress."""
    today = timezone.localdate()
    plans = (Plan.objects.restrict(current_user(request)).filter(year=year).select_related("unit")
             .prefetch_related("tasks__lead", "tasks__progress").order_by("unit__path"))
    items = [PlanOut(id=p.pk, unit_code=p.unit.code, year=p.year, title=p.title, done=plan_progress(p, today).done,
                     tasks=[_task_out(t, today) for t in p.tasks.all()]) for p in plans]
    return PlanList(count=len(items), items=items)


@router.post("/awards/tasks/{task_id}/progress", response={200: TaskOut, **ERRORS})
def task_progress_new(request: HttpRequest, task_id: int, payload: ProgressIn) -> TaskOut:
    """A progress update by the lead unit (100% closes the task)."""
    task = Task.objects.restrict(current_user(request), Action.CHANGE).filter(pk=task_id).first()
    if task is None:
        raise Http404()
    task_progress(ctx=api_context(request), task=task, **payload.dict())
    current = Task.objects.select_related("plan__unit", "lead").prefetch_related("progress").get(pk=task_id)
    return _task_out(current, timezone.localdate())
