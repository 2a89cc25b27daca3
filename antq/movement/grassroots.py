"""Grassroots security teams (Law 30/2023/QH15, NĐ 40/2024, TT 14/2024): teams per thôn or
tổ dân phố and their members, with the membership conditions of art. 13 checked on entry
and a clear message for each refusal; service years kept for the commemorative medal."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from antq.core.audit import AuditContext, record_change, save_versioned, snapshot
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.core.versioning import lock_current
from antq.movement.classification import check_in_scope
from antq.movement.models import (
    PERFORMANCE_ORDER,
    Education,
    MemberRating,
    Performance,
    SecurityTeam,
    TeamMember,
    TeamRating,
)
from antq.units.models import Unit

MIN_AGE, MAX_AGE = 18, 70
MIN_RESIDENCE_DAYS = 365
LOWER_SECONDARY_OR_ABOVE = (Education.LOWER_SECONDARY, Education.UPPER_SECONDARY, Education.HIGHER)


@transaction.atomic
def team_create(*, ctx: AuditContext, unit: Unit, name: str, decision_no: str, decision_date: datetime.date,
                hardship_area: bool = False) -> SecurityTeam:
    check_in_scope(ctx, unit)
    if unit.kind != "village":
        raise ValidationError({"unit": _("A security team belongs to a village or residential group.")})
    if not decision_no.strip():
        raise ValidationError({"decision_no": _("Give the commune chair's establishing decision.")})
    team = SecurityTeam.objects.create(unit=unit, name=name.strip(), decision_no=decision_no.strip(),
                                       decision_date=decision_date, hardship_area=hardship_area)
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=team, scope_path=unit.path, before=None,
                  after=snapshot(team))
    return team


def age_in(year: int, birth_year: int) -> int:
    """Age reached during the year (only the year of birth is kept)."""
    return year - birth_year


def eligibility_errors(member: TeamMember, team: SecurityTeam) -> dict[str, str]:
    """Membership conditions (art. 13) on the day of recognition; empty when eligible."""
    errors: dict[str, str] = {}
    age = age_in(member.joined_on.year, member.birth_year)
    if age < MIN_AGE:
        errors["birth_year"] = _("A member must be at least %(min)s years old; born in %(year)s, they are %(age)s "
                                 "in %(on)s.") % {"min": MIN_AGE, "year": member.birth_year, "age": age,
                                                  "on": member.joined_on.year}
    elif age > MAX_AGE and not member.age_override.strip():
        errors["birth_year"] = _("A member older than %(max)s (here %(age)s) needs the commune chair's decision "
                                 "allowing it; give its number.") % {"max": MAX_AGE, "age": age}
    if (member.joined_on - member.resident_since).days < MIN_RESIDENCE_DAYS:
        errors["resident_since"] = _("A member must have lived in the area for at least 1 year before joining.")
    if member.education not in LOWER_SECONDARY_OR_ABOVE and not (
            team.hardship_area and member.education == Education.PRIMARY):
        errors["education"] = _("Lower-secondary education is required (primary in hardship areas).")
    return errors


@transaction.atomic
def member_add(*, ctx: AuditContext, team: SecurityTeam, **values: Any) -> TeamMember:
    team = SecurityTeam.objects.select_related("unit").get(pk=team.pk)
    check_in_scope(ctx, team.unit)
    member = TeamMember(team=team, **values)
    errors = eligibility_errors(member, team)
    if errors:
        raise ValidationError(errors)
    member.full_clean()
    if member.role == TeamMember.Role.LEADER and team.members.filter(role=TeamMember.Role.LEADER,
                                                                     left_on__isnull=True).exists():
        raise ValidationError({"role": _("The team already has a leader.")})
    member.save()
    if not ctx.restrict(TeamMember.objects.all(), Action.CHANGE).filter(pk=member.pk).exists():
        raise OutOfScope()
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=member, scope_path=team.unit.path, before=None,
                  after=snapshot(member))
    return member


@transaction.atomic
def member_leave(*, ctx: AuditContext, member: TeamMember, left_on: datetime.date, reason: str,
                 expected_version: int | None = None) -> TeamMember:
    current = lock_current(TeamMember.objects.select_related("team__unit"), member.pk, expected_version)
    check_in_scope(ctx, current.team.unit)
    if left_on < current.joined_on:
        raise ValidationError({"left_on": _("A member cannot leave before joining.")})
    if not reason.strip():
        raise ValidationError({"leave_reason": _("Give the reason for leaving.")})
    before = snapshot(current)
    current.left_on, current.leave_reason = left_on, reason.strip()
    save_versioned(ctx, current, scope_path=current.team.unit.path, before=before)
    return current


def service_days(full_name: str, birth_year: int, until: datetime.date, members: Any = None) -> int:
    """Days served in every team by one person (the medal's 15/10-year rule counts them);
    periods that overlap are counted once."""
    rows = (members if members is not None else TeamMember.objects.all()).filter(
        full_name=full_name, birth_year=birth_year, joined_on__lte=until)
    spans = sorted((m.joined_on, min(m.left_on or until, until)) for m in rows)
    total, reached = 0, datetime.date.min
    for start, end in spans:
        start = max(start, reached)
        if end >= start:
            total += (end - start).days + 1
            reached = end + datetime.timedelta(days=1)
    return total


# ---------------------------------------------------------------- yearly ratings (HD 01/HD-BCA-V05)

MIN_MONTHS_RATED = 9
EXCELLENT_SHARE_OF_GOOD = (1, 5)  # "xuất sắc" ≤ 20% of "tốt", as the guidance words it, per commune


def rating_window(year: int) -> tuple[datetime.date, datetime.date]:
    """The force's rating year: 15/11 of the previous year to 14/11."""
    return datetime.date(year - 1, 11, 15), datetime.date(year, 11, 14)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last))


