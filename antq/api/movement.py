"""Movement routes: classifications (start, self-score, appraisal, approval), standard
evaluations, movement reports. Reads go through `restrict`; a step the caller may not take
on the object (not its unit, or not the level above it) answers 404 like a missing object;
invalid input is a 422 naming the field; a stale `version` is a 409 (as for records) and
changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Count, Sum
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from antq.accounts.models import User
from antq.api.auth import api_context, current_user
from antq.api.schemas import MAX_INT, VERSION_NOTE, ConflictOut, ErrorOut, NotFoundOut, conflict
from antq.core.scoping import Action, path_in_scope, user_scope_paths
from antq.core.versioning import StaleVersion
from antq.movement.classification import appraise, approve, classification_start, refresh_facts, self_score
from antq.movement.grassroots import member_add
from antq.movement.models import Classification, ModelSite, MovementReport, SecurityTeam, StandardEvaluation
from antq.movement.reports import report_save
from antq.movement.standard import standard_check, standard_decide, standard_evaluation_start, standard_register
from antq.units.models import Unit
from antq.units.selectors import unit_at

router = Router(tags=["movement"])
ERRORS: dict[int, Any] = {404: NotFoundOut, 422: ErrorOut}
EDIT_ERRORS: dict[int, Any] = {**ERRORS, 409: ConflictOut}
Version = Field(None, ge=0, description=VERSION_NOTE + " Without it, no check.")
Year = Annotated[int, Field(ge=2000, le=2100)]  # a year the rules can apply to (and datetime.date can hold)


class UnitOut(Schema):
    code: str
    name: str
    kind: str


class ScoreOut(Schema):
    code: str
    text: str
    max_points: Decimal
    automatic: str
    self_points: Decimal | None
    appraised_points: Decimal | None
    appraisal_reason: str
    evidence: str
    fact: dict[str, Any] | None


class ClassificationOut(Schema):
    id: int
    unit: UnitOut
    year: int
    status: str
    self_total: Decimal | None
    appraised_total: Decimal | None
    level: str
    rubric: str
    version: int
    scores: list[ScoreOut] = []


class ClassificationList(Schema):
    count: int
    items: list[ClassificationOut]


class StartIn(Schema):
    unit_code: str
    year: int = Field(ge=2000, le=2100)


class SelfScoreIn(Schema):
    points: dict[str, Decimal] = {}
    evidence: dict[str, str] = {}
    submit: bool = True
    version: int | None = Version


class AppraisalIn(Schema):
    points: dict[str, Decimal] = {}
    reasons: dict[str, str] = {}
    version: int | None = Version


class ApprovalIn(Schema):
    version: int | None = Version


class EvaluationOut(Schema):
    id: int
    unit: UnitOut
    year: int
    basis: str
    result: str
    decision_no: str
    decision_date: datetime.date | None
    checks: dict[str, bool | None]
    version: int


class EvaluationList(Schema):
    count: int
    items: list[EvaluationOut]


class ReportIn(Schema):
    figures: dict[str, int]
    submit: bool = False
    version: int | None = Field(None, ge=0, description=VERSION_NOTE + " 0: no report yet; without it, no check.")


class ReportOut(Schema):
    unit: UnitOut
    spec: str
    period_start: datetime.date
    period_end: datetime.date
    due_on: datetime.date
    status: str
    submitted_on: datetime.date | None
    on_time: bool
    figures: dict[str, int]
    version: int


def _unit_out(unit: Unit) -> UnitOut:
    return UnitOut(code=unit.code, name=unit.name, kind=unit.kind)


def _classification_out(row: Classification, with_scores: bool = False) -> ClassificationOut:
    scores = [ScoreOut(code=s.item.code, text=s.item.text, max_points=s.item.max_points,
                       automatic=s.item.auto_source, self_points=s.self_points, appraised_points=s.appraised_points,
                       appraisal_reason=s.appraisal_reason, evidence=s.evidence, fact=s.fact)
              for s in row.scores.select_related("item").order_by("item__position")] if with_scores else []
    return ClassificationOut(id=row.pk, unit=_unit_out(row.unit), year=row.year, status=row.status,
                             self_total=row.self_total, appraised_total=row.appraised_total, level=row.level,
                             rubric=str(row.rubric), version=row.version, scores=scores)


def _visible_unit(user: User, code: str, year: int, action: str = Action.VIEW) -> Unit:
    """The unit carrying `code` at the end of `year` among those the caller may act on."""
    unit = unit_at(code.strip(), datetime.date(year, 12, 31), queryset=Unit.objects.restrict(user, action))
    if unit is None:
        raise Http404()
    return unit


def _classification(user: User, pk: int) -> Classification:
    row = Classification.objects.restrict(user).select_related("unit", "rubric").filter(pk=pk).first()
    if row is None:
        raise Http404()
    return row


def _above(user: User, unit: Unit, action: str) -> None:
    """A step of the level above: 404 for anyone else, the unit itself included."""
    parent = unit.parent
    if parent is None or not path_in_scope(parent.path, user_scope_paths(user, action)):
        raise Http404()


def _own(user: User, unit: Unit) -> None:
    if not path_in_scope(unit.path, user_scope_paths(user, Action.CHANGE)):
        raise Http404()


@router.get("/movement/classifications", response={200: ClassificationList, 422: ErrorOut})
def classification_list(request: HttpRequest, unit: str, year: Year) -> ClassificationList:
    """Classifications of the unit and every unit under it for the year."""
    user = current_user(request)
    root = unit_at(unit.strip(), datetime.date(year, 12, 31), queryset=Unit.objects.restrict(user))
    if root is None:  # an invisible code selects nothing, like an unknown one
        return ClassificationList(count=0, items=[])
    rows = (Classification.objects.restrict(user).filter(unit__path__startswith=root.path, year=year)
            .select_related("unit", "rubric").order_by("unit__path"))
    items = [_classification_out(row) for row in rows]
    return ClassificationList(count=len(items), items=items)


@router.post("/movement/classifications", response={201: ClassificationOut, **ERRORS})
def classification_create(request: HttpRequest, payload: StartIn) -> Status[ClassificationOut]:
    user = current_user(request)
    unit = _visible_unit(user, payload.unit_code, payload.year, Action.CHANGE)
    row = classification_start(ctx=api_context(request), unit=unit, year=payload.year)
    return Status(201, _classification_out(row, with_scores=True))


@router.get("/movement/classifications/{classification_id}", response={200: ClassificationOut, **ERRORS})
def classification_detail(request: HttpRequest, classification_id: int) -> ClassificationOut:
    row = _classification(current_user(request), classification_id)
    refresh_facts(row)
    return _classification_out(row, with_scores=True)


@router.post("/movement/classifications/{classification_id}/self-score",
             response={200: ClassificationOut, **EDIT_ERRORS})
def classification_self_score(request: HttpRequest, classification_id: int,
                              payload: SelfScoreIn) -> ClassificationOut | Status[ConflictOut]:
    user = current_user(request)
    row = _classification(user, classification_id)
    _own(user, row.unit)
    try:
        row = self_score(ctx=api_context(request), classification=row, points=payload.points,
                         evidence=payload.evidence, submit=payload.submit, expected_version=payload.version)
    except StaleVersion as exc:
        return conflict(exc)
    return _classification_out(row, with_scores=True)


@router.post("/movement/classifications/{classification_id}/appraisal",
             response={200: ClassificationOut, **EDIT_ERRORS})
def classification_appraisal(request: HttpRequest, classification_id: int,
                             payload: AppraisalIn) -> ClassificationOut | Status[ConflictOut]:
    user = current_user(request)
    row = _classification(user, classification_id)
    _above(user, row.unit, Action.CHANGE)
    try:
        row = appraise(ctx=api_context(request), classification=row, points=payload.points,
                       reasons=payload.reasons, expected_version=payload.version)
    except StaleVersion as exc:
        return conflict(exc)
    return _classification_out(row, with_scores=True)


@router.post("/movement/classifications/{classification_id}/approval",
             response={200: ClassificationOut, **EDIT_ERRORS})
def classification_approval(request: HttpRequest, classification_id: int,
                            payload: ApprovalIn) -> ClassificationOut | Status[ConflictOut]:
    user = current_user(request)
    row = _classification(user, classification_id)
    _above(user, row.unit, Action.APPROVE)
    try:
        row = approve(ctx=api_context(request), classification=row, expected_version=payload.version)
    except StaleVersion as exc:
        return conflict(exc)
    return _classification_out(row, with_scores=True)


@router.get("/movement/standard", response={200: EvaluationList, 422: ErrorOut})
def standard_list(request: HttpRequest, unit: str, year: Year) -> EvaluationList:
    """Standard evaluations of the unit and every unit under it for the year."""
    user = current_user(request)
    root = unit_at(unit.strip(), datetime.date(year, 12, 31), queryset=Unit.objects.restrict(user))
    if root is None:
        return EvaluationList(count=0, items=[])
    rows = (StandardEvaluation.objects.restrict(user).filter(unit__path__startswith=root.path, year=year)
            .select_related("unit", "rule_set").prefetch_related("checks__criterion").order_by("unit__path"))
    items = [_evaluation_out(e) for e in rows]
    return EvaluationList(count=len(items), items=items)


class RegistrationIn(Schema):
    unit_code: str
    year: int = Field(ge=2000, le=2100)
    registered_on: datetime.date
    households: int | None = Field(default=None, ge=0, le=MAX_INT)
    households_registered: int | None = Field(default=None, ge=0, le=MAX_INT)


class RegistrationOut(Schema):
    unit: UnitOut
    year: int
    registered_on: datetime.date


class ChecksIn(Schema):
    results: dict[str, bool] = {}
    evidence: dict[str, str] = {}
    version: int | None = Version


class DecisionIn(Schema):
    recognise: bool
    decision_no: str = Field(max_length=50)
    decision_date: datetime.date
    signer: str = Field(max_length=200)
    version: int | None = Version


def _evaluation_out(e: StandardEvaluation) -> EvaluationOut:
    return EvaluationOut(id=e.pk, unit=_unit_out(e.unit), year=e.year, basis=e.rule_set.basis, result=e.result,
                         decision_no=e.decision_no, decision_date=e.decision_date,
                         checks={c.criterion.code: c.met for c in e.checks.all()}, version=e.version)


def _evaluation(user: User, pk: int) -> StandardEvaluation:
    evaluation = (StandardEvaluation.objects.restrict(user).select_related("unit", "rule_set").filter(pk=pk)
                  .first())
    if evaluation is None:
        raise Http404()
    return evaluation


@router.post("/movement/standard/registrations", response={201: RegistrationOut, **ERRORS})
def standard_registration(request: HttpRequest, payload: RegistrationIn) -> Status[RegistrationOut]:
    """Quý I registration of a unit for the year's standard."""
    user = current_user(request)
    unit = _visible_unit(user, payload.unit_code, payload.year, Action.CHANGE)
    registration = standard_register(ctx=api_context(request), unit=unit, year=payload.year,
                                     registered_on=payload.registered_on, households=payload.households,
                                     households_registered=payload.households_registered)
    return Status(201, RegistrationOut(unit=_unit_out(unit), year=registration.year,
                                       registered_on=registration.registered_on))


