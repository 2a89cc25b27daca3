"""Everything the annual review report states, as one plain object built from the live data:
the indicator engine (the same JSON the API serves), the movement, the awards and next
year's plan. Tables, charts, sentences and the annex all read this object; its data version
is a hash of the figures, so a regenerated report with unchanged data states the same."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import translation

from antq.awards.models import Authority, Award, Category, Plan, Proposal
from antq.core.periods import month_periods, period_from_spec
from antq.indicators.children import children_figures
from antq.indicators.engine import Computation, area_of, indicator_report
from antq.movement.choices import Level
from antq.movement.models import Classification, MovementReport, SecurityTeam, StandardEvaluation, TeamMember
from antq.movement.reports import REPORT_FIELDS
from antq.movement.self_managed import model_counts
from antq.records.choices import GROUP_LABELS_VI, CrimeGroup
from antq.tipoffs.services import tips_received
from antq.units.models import Unit, UnitKind

MAP = "time"  # the report speaks of the area as it was in the year reported
CHILD_INDICATORS = ["criminal_cases", "criminal_cases_cleared", "clearance_rate", "serious_cases",
                    "serious_cases_cleared", "ttxh_cases", "accidents", "accident_deaths", "accident_injuries"]
FLOWS = ("propaganda_sessions", "propaganda_attendees", "meetings", "people_reports", "crimes_detected_by_people",
         "new_models")
GIVERS = {Authority.COMMUNE: "UBND xã", Authority.DISTRICT: "UBND huyện", Authority.PROVINCE: "UBND tỉnh",
          Authority.MINISTRY: "Bộ Công an", Authority.PRIME_MINISTER: "Thủ tướng Chính phủ",
          Authority.GOVERNMENT: "Chính phủ"}

# As a review report lists them: the province's own awards first, then the Ministry's and above.
AUTHORITY_ORDER = [Authority.PROVINCE, Authority.MINISTRY, Authority.PRIME_MINISTER, Authority.GOVERNMENT,
                   Authority.DISTRICT, Authority.COMMUNE]
CATEGORY_ORDER = [Category.TITLE, Category.CERTIFICATE, Category.MEDAL]


@dataclass(frozen=True)
class Figure:
    value: Any
    previous: Any
    change_pct: Decimal | None


@dataclass(frozen=True)
class GroupFigure:
    group: str
    label: str
    figure: Figure


@dataclass(frozen=True)
class AwardLine:
    giver: str
    award: str
    category: str
    collectives: int
    individuals: int
    by_rank: dict[int, int] = field(default_factory=dict)  # cluster awards: rank → collectives


@dataclass(frozen=True)
class ChildRow:
    code: str
    name: str
    values: dict[str, Any]


@dataclass(frozen=True)
class ReportData:
    unit_code: str
    unit_name: str
    unit_kind: str
    province_name: str
    province_is_city: bool
    year: int
    scheme: str
    period_start: datetime.date
    period_end: datetime.date
    comparable: bool
    indicators: dict[str, dict[str, Any]]
    groups: list[GroupFigure]
    levels: dict[str, int]
    classification_pending: int
    standard_evaluated: int
    standard_recognised: int
    models: dict[str, int]
    teams: int
    team_members: int
    activities: dict[str, int]
    portal_tips: int
    awards: list[AwardLine]
    tasks: list[str]
    plan_title: str
    children: list[ChildRow]

    def as_json(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self), default=str))

    @property
    def version(self) -> str:
        """16 hex digits of the figures' hash: the same data gives the same version."""
        text = json.dumps(self.as_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _restricted(queryset: Any, user: Any) -> Any:
    return queryset.restrict(user) if user is not None else queryset.all()


def report_data(unit: Unit, year: int, scheme: str = "mps", user: Any = None) -> ReportData:
    """The report's figures for the unit's area in the year (as the user may see them; the
    operator, with no user, sees everything)."""
    period = period_from_spec(str(year), scheme)
    computation = Computation.for_user(user) if user is not None else Computation.unrestricted()
    report = indicator_report(unit=unit, period=period, map_=MAP, computation=computation)
    indicators = report["indicators"]
    groups = []
    for group in CrimeGroup:
        row = indicators.get(f"{group.value}_cases")
        if row and (row["value"] or row["previous"]):
            change = row["change_pct"]
            groups.append(GroupFigure(group.value, GROUP_LABELS_VI[group], Figure(
                row["value"], row["previous"], Decimal(str(change)) if change is not None else None)))
    levels, pending = _levels(unit, year, user)
    evaluations = _restricted(StandardEvaluation.objects, user).filter(
        year=year, unit__path__startswith=unit.path).exclude(unit=unit)
    counts = model_counts(unit, period.end)
    teams = _restricted(SecurityTeam.objects, user).filter(unit__path__startswith=unit.path,
                                                           decision_date__lte=period.end).filter(
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=period.end))
    plan = Plan.objects.filter(unit=unit, year=year + 1).first()
    children = children_figures(area_of(unit, period, MAP), period, computation,
                                _restricted(Unit.objects, user), CHILD_INDICATORS)
    return ReportData(
        unit_code=unit.code, unit_name=unit.name, unit_kind=unit.kind, province_name=province_name(unit),
        province_is_city=_province_is_city(unit),
        year=year, scheme=scheme, period_start=period.start, period_end=period.end,
        comparable=bool(report["comparable"]), indicators=indicators, groups=groups, levels=levels,
        classification_pending=pending, standard_evaluated=evaluations.exclude(result="pending").count(),
        standard_recognised=evaluations.filter(result=StandardEvaluation.Result.RECOGNISED).count(),
        models={"models": counts.models, "sites": counts.sites, "teams": counts.teams, "members": counts.members,
                "advanced_examples": counts.advanced_examples},
        teams=teams.count(),
        team_members=TeamMember.objects.filter(team__in=teams, joined_on__lte=period.end).filter(
            Q(left_on__isnull=True) | Q(left_on__gt=period.end)).count(),
        activities=_activities(unit, year, user), portal_tips=tips_received(unit, period.start, period.end),
        awards=_awards(unit, year, user),
        tasks=[t.text for t in plan.tasks.order_by("position")] if plan else [],
        plan_title=plan.title if plan else "",
        children=[ChildRow(c.unit.code, c.unit.name, {k: _plain(v) for k, v in c.values.items()
                                                      if k in CHILD_INDICATORS}) for c in children])


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def province_name(unit: Unit) -> str:
    """"Hòa Bình", "Hà Nội": the province's name without "Tỉnh" / "Thành phố"."""
    province = unit if unit.kind == UnitKind.PROVINCE else Unit.objects.filter(
        pk__in=unit.ancestor_ids(), kind=UnitKind.PROVINCE).first()
    name = (province or unit).name
    for prefix in ("Thành phố ", "Tỉnh "):
        name = name.removeprefix(prefix)
    return name


