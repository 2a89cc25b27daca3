"""The Steering Committee's plan: tasks with a lead and coordinating units, a deadline, an
optional measurable target read from the live figures, progress updates with evidence; the
overdue list and the plan's progress for the dashboard."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from antq.awards.models import Conference, Decision, Plan, Task, TaskProgress
from antq.core.audit import AuditContext, record_change, save_versioned, snapshot
from antq.core.models import ChangeRecord
from antq.movement.classification import check_in_scope
from antq.movement.models import StandardEvaluation
from antq.units.models import Unit

TARGETS = {"standard_share": "share of the units under the plan's unit recognised for the standard (%)"}


def target_value_now(task: Task) -> Decimal | None:
    """The live figure a task's target is measured by (None without a target)."""
    if task.target_kind != "standard_share":
        return None
    unit, year = task.plan.unit, task.plan.year
    evaluations = StandardEvaluation.objects.filter(unit__path__startswith=unit.path, year=year, unit__kind="commune")
    total = evaluations.count()
    if total == 0:
        return Decimal(0)
    recognised = evaluations.filter(result=StandardEvaluation.Result.RECOGNISED).count()
    return (Decimal(recognised) * 100 / total).quantize(Decimal("0.01"))


@transaction.atomic
def plan_create(*, ctx: AuditContext, unit: Unit, year: int, title: str, tasks: list[dict[str, object]]) -> Plan:
    check_in_scope(ctx, unit)
    if not tasks:
        raise ValidationError(_("A plan lists its tasks."))
    plan = Plan.objects.create(unit=unit, year=year, title=title.strip())
    for position, values in enumerate(tasks, start=1):
        coordinating = values.pop("coordinating", [])
        if values.get("target_kind") and values["target_kind"] not in TARGETS:
            raise ValidationError({"target_kind": _("Unknown target.")})
        task = Task(plan=plan, position=position, **values)
        task.full_clean(exclude=["plan"])
        task.save()
        task.coordinating.set(coordinating)  # type: ignore[arg-type]
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=plan, scope_path=unit.path, before=None,
                  after={**snapshot(plan), "tasks": [snapshot(t) for t in plan.tasks.all()]})
    return plan


@transaction.atomic
def task_progress(*, ctx: AuditContext, task: Task, on: datetime.date, percent: int, note: str,
                  evidence: str = "") -> TaskProgress:
    """A progress update; 100% closes the task."""
    current = Task.objects.select_for_update().select_related("plan__unit", "lead").get(pk=task.pk)
    check_in_scope(ctx, current.lead)
    if not 0 <= percent <= 100:
        raise ValidationError({"percent": _("Progress is a percentage from 0 to 100.")})
    if not note.strip():
        raise ValidationError({"note": _("Say what was done.")})
    update = TaskProgress.objects.create(task=current, on=on, percent=percent, note=note.strip(),
                                         evidence=evidence.strip())
    before = snapshot(current)
    if percent == 100:
        current.status = Task.Status.DONE
    save_versioned(ctx, current, scope_path=current.plan.unit.path, before=before, reason=note.strip())
    return update


@dataclass(frozen=True)
class PlanProgress:
    tasks: int
    done: int
    overdue: list[Task]

    @property
    def percent(self) -> float:
        return round(self.done * 100 / self.tasks, 1) if self.tasks else 0.0


def plan_progress(plan: Plan, today: datetime.date | None = None) -> PlanProgress:
    today = today or timezone.localdate()
    tasks = list(plan.tasks.all())
    overdue = [t for t in tasks if t.status == Task.Status.OPEN and t.deadline < today]
    return PlanProgress(len(tasks), sum(1 for t in tasks if t.status == Task.Status.DONE), overdue)


@transaction.atomic
def conference_record(*, ctx: AuditContext, unit: Unit, year: int, held_on: datetime.date, place: str, chair: str,
                      attendees: list[dict[str, str]], agenda: str = "",
                      decisions: list[Decision] | None = None) -> Conference:
    """Record the review conference; the decisions whose awards were presented are linked."""
    check_in_scope(ctx, unit)
    problems = [index for index, person in enumerate(attendees, start=1)
                if not str(person.get("name", "")).strip() or set(person) - {"name", "title", "organisation"}]
    if problems:
        raise ValidationError({"attendees": _("Attendees %(rows)s need a name (and only name, title, "
                                              "organisation).") % {"rows": ", ".join(map(str, problems))}})
    if not chair.strip():
        raise ValidationError({"chair": _("Say who chaired the conference.")})
    conference = Conference.objects.create(unit=unit, year=year, held_on=held_on, place=place.strip(),
                                           chair=chair.strip(), attendees=attendees, agenda=agenda)
    conference.decisions.set(decisions or [])
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=conference, scope_path=unit.path, before=None,
                  after={**snapshot(conference), "decisions": [str(d) for d in conference.decisions.all()]})
    return conference
