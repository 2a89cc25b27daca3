"""The yearly movement classification (QĐ 510 art. 11): the unit scores itself, the level
above appraises (a changed score needs a reason), the secretariat above approves and locks.

Automatic items are filled from the records (`facts`) and refreshed at every step until the
classification is locked, so they follow the records; a person cannot overwrite them. Every
step is audited with the scores before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from antq.core.audit import AuditContext, record_change, save_versioned, snapshot
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.core.versioning import lock_current
from antq.movement.choices import SUBJECT_OF_KIND, Level
from antq.movement.facts import fact_for, standard_passed
from antq.movement.models import Classification, Score
from antq.movement.rules import LevelScheme, levels_for, rubric_for
from antq.units.models import Unit
from antq.units.selectors import province_of

Status = Classification.Status


def check_in_scope(ctx: AuditContext, unit: Unit, action: str = Action.CHANGE) -> None:
    if not ctx.restrict(Unit.objects.all(), action).filter(pk=unit.pk).exists():
        raise OutOfScope()


def check_above(ctx: AuditContext, unit: Unit, action: str) -> None:
    """The actor must act from a level above the unit: its scope covers the unit's parent,
    so a commune can never appraise or approve its own classification."""
    check_in_scope(ctx, unit, Action.VIEW)
    if ctx.is_operator:
        return
    if unit.parent_id is None or not ctx.restrict(Unit.objects.all(), action).filter(pk=unit.parent_id).exists():
        raise ValidationError(_("Only the level above %(unit)s may do this.") % {"unit": unit.name})


def _state(classification: Classification) -> dict[str, Any]:
    """Audit snapshot: the row and every item's points."""
    return {**snapshot(classification), "scores": {
        s.item.code: [_str(s.self_points), _str(s.appraised_points), s.appraisal_reason]
        for s in classification.scores.select_related("item")}}


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _locked(ctx: AuditContext, classification: Classification, expected_version: int | None) -> Classification:
    current = lock_current(Classification.objects.select_related("unit", "rubric", "levels"), classification.pk,
                           expected_version)
    check_in_scope(ctx, current.unit, Action.VIEW)
    if current.locked:
        raise ValidationError(_("The classification is approved and locked."))
    return current


@transaction.atomic
def classification_start(*, ctx: AuditContext, unit: Unit, year: int) -> Classification:
    """Open a unit's classification with the rubric and levels in force for that year."""
    check_in_scope(ctx, unit)
    subject = SUBJECT_OF_KIND.get(unit.kind)
    if subject is None:
        raise ValidationError(_("Units of this kind are not classified."))
    existing = Classification.objects.filter(unit=unit, year=year).first()
    if existing is not None:
        return existing
    province = province_of(unit)
    rubric, levels = rubric_for(subject, year, province), levels_for(year, province)
    if rubric is None or levels is None:
        raise ValidationError(_("No rubric or levels are in force for %(year)s.") % {"year": year})
    classification = Classification.objects.create(unit=unit, year=year, rubric=rubric, levels=levels)
    Score.objects.bulk_create([Score(classification=classification, item=item) for item in rubric.items.all()])
    refresh_facts(classification)
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=classification, scope_path=unit.path, before=None,
                  after=_state(classification))
    return classification


def refresh_facts(classification: Classification) -> None:
    """Recompute the automatic items from the records (not once locked)."""
    if classification.locked:
        return
    for score in classification.scores.select_related("item").exclude(item__auto_source=""):
        fact = fact_for(score.item.auto_source, classification.unit, classification.year)
        if fact is None:
            continue
        points = score.item.max_points if fact.met else Decimal(0)
        appraised = points if score.appraised_points is not None else None
        if (score.fact, score.self_points, score.appraised_points) != (fact.as_json(), points, appraised):
            score.fact, score.self_points, score.appraised_points = fact.as_json(), points, appraised
            score.save(update_fields=["fact", "self_points", "appraised_points"])


def _check_points(score: Score, value: Decimal) -> None:
    if value < 0 or value > score.item.max_points:
        raise ValidationError({score.item.code: _("Item %(code)s: points must be between 0 and %(max)s.")
                               % {"code": score.item.code, "max": score.item.max_points}})