def _province_is_city(unit: Unit) -> bool:
    province = unit if unit.kind == UnitKind.PROVINCE else Unit.objects.filter(
        pk__in=unit.ancestor_ids(), kind=UnitKind.PROVINCE).first()
    return (province or unit).name.startswith("Thành phố")


def _levels(unit: Unit, year: int, user: Any) -> tuple[dict[str, int], int]:
    rows = _restricted(Classification.objects, user).filter(unit__path__startswith=unit.path, year=year).exclude(
        unit=unit)
    counts = {level: 0 for level in Level.values}
    pending = 0
    for row in rows:
        if row.locked:
            counts[row.level] += 1
        else:
            pending += 1
    with translation.override("vi"):
        return {str(label).lower(): counts[level] for level, label in Level.choices}, pending


def _activities(unit: Unit, year: int, user: Any) -> dict[str, int]:
    """Flows of the year from the communes' submitted monthly reports (the level that reports)."""
    months = [m.spec for m in month_periods(year, "mps")]
    reports = (_restricted(MovementReport.objects, user)
               .filter(unit__path__startswith=unit.path, unit__kind=UnitKind.COMMUNE, spec__in=months)
               .exclude(status=MovementReport.Status.DRAFT))
    totals = dict.fromkeys(FLOWS, 0)
    for report in reports:
        for key in FLOWS:
            totals[key] += int(report.figures.get(key) or 0)
    with translation.override("vi"):
        return {str(REPORT_FIELDS[key]): totals[key] for key in FLOWS}


def _awards(unit: Unit, year: int, user: Any) -> list[AwardLine]:
    return award_lines(_restricted(Award.objects, user).filter(unit__path__startswith=unit.path,
                                                               decision__year=year))


def award_lines(queryset: Any) -> list[AwardLine]:
    """Active awards counted per form (collectives, individuals, and cluster ranks)."""
    awards = list(queryset.filter(status=Award.Status.ACTIVE).select_related("award_type", "decision"))
    ranks = dict(Proposal.objects.filter(decision__in={a.decision_id for a in awards}, cluster__isnull=False)
                 .values_list("achievement", "rank"))
    lines: dict[tuple[str, str], dict[str, Any]] = {}
    for award in sorted(awards, key=lambda a: (AUTHORITY_ORDER.index(a.award_type.authority),
                                               CATEGORY_ORDER.index(a.award_type.category), a.award_type.name)):
        kind = award.award_type
        line = lines.setdefault((kind.authority, kind.name), {
            "giver": GIVERS.get(Authority(kind.authority), ""), "award": kind.name, "category": kind.category,
            "collectives": 0, "individuals": 0, "by_rank": {}})
        line["individuals" if award.person_name else "collectives"] += 1
        rank = ranks.get(award.achievement)
        if rank is not None and not award.person_name:
            line["by_rank"][rank] = line["by_rank"].get(rank, 0) + 1
    return [AwardLine(**line) for line in lines.values()]
