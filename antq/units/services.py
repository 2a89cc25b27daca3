"""Writes on units. Official units come from the loader; users create villages,
residential groups, agencies, enterprises and schools under units in their scope."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext as _

from antq.core.audit import AuditContext, record_change, snapshot
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.core.versioning import lock_current
from antq.units.models import ALLOWED_PARENT_KINDS, USER_CREATED_KINDS, Unit, path_segment, search_key_for
from antq.units.signals import paths_changed


def refresh_subtree_paths(unit: Unit) -> None:
    """Recompute the path of `unit` from its parent, then of everything below it."""
    parent_path = unit.parent.path if unit.parent_id and unit.parent else ""
    old_path = unit.path
    new_path = parent_path + path_segment(unit.pk)
    depth = new_path.count("/") - 1
    if old_path == new_path and unit.depth == depth:
        return
    descendants = list(Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk)) if old_path else []
    unit.path, unit.depth = new_path, depth
    Unit.objects.filter(pk=unit.pk).update(path=new_path, depth=depth)
    moves = [(unit.pk, old_path, new_path)]
    for row in descendants:
        before = row.path
        row.path = new_path + row.path[len(old_path):]
        row.depth = row.path.count("/") - 1
        moves.append((row.pk, before, row.path))
    Unit.objects.bulk_update(descendants, ["path", "depth"], batch_size=1000)
    paths_changed.send(sender=Unit, moves=moves)


def _check_parent(*, kind: str, parent: Unit, valid_from: datetime.date | None,
                  valid_to: datetime.date | None) -> None:
    if kind not in USER_CREATED_KINDS:
        raise ValidationError({"kind": _("Only villages, residential groups, agencies, enterprises and schools "
                                         "can be created by hand; official units come from the official map.")})
    if parent.kind not in ALLOWED_PARENT_KINDS[kind]:
        raise ValidationError({"parent": _("A unit of this kind cannot be placed under %(parent)s.")
                               % {"parent": parent.get_kind_display()}})
    starts_before = parent.valid_from is not None and (valid_from is None or valid_from < parent.valid_from)
    ends_after = parent.valid_to is not None and (valid_to is None or valid_to > parent.valid_to)
    if starts_before or ends_after:
        raise ValidationError({"valid_from": _("The validity must lie within the parent unit's validity.")})


def _inherit_validity(parent: Unit, valid_from: datetime.date | None,
                      valid_to: datetime.date | None) -> tuple[datetime.date | None, datetime.date | None]:
    """Left blank, a new unit lives as long as its parent."""
    return (valid_from or parent.valid_from, valid_to or parent.valid_to)


def _check_code_free(code: str, valid_from: datetime.date | None, valid_to: datetime.date | None,
                     exclude_pk: int | None = None) -> None:
    """Two units may share a code only in periods that do not overlap."""
    overlapping = Unit.objects.filter(code=code)
    if valid_to is not None:
        overlapping = overlapping.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=valid_to))
    if valid_from is not None:
        overlapping = overlapping.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    if overlapping.exists():
        message = _("Code %(code)s is already used by another unit in this period.") % {"code": code}
        raise ValidationError({"code": message})


def _next_code(parent: Unit) -> str:
    taken = set(Unit.objects.filter(code__startswith=f"{parent.code}-").values_list("code", flat=True))
    number = 1
    while f"{parent.code}-{number:03d}" in taken:
        number += 1
    return f"{parent.code}-{number:03d}"


def _ensure_in_scope(ctx: AuditContext, unit: Unit) -> None:
    if not ctx.restrict(Unit.objects.all(), Action.CHANGE).filter(pk=unit.pk).exists():
        raise OutOfScope()


@transaction.atomic
def unit_create(
    *,
    ctx: AuditContext,
    parent: Unit,
    kind: str,
    name: str,
    subtype: str = "",
    code: str = "",
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
) -> Unit:
    _ensure_in_scope(ctx, parent)
    valid_from, valid_to = _inherit_validity(parent, valid_from, valid_to)
    _check_parent(kind=kind, parent=parent, valid_from=valid_from, valid_to=valid_to)
    code = code.strip() or _next_code(parent)
    _check_code_free(code, valid_from, valid_to)
    unit = Unit(code=code, name=name.strip(), kind=kind, subtype=subtype.strip(), parent=parent,
                valid_from=valid_from, valid_to=valid_to, path="",
                search_key=search_key_for(name, "", code))
    unit.full_clean(exclude=["path", "search_key"])
    unit.save()
    refresh_subtree_paths(unit)
    _ensure_in_scope(ctx, unit)
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=unit, scope_path=unit.path, before=None,
                  after=snapshot(unit))
    return unit


@transaction.atomic
def unit_update(*, ctx: AuditContext, unit: Unit, reason: str = "", expected_version: int | None = None,
                **changes: Any) -> Unit:
    # Scope first: outside it the answer is 404 whatever the version.
    unit = lock_current(ctx.restrict(Unit.objects.all(), Action.CHANGE), unit.pk, expected_version)
    if unit.kind not in USER_CREATED_KINDS:
        raise ValidationError(_("Official units are changed only by loading the official map."))
    before = snapshot(unit)
    allowed = {"name", "subtype", "code", "parent", "valid_from", "valid_to"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unit_update cannot change {sorted(unknown)}")
    for field, value in changes.items():
        setattr(unit, field, value.strip() if isinstance(value, str) else value)
    if unit.parent is not None:
        _ensure_in_scope(ctx, unit.parent)
        _check_parent(kind=unit.kind, parent=unit.parent, valid_from=unit.valid_from, valid_to=unit.valid_to)
    _check_code_free(unit.code, unit.valid_from, unit.valid_to, exclude_pk=unit.pk)
    unit.search_key = search_key_for(unit.name, unit.short_name, unit.code)
    unit.full_clean(exclude=["path", "search_key"])
    unit.version += 1
    unit.save()
    refresh_subtree_paths(unit)
    _ensure_in_scope(ctx, unit)
    record_change(ctx, action=ChangeRecord.Action.UPDATE, obj=unit, scope_path=unit.path, before=before,
                  after=snapshot(unit), reason=reason)
    return unit


@transaction.atomic
def unit_delete(*, ctx: AuditContext, unit: Unit, reason: str = "") -> None:
    unit = lock_current(Unit, unit.pk, None)
    _ensure_in_scope(ctx, unit)
    if unit.kind not in USER_CREATED_KINDS:
        raise ValidationError(_("Official units cannot be deleted."))
    if unit.children.exists():
        raise ValidationError(_("This unit still has units under it; move or delete them first."))
    record_change(ctx, action=ChangeRecord.Action.DELETE, obj=unit, scope_path=unit.path, before=snapshot(unit),
                  after=None, reason=reason)
    try:
        with transaction.atomic():
            unit.delete()
    except ProtectedError as exc:
        raise ValidationError(_("This unit is still referenced (accounts or records); it cannot be deleted.")) from exc