@router.post("/movement/standard/evaluations", response={201: EvaluationOut, **ERRORS})
def standard_evaluation_create(request: HttpRequest, payload: StartIn) -> Status[EvaluationOut]:
    user = current_user(request)
    unit = _visible_unit(user, payload.unit_code, payload.year, Action.CHANGE)
    return Status(201, _evaluation_out(standard_evaluation_start(ctx=api_context(request), unit=unit,
                                                                 year=payload.year)))


@router.post("/movement/standard/evaluations/{evaluation_id}/checks", response={200: EvaluationOut, **EDIT_ERRORS})
def standard_evaluation_checks(request: HttpRequest, evaluation_id: int,
                               payload: ChecksIn) -> EvaluationOut | Status[ConflictOut]:
    """Mark hand-checked criteria met or not (automatic ones come from the records)."""
    user = current_user(request)
    evaluation = _evaluation(user, evaluation_id)
    _own(user, evaluation.unit)
    try:
        return _evaluation_out(standard_check(ctx=api_context(request), evaluation=evaluation,
                                              results=payload.results, evidence=payload.evidence,
                                              expected_version=payload.version))
    except StaleVersion as exc:
        return conflict(exc)


@router.post("/movement/standard/evaluations/{evaluation_id}/decision",
             response={200: EvaluationOut, **EDIT_ERRORS})
