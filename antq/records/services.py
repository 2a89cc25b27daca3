"""Writes on criminal cases, traffic accidents and later deaths; each audited and scoped."""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from antq.core.audit import AuditContext, record_change, snapshot
from antq.core.bulk import bulk_insert
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.core.versioning import lock_current
from antq.records.models import CriminalCase, LaterDeath, TrafficAccident
from antq.records.rules import ArticleMap, group_for_article
from antq.records.tallies import Deltas
from antq.units.models import Unit
from antq.units.selectors import province_of

SENSITIVE_FIELDS = ("child_victim", "sexual_abuse")
CASE_FIELDS = ("case_no", "unit", "occurred_on", "reported_on", "article", "severity", "group", "cleared_on",
               "suspects", *SENSITIVE_FIELDS)
ACCIDENT_FIELDS = ("accident_no", "unit", "occurred_on", "mode", "deaths", "injuries", "missing", "damage_vnd")
R = TypeVar("R", CriminalCase, TrafficAccident)


def _check_unit(ctx: AuditContext, unit: Unit, occurred_on: datetime.date | None) -> None:
    if not ctx.restrict(Unit.objects.all(), Action.CHANGE).filter(pk=unit.pk).exists():
        raise OutOfScope()
    if occurred_on is not None and not unit.is_valid_on(occurred_on):
        raise ValidationError({"unit": _("Unit %(code)s is not valid on %(date)s; use the unit of that date.")
                               % {"code": unit.code, "date": occurred_on.strftime("%d/%m/%Y")}})


def _check_dates(record: CriminalCase | TrafficAccident) -> None:
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if record.occurred_on and record.occurred_on > today:
        errors["occurred_on"] = _("The date is in the future.")
    if isinstance(record, CriminalCase):
        if record.cleared_on and record.occurred_on and record.cleared_on < record.occurred_on:
            errors["cleared_on"] = _("A case cannot be cleared before it occurred.")
        elif record.cleared_on and record.cleared_on > today:
            errors["cleared_on"] = _("The date is in the future.")
        if record.reported_on and record.occurred_on and record.reported_on < record.occurred_on:
            errors["reported_on"] = _("A case cannot be reported before it occurred.")
        elif record.reported_on and record.reported_on > today:
            errors["reported_on"] = _("The date is in the future.")
    if errors:
        raise ValidationError(errors)


def _resolve_group(case: CriminalCase, articles: ArticleMap | None = None) -> None:
    if case.group:
        return
    if not case.article:
        mapped = None
    elif articles is not None:
        mapped = articles.group_for(case.article, case.occurred_on, case.province_id)
    else:
        mapped = group_for_article(case.article, case.occurred_on, case.province)
    if mapped is None:
        raise ValidationError({"group": _("Give the reporting group (the article does not map to one).")})
    case.group = mapped


def _unique_number(record: R, number_field: str) -> None:
    model = type(record)
    clash = model.objects.filter(province=record.province, **{number_field: getattr(record, number_field)})
    if record.pk:
        clash = clash.exclude(pk=record.pk)
    if clash.exists():
        raise ValidationError({number_field: _("Number %(no)s already exists in this province.")
                               % {"no": getattr(record, number_field)}})


def _may_see_sensitive(ctx: AuditContext, unit: Unit) -> bool:
    return ctx.restrict(Unit.objects.all(), Action.VIEW_SENSITIVE).filter(pk=unit.pk).exists()


def validate_new(record: CriminalCase | TrafficAccident,
                 articles: ArticleMap | None = None) -> CriminalCase | TrafficAccident:
    """The checks of a new record that need no query when its unit and province are known
    and the caller has checked scope and uniqueness (bulk imports); raises ValidationError."""
    if isinstance(record, CriminalCase):
        _resolve_group(record, articles)
    _check_dates(record)
    record.full_clean(exclude=["province", "unit"], validate_unique=False, validate_constraints=False)
    return record


