"""Self-managed mass models (Hướng dẫn 22/HD-BCA-V05): each model is counted by its sites
(điểm: an area where it runs, the original or a replication) and the teams (tổ) running it;
advanced examples (điển hình tiên tiến) are recognised by the level above."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from antq.core.audit import AuditContext, record_change, save_versioned, snapshot
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.core.versioning import lock_current
from antq.movement.classification import check_above, check_in_scope
from antq.movement.models import ModelSite, ModelTeam, ModelType
from antq.units.models import Unit
from antq.units.selectors import province_of


@transaction.atomic
def model_type_create(*, ctx: AuditContext, name: str, province: Unit | None,
                      description: str = "") -> ModelType:
    """A model in the province's catalogue (the secretariat's), or nationally (operators)."""
    if province is None:
        if not (ctx.is_operator or getattr(ctx.actor, "is_superuser", False)):
            raise ValidationError(_("Only an administrator adds national models."))
    else:
        check_in_scope(ctx, province, Action.MANAGE_GRANTS)
    if ModelType.objects.filter(province=province, name__iexact=name.strip()).exists():
        raise ValidationError({"name": _("This model already exists.")})
    model_type = ModelType.objects.create(province=province, name=name.strip(), description=description.strip())
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=model_type,
                  scope_path=province.path if province else "", before=None, after=snapshot(model_type))
    return model_type


def model_types_for(unit: Unit) -> Any:
    """The models a unit may run: the national catalogue and its province's."""
    return ModelType.objects.filter(Q(province__isnull=True) | Q(province=province_of(unit)))


@transaction.atomic
def model_site_create(*, ctx: AuditContext, model_type: ModelType, unit: Unit, started_on: datetime.date,
                      replicated_from: ModelSite | None = None) -> ModelSite:
    check_in_scope(ctx, unit)
    if not model_types_for(unit).filter(pk=model_type.pk).exists():
        raise ValidationError({"model_type": _("This model is not in the catalogue of the unit's province.")})
    if replicated_from is not None and replicated_from.model_type_id != model_type.pk:
        raise ValidationError({"replicated_from": _("A replication runs the same model as its original.")})
    if not unit.is_valid_on(started_on):
        raise ValidationError({"unit": _("The unit did not exist on the start date.")})
    site = ModelSite.objects.create(model_type=model_type, unit=unit, started_on=started_on,
                                    replicated_from=replicated_from)
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=site, scope_path=unit.path, before=None,
                  after=snapshot(site))
    return site


@transaction.atomic
def model_team_create(*, ctx: AuditContext, site: ModelSite, name: str, members: int,
                      started_on: datetime.date) -> ModelTeam:
    check_in_scope(ctx, site.unit)
    if members < 1:
        raise ValidationError({"members": _("A team has at least one member.")})
    if started_on < site.started_on:
        raise ValidationError({"started_on": _("A team cannot start before its site.")})
    team = ModelTeam.objects.create(site=site, name=name.strip(), members=members, started_on=started_on)
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=team, scope_path=site.unit.path, before=None,
                  after=snapshot(team))
    return team


@transaction.atomic
def model_site_recognise(*, ctx: AuditContext, site: ModelSite, on: datetime.date, decision: str,
                         expected_version: int | None = None) -> ModelSite:
    """Recognise a site as an advanced example: by the level above its area."""
    current = lock_current(ModelSite.objects.select_related("unit"), site.pk, expected_version)
    check_above(ctx, current.unit, Action.APPROVE)
    if not decision.strip():
        raise ValidationError({"advanced_example_decision": _("Give the recognition decision.")})
    before = snapshot(current)
    current.advanced_example_on, current.advanced_example_decision = on, decision.strip()
    save_versioned(ctx, current, scope_path=current.unit.path, before=before)
    return current


@dataclass(frozen=True)
class ModelCounts:
    models: int
    sites: int
    teams: int
    members: int
    advanced_examples: int


def model_counts(unit: Unit, day: datetime.date, sites: Any = None) -> ModelCounts:
    """Models, sites, teams and members active on `day` in the unit's subtree."""
    base = (sites if sites is not None else ModelSite.objects.all()).filter(
        unit__path__startswith=unit.path, started_on__lte=day).filter(
        Q(stopped_on__isnull=True) | Q(stopped_on__gt=day))
    teams = ModelTeam.objects.filter(site__in=base, started_on__lte=day).filter(
        Q(stopped_on__isnull=True) | Q(stopped_on__gt=day))
    found = base.aggregate(models=Count("model_type", distinct=True), sites=Count("id"),
                           advanced=Count("id", filter=Q(advanced_example_on__lte=day)))
    active = teams.aggregate(teams=Count("id"), members=Sum("members"))
    return ModelCounts(models=found["models"], sites=found["sites"], teams=active["teams"],
                       members=active["members"] or 0, advanced_examples=found["advanced"])
