"""Editing the movement rules: the secretariat of a province (or an administrator, for the
national defaults) changes rubrics, level thresholds and the standard's criteria by
versions. A rule set that has judged something is frozen; a new version from a given year
takes its place for that year and after, so earlier years keep the rules they were judged by."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from antq.core.audit import AuditContext, record_change, save_versioned, snapshot
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.core.versioning import lock_current
from antq.movement.models import Classification, StandardEvaluation
from antq.movement.rules import LevelRule, LevelScheme, Rubric, RubricItem, RuleSet, StandardCriterion, StandardRuleSet
from antq.units.models import Unit

# Rule set → (its rows, the fields a new version copies, the editable fields of a row)
PARTS: dict[type[RuleSet], tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    Rubric: ("items", ("position", "code", "text", "max_points", "evidence_required", "auto_source"),
             ("text", "max_points", "evidence_required")),
    LevelScheme: ("levels", ("level", "min_points", "requires_standard"), ("min_points", "requires_standard")),
    StandardRuleSet: ("criteria", ("position", "code", "text", "auto_source"), ("text",)),
}
DECIMALS = {"max_points", "min_points"}
S = TypeVar("S", Rubric, LevelScheme, StandardRuleSet)
Row = TypeVar("Row", RubricItem, LevelRule, StandardCriterion)


def check_rule_scope(ctx: AuditContext, province: Unit | None) -> None:
    """Province rules: the province's secretariat; national rules: operators and administrators."""
    if ctx.is_operator or getattr(ctx.actor, "is_superuser", False):
        return
    if province is None or not ctx.restrict(Unit.objects.all(), Action.MANAGE_GRANTS).filter(pk=province.pk).exists():
        raise OutOfScope()


def rule_set_in_use(rule_set: RuleSet) -> bool:
    """Whether anything was judged by this rule set (it is then frozen)."""
    if isinstance(rule_set, Rubric):
        return Classification.objects.filter(rubric=rule_set).exists()
    if isinstance(rule_set, LevelScheme):
        return Classification.objects.filter(levels=rule_set).exists()
    return StandardEvaluation.objects.filter(rule_set_id=rule_set.pk).exists()


@transaction.atomic
def rule_set_new_version(*, ctx: AuditContext, base: S, first_year: int, province: Unit | None = None,
                         basis: str = "", note: str = "") -> S:
    """A copy of `base` (its rows included) in force from `first_year` for the province (or
    nationally); a national base keeps running for other provinces, a base of the same
    scope ends the year before."""
    check_rule_scope(ctx, province)
    if first_year <= base.first_year:
        raise ValidationError({"first_year": _("A new version must start after %(year)s.")
                               % {"year": base.first_year}})
    model = type(base)
    rows, copied, _editable = PARTS[model]
    same_scope = base.province_id == (province.pk if province else None)
    extra = {"subject": base.subject} if hasattr(base, "subject") else {}
    version = model._default_manager.create(province=province, first_year=first_year,
                                   last_year=base.last_year if same_scope else None, basis=basis or base.basis,
                                   note=note, **extra)
    children = getattr(base, rows).all()
    child_model = children.model
    parent_field = next(f.name for f in child_model._meta.fields
                        if isinstance(f, models.ForeignKey) and f.related_model is model)
    child_model.objects.bulk_create([child_model(**{parent_field: version}, **{name: getattr(child, name)
                                                                               for name in copied})
                                     for child in children])
    if same_scope:
        before = snapshot(base)
        base.last_year = first_year - 1
        base.save(update_fields=["last_year"])
        record_change(ctx, action=ChangeRecord.Action.UPDATE, obj=base, scope_path=rule_scope_path(province),
                      before=before, after=snapshot(base), reason=f"replaced from {first_year}")
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=version, scope_path=rule_scope_path(province),
                  before=None, after={**snapshot(version), rows: [snapshot(c) for c in getattr(version, rows).all()]})
    return version


@transaction.atomic
def rule_row_update(*, ctx: AuditContext, row: Row, expected_version: int | None = None, **values: Any) -> Row:
    """Change a row of a rule set nothing has been judged by yet (a stale form is refused)."""
    row = lock_current(type(row), row.pk, expected_version)
    parent: RuleSet = row.rubric if isinstance(row, RubricItem) else (
        row.scheme if isinstance(row, LevelRule) else row.rule_set)
    check_rule_scope(ctx, parent.province)
    if rule_set_in_use(parent):
        raise ValidationError(_("These rules have judged evaluations and cannot change; create a new version "
                                "from the next year."))
    allowed = set(PARTS[type(parent)][2])
    if set(values) - allowed:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(set(values) - allowed))})
    before = snapshot(row)
    for name, value in values.items():
        setattr(row, name, Decimal(value) if name in DECIMALS else value)
    row.full_clean()
    save_versioned(ctx, row, scope_path=rule_scope_path(parent.province), before=before)
    return row


def rule_scope_path(province: Unit | None) -> str:
    return province.path if province else ""