def standard_evaluation_decision(request: HttpRequest, evaluation_id: int,
                                 payload: DecisionIn) -> EvaluationOut | Status[ConflictOut]:
    """The level above records its decision; recognising a commune below the 70% rule is a
    422 that names the units."""
    user = current_user(request)
    evaluation = _evaluation(user, evaluation_id)
    _above(user, evaluation.unit, Action.APPROVE)
    values = payload.dict(exclude={"version"})
    try:
        return _evaluation_out(standard_decide(ctx=api_context(request), evaluation=evaluation,
                                               expected_version=payload.version, **values))
    except StaleVersion as exc:
        return conflict(exc)


def _report_out(report: MovementReport) -> ReportOut:
    return ReportOut(unit=_unit_out(report.unit), spec=report.spec, period_start=report.period_start,
                     period_end=report.period_end, due_on=report.due_on, status=report.status,
                     submitted_on=report.submitted_on, on_time=report.on_time, figures=report.figures,
                     version=report.version)


@router.get("/movement/reports/{unit_code}/{spec}", response={200: ReportOut, **ERRORS})
def report_detail(request: HttpRequest, unit_code: str, spec: str) -> ReportOut:
    user = current_user(request)
    report = (MovementReport.objects.restrict(user).select_related("unit")
              .filter(unit__code=unit_code.strip(), spec=spec).order_by("-unit__valid_from").first())
    if report is None:
        raise Http404()
    return _report_out(report)


