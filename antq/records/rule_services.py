"""Writes on the rule tables. A province's own rules are edited by its secretariat; the
national defaults only by an administrator of the whole system. Audited like every write."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from antq.core.audit import AuditContext, record_change, snapshot
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.records.choices import CrimeGroup, Severity
from antq.records.rules import ArticleGroup, RuleKey, RuleValue
from antq.units.models import Unit

ALLOWED_VALUES: dict[str, set[str]] = {
    RuleKey.CRIMINAL_GROUPS: set(CrimeGroup.values),
    RuleKey.SERIOUS_SEVERITIES: set(Severity.values),
}


def _check_province(ctx: AuditContext, province: Unit | None) -> str:
    """The scope path of the rule; national rules need an unrestricted operator or superuser."""
    if province is None:
        if not (ctx.is_operator or getattr(ctx.actor, "is_superuser", False)):
            raise OutOfScope()
        return ""
    if province.kind != "province":
        raise ValidationError({"province": _("Rules are set per province.")})
    if not ctx.restrict(Unit.objects.all(), Action.MANAGE_GRANTS).filter(pk=province.pk).exists():
        raise OutOfScope()
    return province.path


def _check_dates(valid_from: datetime.date | None, valid_to: datetime.date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})


@transaction.atomic
def rule_value_set(*, ctx: AuditContext, key: str, province: Unit | None, value: list[str],
                   valid_from: datetime.date | None = None, valid_to: datetime.date | None = None,
                   note: str = "") -> RuleValue:
    scope_path = _check_province(ctx, province)
    if key not in ALLOWED_VALUES:
        raise ValidationError({"key": _("Unknown rule.")})
    unknown = set(value) - ALLOWED_VALUES[key]
    if not value or unknown:
        raise ValidationError({"value": _("Choose at least one valid value.")})
    _check_dates(valid_from, valid_to)
    row = RuleValue.objects.create(key=key, province=province, value=sorted(value), valid_from=valid_from,
                                   valid_to=valid_to, note=note.strip())
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=row, scope_path=scope_path, before=None,
                  after=snapshot(row))
    return row


@transaction.atomic
def article_group_set(*, ctx: AuditContext, article_from: int, article_to: int, group: str,
                      province: Unit | None, valid_from: datetime.date | None = None,
                      valid_to: datetime.date | None = None, note: str = "") -> ArticleGroup:
    scope_path = _check_province(ctx, province)
    if article_to < article_from:
        raise ValidationError({"article_to": _("The last article is before the first.")})
    if group not in CrimeGroup.values:
        raise ValidationError({"group": _("Unknown reporting group.")})
    _check_dates(valid_from, valid_to)
    row = ArticleGroup.objects.create(article_from=article_from, article_to=article_to, group=group,
                                      province=province, valid_from=valid_from, valid_to=valid_to, note=note.strip())
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=row, scope_path=scope_path, before=None,
                  after=snapshot(row))
    return row


@transaction.atomic
def rule_end(*, ctx: AuditContext, row: RuleValue | ArticleGroup, valid_to: datetime.date, reason: str = "") -> Any:
    """Rules are never deleted: a past year keeps the rule it was judged by. They end."""
    scope_path = _check_province(ctx, row.province)
    if row.valid_from and valid_to < row.valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    before = snapshot(row)
    row.valid_to = valid_to
    row.save(update_fields=["valid_to"])
    record_change(ctx, action=ChangeRecord.Action.UPDATE, obj=row, scope_path=scope_path, before=before,
                  after=snapshot(row), reason=reason)
    return row
