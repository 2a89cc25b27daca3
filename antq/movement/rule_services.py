"""Editing the movement rules: the secretariat of a province (or an administrator, for the
national defaults) changes rubrics by versions. A rubric that has judged a classification
is frozen; a new version from a given year takes its place for that year and after."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from antq.core.audit import AuditContext, record_change, snapshot
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.movement.models import Classification
from antq.movement.rules import Rubric, RubricItem
from antq.units.models import Unit


def _check_rule_scope(ctx: AuditContext, province: Unit | None) -> None:
    """Province rules: the province's secretariat; national rules: operators and administrators."""
    if ctx.is_operator or getattr(ctx.actor, "is_superuser", False):
        return
    if province is None or not ctx.restrict(Unit.objects.all(), Action.MANAGE_GRANTS).filter(pk=province.pk).exists():
        raise OutOfScope()


def rubric_in_use(rubric: Rubric) -> bool:
    return Classification.objects.filter(rubric=rubric).exists()


@transaction.atomic
def rubric_new_version(*, ctx: AuditContext, base: Rubric, first_year: int, province: Unit | None = None,
                       basis: str = "", note: str = "") -> Rubric:
    """A copy of `base` (items included) in force from `first_year` for the province (or
    nationally); a national base keeps running for other provinces, a base of the same
    scope ends the year before."""
    _check_rule_scope(ctx, province)
    if first_year <= base.first_year:
        raise ValidationError({"first_year": _("A new version must start after %(year)s.")
                               % {"year": base.first_year}})
    same_scope = base.province_id == (province.pk if province else None)
    rubric = Rubric.objects.create(subject=base.subject, province=province, first_year=first_year,
                                   last_year=base.last_year if same_scope else None, basis=basis or base.basis,
                                   note=note)
    RubricItem.objects.bulk_create([
        RubricItem(rubric=rubric, position=i.position, code=i.code, text=i.text, max_points=i.max_points,
                   evidence_required=i.evidence_required, auto_source=i.auto_source) for i in base.items.all()])
    if same_scope:
        before = snapshot(base)
        base.last_year = first_year - 1
        base.save(update_fields=["last_year"])
        record_change(ctx, action=ChangeRecord.Action.UPDATE, obj=base, scope_path=_scope(province),
                      before=before, after=snapshot(base), reason=f"replaced from {first_year}")
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=rubric, scope_path=_scope(province), before=None,
                  after={**snapshot(rubric), "items": [snapshot(i) for i in rubric.items.all()]})
    return rubric


@transaction.atomic
def rubric_item_update(*, ctx: AuditContext, item: RubricItem, **values: Any) -> RubricItem:
    """Change an item of a rubric no classification has used yet."""
    rubric = item.rubric
    _check_rule_scope(ctx, rubric.province)
    if rubric_in_use(rubric):
        raise ValidationError(_("This rubric has judged classifications and cannot change; create a new version "
                                "from the next year."))
    allowed = {"text", "max_points", "evidence_required", "auto_source"}
    if set(values) - allowed:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(set(values) - allowed))})
    before = snapshot(item)
    for name, value in values.items():
        setattr(item, name, Decimal(value) if name == "max_points" else value)
    item.full_clean()
    item.save()
    record_change(ctx, action=ChangeRecord.Action.UPDATE, obj=item, scope_path=_scope(rubric.province),
                  before=before, after=snapshot(item))
    return item


def _scope(province: Unit | None) -> str:
    return province.path if province else ""