@router.put("/movement/reports/{unit_code}/{spec}", response={200: ReportOut, **EDIT_ERRORS})
def report_put(request: HttpRequest, unit_code: str, spec: str, payload: ReportIn) -> ReportOut | Status[ConflictOut]:
    """Save (and with `submit`, send) the unit's figures for an MPS month (YYYY-MM), quarter
    (YYYY-Qn) or year; `figures` holds every field of the declared data set (see the GET)."""
    user = current_user(request)
    year = int(spec[:4]) if spec[:4].isdigit() else 0
    if not 2000 <= year <= 2100:
        raise Http404()
    unit = _visible_unit(user, unit_code, year, Action.CHANGE)
    try:
        report = report_save(ctx=api_context(request), unit=unit, spec=spec, figures=payload.figures,
                             submit=payload.submit, expected_version=payload.version)
    except StaleVersion as exc:
        return conflict(exc)
    return _report_out(report)


class MemberIn(Schema):
    full_name: str = Field(max_length=120)
    birth_year: int = Field(ge=1900, le=2100)
    sex: str
    role: str = "member"
    education: str
    resident_since: datetime.date
    joined_on: datetime.date
    age_override: str = ""


class MemberOut(Schema):
    id: int
    full_name: str
    birth_year: int
    sex: str
    role: str
    joined_on: datetime.date
    left_on: datetime.date | None


class TeamOut(Schema):
    id: int
    unit: UnitOut
    name: str
    decision_no: str
    decision_date: datetime.date
    members: list[MemberOut]


class TeamList(Schema):
    count: int
    items: list[TeamOut]


def _team_out(team: SecurityTeam) -> TeamOut:
    return TeamOut(id=team.pk, unit=_unit_out(team.unit), name=team.name, decision_no=team.decision_no,
                   decision_date=team.decision_date,
                   members=[MemberOut(id=m.pk, full_name=m.full_name, birth_year=m.birth_year, sex=m.sex, role=m.role,
                                      joined_on=m.joined_on, left_on=m.left_on)
                            for m in team.members.all()])  # Meta orders them by role, name


@router.get("/movement/teams", response={200: TeamList, 422: ErrorOut})
def team_list(request: HttpRequest, unit: str) -> TeamList:
    """Grassroots security teams under the unit (on today's map) with their members."""
    user = current_user(request)
    root = unit_at(unit.strip(), timezone.localdate(), queryset=Unit.objects.restrict(user))
    if root is None:
        return TeamList(count=0, items=[])
    teams = (SecurityTeam.objects.restrict(user).filter(unit__path__startswith=root.path)
             .select_related("unit").prefetch_related("members").order_by("unit__path", "name"))
    items = [_team_out(team) for team in teams]
    return TeamList(count=len(items), items=items)


@router.post("/movement/teams/{team_id}/members", response={201: TeamOut, **ERRORS})
def team_member_add(request: HttpRequest, team_id: int, payload: MemberIn) -> Status[TeamOut]:
    """Add a member; the membership conditions (age 18–70 unless overridden, a year of
    residence, education) are checked and each refusal names its field (422)."""
    user = current_user(request)
    team = SecurityTeam.objects.restrict(user, Action.CHANGE).select_related("unit").filter(pk=team_id).first()
    if team is None:
        raise Http404()
    member_add(ctx=api_context(request), team=team, **payload.dict())
    return Status(201, _team_out(team))


class SiteOut(Schema):
    id: int
    model: str
    unit: UnitOut
    started_on: datetime.date
    stopped_on: datetime.date | None
    replicated_from: int | None
    advanced_example_on: datetime.date | None
    teams: int
    members: int


class SiteList(Schema):
    count: int
    items: list[SiteOut]


@router.get("/movement/sites", response={200: SiteList, 422: ErrorOut})
def site_list(request: HttpRequest, unit: str) -> SiteList:
    """Sites of self-managed models under the unit (on today's map) with their teams."""
    user = current_user(request)
    root = unit_at(unit.strip(), timezone.localdate(), queryset=Unit.objects.restrict(user))
    if root is None:
        return SiteList(count=0, items=[])
    sites = (ModelSite.objects.restrict(user).filter(unit__path__startswith=root.path)
             .select_related("unit", "model_type")
             .annotate(team_count=Count("teams"), member_count=Sum("teams__members"))
             .order_by("unit__path", "model_type__name"))
    items = [SiteOut(id=s.pk, model=s.model_type.name, unit=_unit_out(s.unit), started_on=s.started_on,
                     stopped_on=s.stopped_on, replicated_from=s.replicated_from_id,
                     advanced_example_on=s.advanced_example_on, teams=s.team_count,
                     members=s.member_count or 0)
             for s in sites]
    return SiteList(count=len(items), items=items)