def served_enough(start: datetime.date, end: datetime.date | None, year: int) -> bool:
    """At least 9 months inside the rating year (teams and members under that are not rated)."""
    first, last = rating_window(year)
    start, end = max(start, first), min(end or last, last)
    return _add_months(start, MIN_MONTHS_RATED) <= end + datetime.timedelta(days=1)


def _quota_errors(levels: list[str]) -> str | None:
    excellent, good = levels.count(Performance.EXCELLENT), levels.count(Performance.GOOD)
    share, whole = EXCELLENT_SHARE_OF_GOOD
    if excellent * whole > good * share:
        return _("At most 20%% of the number rated 'well completed' may be rated 'excellent' (%(excellent)s "
                 "excellent for %(good)s well completed).") % {"excellent": excellent, "good": good}
    return None


@transaction.atomic
def team_rate(*, ctx: AuditContext, team: SecurityTeam, year: int, level: str) -> TeamRating:
    team = SecurityTeam.objects.select_related("unit").get(pk=team.pk)
    check_in_scope(ctx, team.unit)
    if level not in Performance.values:
        raise ValidationError({"level": _("Unknown rating.")})
    if not served_enough(team.decision_date, team.dissolved_on, year):
        raise ValidationError(_("The team operated less than 9 months in %(year)s and is not rated.")
                              % {"year": year})
    rating, created = TeamRating.objects.get_or_create(team=team, year=year, defaults={"level": level})
    before = snapshot(rating)
    rating.level = level
    rating.save()
    commune_teams = TeamRating.objects.filter(year=year, team__unit__parent_id=team.unit.parent_id)
    problem = _quota_errors(list(commune_teams.values_list("level", flat=True)))
    if problem:
        raise ValidationError({"level": problem})
    record_change(ctx, action=ChangeRecord.Action.CREATE if created else ChangeRecord.Action.UPDATE, obj=rating,
                  scope_path=team.unit.path, before=None if created else before, after=snapshot(rating))
    return rating


@transaction.atomic
def member_rate(*, ctx: AuditContext, member: TeamMember, year: int, level: str,
                transferred_in: bool = False) -> MemberRating:
    """A member's rating: not under 9 months of service in the year; a leader's not above the
    team's (unless newly transferred in); the 20% quota among the commune's members."""
    member = TeamMember.objects.select_related("team__unit").get(pk=member.pk)
    check_in_scope(ctx, member.team.unit)
    if level not in Performance.values:
        raise ValidationError({"level": _("Unknown rating.")})
    if not served_enough(member.joined_on, member.left_on, year):
        raise ValidationError(_("%(name)s served less than 9 months in %(year)s and is not rated.")
                              % {"name": member.full_name, "year": year})
    if member.role == TeamMember.Role.LEADER and not transferred_in:
        team_rating = TeamRating.objects.filter(team=member.team, year=year).first()
        if team_rating is None:
            raise ValidationError(_("Rate the team before its leader."))
        if PERFORMANCE_ORDER.index(Performance(level)) < PERFORMANCE_ORDER.index(Performance(team_rating.level)):
            raise ValidationError({"level": _("A leader cannot be rated above the team (%(team)s).")
                                   % {"team": team_rating.get_level_display()}})
    rating, created = MemberRating.objects.get_or_create(member=member, year=year,
                                                         defaults={"level": level, "transferred_in": transferred_in})
    before = snapshot(rating)
    rating.level, rating.transferred_in = level, transferred_in
    rating.save()
    peers = MemberRating.objects.filter(year=year, member__team__unit__parent_id=member.team.unit.parent_id)
    problem = _quota_errors(list(peers.values_list("level", flat=True)))
    if problem:
        raise ValidationError({"level": problem})
    record_change(ctx, action=ChangeRecord.Action.CREATE if created else ChangeRecord.Action.UPDATE, obj=rating,
                  scope_path=member.team.unit.path, before=None if created else before, after=snapshot(rating))
    return rating