def _tally_row(record: CriminalCase | TrafficAccident) -> tuple[Any, ...]:
    if isinstance(record, CriminalCase):
        return (record.unit.path, record.occurred_on, record.group, record.severity, record.cleared_on)
    return (record.unit.path, record.occurred_on, 1, record.deaths, record.injuries, record.missing)


def _retally(record: CriminalCase | TrafficAccident, old: tuple[Any, ...] | None,
             new: tuple[Any, ...] | None) -> None:
    """Move the record's counts from its old state to its new one, in the write's transaction."""
    states = [(state, sign) for state, sign in ((old, -1), (new, 1)) if state is not None]
    deltas = Deltas(state[0] for state, _sign in states)
    for state, sign in states:
        if isinstance(record, CriminalCase):
            deltas.case(sign, *state)
        else:
            deltas.accident(sign, *state)
    deltas.apply()


def _later_deaths(accident: TrafficAccident, count: int) -> None:
    deltas = Deltas([accident.unit.path])
    deltas.accident(1, accident.unit.path, accident.occurred_on, 0, count, 0, 0)
    deltas.apply()


def _save(ctx: AuditContext, record: R, number_field: str, before: dict[str, Any] | None, reason: str,
          old_tally: tuple[Any, ...] | None = None) -> R:
    _check_unit(ctx, record.unit, record.occurred_on)
    record.province = province_of(record.unit)
    validate_new(record)
    _unique_number(record, number_field)
    record.save()
    _retally(record, old_tally, _tally_row(record))
    # Re-check inside the transaction: the saved row must still be in the actor's scope.
    if not ctx.restrict(type(record).objects.all(), Action.CHANGE).filter(pk=record.pk).exists():
        raise OutOfScope()
    record_change(ctx, action=ChangeRecord.Action.UPDATE if before else ChangeRecord.Action.CREATE, obj=record,
                  scope_path=record.unit.path, before=before, after=snapshot(record), reason=reason)
    return record


def _apply(ctx: AuditContext, record: R, fields: tuple[str, ...], values: dict[str, Any]) -> None:
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    unit = values.get("unit") or (record.unit if record.unit_id else None)
    sensitive_ok = unit is not None and _may_see_sensitive(ctx, unit)
    for field, value in values.items():
        if field in SENSITIVE_FIELDS and not sensitive_ok:
            continue  # only the secretariat sets or sees these flags
        setattr(record, field, value.strip() if isinstance(value, str) else value)


def _unchanged(record: CriminalCase | TrafficAccident, before: dict[str, Any]) -> bool:
    """A save that changes nothing is not a change: no new version, no audit row
    (re-importing an unchanged export leaves everything as it was)."""
    return snapshot(record) == before


def _locked(model: type[R], ctx: AuditContext, record: R, expected_version: int | None) -> R:
    return lock_current(ctx.restrict(model.objects.all(), Action.CHANGE), record.pk, expected_version)


@transaction.atomic
def case_create(*, ctx: AuditContext, **values: Any) -> CriminalCase:
    case = CriminalCase()
    _apply(ctx, case, CASE_FIELDS, values)
    return _save(ctx, case, "case_no", None, "")


@transaction.atomic
def case_update(*, ctx: AuditContext, case: CriminalCase, expected_version: int | None = None, reason: str = "",
                **values: Any) -> CriminalCase:
    case = _locked(CriminalCase, ctx, case, expected_version)
    before = snapshot(case)
    old_tally = _tally_row(case)
    _apply(ctx, case, CASE_FIELDS, values)
    case.province = province_of(case.unit)
    _resolve_group(case)  # an empty group re-derived from the article is not a change
    if _unchanged(case, before):
        return case
    case.version += 1
    return _save(ctx, case, "case_no", before, reason, old_tally)


@transaction.atomic
def accident_create(*, ctx: AuditContext, **values: Any) -> TrafficAccident:
    accident = TrafficAccident()
    _apply(ctx, accident, ACCIDENT_FIELDS, values)
    return _save(ctx, accident, "accident_no", None, "")