@transaction.atomic
def self_score(*, ctx: AuditContext, classification: Classification, points: dict[str, Decimal],
               evidence: dict[str, str] | None = None, submit: bool = True,
               expected_version: int | None = None) -> Classification:
    """The unit's own scores (hand-scored items only); `submit` sends them to the level above."""
    current = _locked(ctx, classification, expected_version)
    check_in_scope(ctx, current.unit)
    if current.status not in (Status.DRAFT, Status.SUBMITTED):
        raise ValidationError(_("The classification has already been appraised."))
    before = _state(current)
    evidence = evidence or {}
    scores = {s.item.code: s for s in current.scores.select_related("item")}
    unknown = set(points) - set(scores)
    if unknown:
        raise ValidationError(_("Unknown rubric items: %(codes)s") % {"codes": ", ".join(sorted(unknown))})
    for code, score in scores.items():
        if score.item.auto_source:
            continue  # computed from the records, never typed in
        if code in points:
            _check_points(score, points[code])
            score.self_points = points[code]
        if code in evidence:
            score.evidence = evidence[code].strip()
        if submit and score.self_points is None:
            raise ValidationError({code: _("Item %(code)s has no score.") % {"code": code}})
        if submit and score.item.evidence_required and score.self_points and not score.evidence:
            raise ValidationError({code: _("Item %(code)s needs evidence.") % {"code": code}})
        score.save(update_fields=["self_points", "evidence"])
    refresh_facts(current)
    current.self_total = _total(current, "self_points")
    if submit:
        current.status, current.submitted_by, current.submitted_at = Status.SUBMITTED, ctx.user, timezone.now()
    save_versioned(ctx, current, scope_path=current.unit.path, before=before, after=_state, reason="self-score")
    return current


@transaction.atomic
def appraise(*, ctx: AuditContext, classification: Classification, points: dict[str, Decimal],
             reasons: dict[str, str] | None = None, expected_version: int | None = None) -> Classification:
    """The level above confirms or changes each hand-scored item; a change needs a reason."""
    current = _locked(ctx, classification, expected_version)
    check_above(ctx, current.unit, Action.CHANGE)
    if current.status not in (Status.SUBMITTED, Status.APPRAISED):
        raise ValidationError(_("The unit has not submitted its self-score yet."))
    before = _state(current)
    reasons = reasons or {}
    for score in current.scores.select_related("item"):
        code = score.item.code
        if score.item.auto_source:
            score.appraised_points = score.self_points
        else:
            value = points.get(code, score.self_points)
            assert value is not None  # submitted: every hand-scored item has a self-score
            _check_points(score, value)
            reason = reasons.get(code, "").strip()
            if value != score.self_points and not reason:
                raise ValidationError({code: _("Item %(code)s: give the reason for changing the score.")
                                       % {"code": code}})
            score.appraised_points, score.appraisal_reason = value, reason
        score.save(update_fields=["appraised_points", "appraisal_reason"])
    refresh_facts(current)
    current.appraised_total = _total(current, "appraised_points")
    current.status, current.appraised_by, current.appraised_at = Status.APPRAISED, ctx.user, timezone.now()
    save_versioned(ctx, current, scope_path=current.unit.path, before=before, after=_state, reason="appraisal")
    return current


@transaction.atomic
def approve(*, ctx: AuditContext, classification: Classification,
            expected_version: int | None = None) -> Classification:
    """The secretariat above the unit approves the appraised score: the level is set and the
    classification locked (automatic items keep the figures of that moment)."""
    current = _locked(ctx, classification, expected_version)
    check_above(ctx, current.unit, Action.APPROVE)
    if current.status != Status.APPRAISED:
        raise ValidationError(_("Only an appraised classification can be approved."))
    before = _state(current)
    refresh_facts(current)
    current.appraised_total = _total(current, "appraised_points")
    current.level = level_for(current.appraised_total, current.levels,
                              bool(standard_passed(current.unit, current.year).met))
    current.status, current.approved_by, current.approved_at = Status.APPROVED, ctx.user, timezone.now()
    save_versioned(ctx, current, scope_path=current.unit.path, before=before, after=_state, reason="approval")
    return current


def _total(classification: Classification, field: str) -> Decimal:
    return sum((getattr(s, field) or Decimal(0) for s in classification.scores.all()), Decimal(0))


def level_for(total: Decimal, scheme: LevelScheme, standard_passed: bool) -> str:
    """The highest level whose threshold the total reaches and whose gate holds."""
    for rule in scheme.levels.order_by("-min_points"):
        if total >= rule.min_points and (standard_passed or not rule.requires_standard):
            return rule.level
    return Level.WEAK


@dataclass(frozen=True)
class LevelCounts:
    """Approved results of a parent's units for one year: counts by level and the list."""

    counts: dict[str, int]
    rows: list[Classification]
    pending: int

    def phrase(self) -> str:
        """'3 xuất sắc, 45 khá, 4 trung bình' in the active language (empty levels left out)."""
        return ", ".join(f"{self.counts[level]} {str(label).lower()}" for level, label in Level.choices
                         if self.counts.get(level))


def results_under(parent: Unit, year: int, user: Any) -> LevelCounts:
    rows = list(Classification.objects.restrict(user).filter(unit__path__startswith=parent.path, year=year)
                .exclude(unit=parent).select_related("unit").order_by("unit__kind", "unit__name"))
    counts = {level: 0 for level in Level.values}
    for row in rows:
        if row.locked:
            counts[row.level] += 1
    return LevelCounts(counts, rows, sum(1 for row in rows if not row.locked))