@transaction.atomic
def accident_update(*, ctx: AuditContext, accident: TrafficAccident, expected_version: int | None = None,
                    reason: str = "", **values: Any) -> TrafficAccident:
    accident = _locked(TrafficAccident, ctx, accident, expected_version)
    before = snapshot(accident)
    old_tally = _tally_row(accident)
    _apply(ctx, accident, ACCIDENT_FIELDS, values)
    if _unchanged(accident, before):
        return accident
    accident.version += 1
    return _save(ctx, accident, "accident_no", before, reason, old_tally)


def record_update(*, ctx: AuditContext, record: CriminalCase | TrafficAccident, expected_version: int | None = None,
                  reason: str = "", **values: Any) -> CriminalCase | TrafficAccident:
    """The update service of the record's register (for callers that serve both registers)."""
    if isinstance(record, CriminalCase):
        return case_update(ctx=ctx, case=record, expected_version=expected_version, reason=reason, **values)
    return accident_update(ctx=ctx, accident=record, expected_version=expected_version, reason=reason, **values)


@transaction.atomic
def record_delete(*, ctx: AuditContext, record: R, reason: str = "") -> None:
    current = _locked(type(record), ctx, record, None)
    record_change(ctx, action=ChangeRecord.Action.DELETE, obj=current, scope_path=current.unit.path,
                  before=snapshot(current), after=None, reason=reason)
    _retally(current, _tally_row(current), None)
    if isinstance(current, TrafficAccident):  # its later deaths go with it
        later = sum(current.later_deaths.values_list("count", flat=True))
        if later:
            _later_deaths(current, -later)
    current.delete()


@transaction.atomic
def later_death_add(*, ctx: AuditContext, accident: TrafficAccident, died_on: datetime.date, count: int = 1,
                    recorded_on: datetime.date | None = None) -> LaterDeath:
    accident = _locked(TrafficAccident, ctx, accident, None)
    if died_on < accident.occurred_on:
        raise ValidationError({"died_on": _("A death cannot precede the accident.")})
    if died_on > timezone.localdate():
        raise ValidationError({"died_on": _("The date is in the future.")})
    if count < 1:
        raise ValidationError({"count": _("At least one death.")})
    death = LaterDeath.objects.create(accident=accident, died_on=died_on, count=count,
                                      recorded_on=recorded_on or timezone.localdate())
    _later_deaths(accident, count)
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=death, scope_path=accident.unit.path, before=None,
                  after=snapshot(death))
    return death


@transaction.atomic
def records_bulk_create(*, ctx: AuditContext, records: list[R], batch_size: int = 5000) -> int:
    """Insert many new records at once (trusted generators and large imports): the same
    checks as one by one are the caller's job; each row still gets its audit record."""
    if not ctx.is_operator:
        allowed = set(ctx.restrict(Unit.objects.all(), Action.CHANGE).filter(
            pk__in={r.unit_id for r in records}).values_list("pk", flat=True))
        if any(r.unit_id not in allowed for r in records):
            raise OutOfScope()
    for start in range(0, len(records), batch_size):
        batch = records[start:start + batch_size]
        bulk_insert(batch)
        paths = dict(Unit.objects.filter(pk__in={r.unit_id for r in batch}).values_list("pk", "path"))
        deltas = Deltas(paths.values())
        for record in batch:
            if isinstance(record, CriminalCase):
                deltas.case(1, paths[record.unit_id], record.occurred_on, record.group, record.severity,
                            record.cleared_on)
            else:
                deltas.accident(1, paths[record.unit_id], record.occurred_on, 1, record.deaths, record.injuries,
                                record.missing)
        deltas.apply()
        content_type_id = ContentType.objects.get_for_model(type(records[0])).pk
        actor_id = ctx.user.pk if ctx.user is not None else None
        bulk_insert([
            ChangeRecord(actor_id=actor_id, actor_name=ctx.actor_name, source=ctx.source, request_id=ctx.request_id,
                         action=ChangeRecord.Action.CREATE, content_type_id=content_type_id, object_id=str(r.pk),
                         object_repr=str(r)[:300], scope_path=paths[r.unit_id], before=None, after=snapshot(r))
            for r in batch
        ])
    return len(records)
