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
from django.utils.translation import gettext_lazy

from antq.awards.models import Conference, Decision, Plan, Task, TaskProgress
from antq.core.audit import AuditContext, record_change, save_versioned, snapshot
from antq.core.models import ChangeRecord
from antq.core.versioning import lock_current
from antq.movement.classification import check_in_scope
from antq.movement.standard import recognised_share
from antq.units.models import Unit

TARGETS = {"standard_share": gettext_lazy("Share of communes recognised for the standard (%)")}


def target_value_now(task: Task) -> Decimal | None:
    """The live figure a task's target is measured by (None without a target)."""
    if task.target_kind != "standard_share":
        return None
    return recognised_share(task.plan.unit, task.plan.year) or Decimal(0)


@transaction.atomic
def plan_create(*, ctx: AuditContext, unit: Unit, year: int, title: str, tasks: list[dict[str, object]]) -> Plan:
    check_in_scope(ctx, unit)
    if not tasks:
        raise ValidationError(_("A plan lists its tasks."))
    if not title.strip():
        raise ValidationError({"title": _("Give the plan its title.")})
    if Plan.objects.filter(unit=unit, year=year).exists():
        raise ValidationError({"year": _("%(unit)s already has a plan for %(year)s.") % {"unit": unit.name,
                                                                                        "year": year}})
    plan = Plan.objects.create(unit=unit, year=year, title=title.strip())
    for position, values in enumerate(tasks, start=1):
        _task_save(plan, position, dict(values))
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=plan, scope_path=unit.path, before=None,
                  after={**snapshot(plan), "tasks": [snapshot(t) for t in plan.tasks.all()]})
    return plan


def _task_save(plan: Plan, position: int, values: dict[str, object]) -> Task:
    coordinating = values.pop("coordinating", [])
    if values.get("target_kind") and values["target_kind"] not in TARGETS:
        raise ValidationError({"target_kind": _("Unknown target.")})
    lead = values.get("lead")
    if not isinstance(lead, Unit) or not lead.path.startswith(plan.unit.path):
        raise ValidationError({"lead": _("The lead unit is the plan's unit or a unit under it.")})
    task = Task(plan=plan, position=position, **values)
    task.full_clean(exclude=["plan"])
    task.save()
    task.coordinating.set(coordinating)  # type: ignore[arg-type]
    return task


@transaction.atomic
def task_add(*, ctx: AuditContext, plan: Plan, values: dict[str, object]) -> Task:
    """A further task of the plan (text, lead, coordinating units, deadline, target)."""
    check_in_scope(ctx, plan.unit)
    task = _task_save(plan, plan.tasks.count() + 1, values)
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=task, scope_path=plan.unit.path, before=None,
                  after=snapshot(task))
    return task


@transaction.atomic
def task_change(*, ctx: AuditContext, task: Task, expected_version: int | None, status: str,
                deadline: datetime.date, reason: str = "") -> Task:
    """Move a deadline or drop/reopen a task (the plan's unit decides); a stale form is refused."""
    current = lock_current(Task.objects.select_related("plan__unit"), task.pk, expected_version)
    check_in_scope(ctx, current.plan.unit)
    if status not in Task.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if (status != current.status or deadline != current.deadline) and not reason.strip():
        raise ValidationError({"reason": _("Say why the task changes.")})
    before = snapshot(current)
    current.status, current.deadline = status, deadline
    save_versioned(ctx, current, scope_path=current.plan.unit.path, before=before, reason=reason.strip())
    return current


@transaction.atomic
def task_progress(*, ctx: AuditContext, task: Task, on: datetime.date, percent: int, note: str,
                  evidence: str = "") -> TaskProgress:
    """A progress update; 100% closes the task."""
    current = lock_current(Task.objects.select_related("plan__unit", "lead"), task.pk, None)
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
                      attendees: list[dict[str, str]], agenda: str = "", documents: str = "",
                      decisions: list[Decision] | None = None) -> Conference:
    """Record the review conference; the decisions whose awards were presented are linked."""
    check_in_scope(ctx, unit)
    _conference_check(chair, attendees)
    conference = Conference.objects.create(unit=unit, year=year, held_on=held_on, place=place.strip(),
                                           chair=chair.strip(), attendees=attendees, agenda=agenda.strip(),
                                           documents=documents.strip())
    conference.decisions.set(decisions or [])
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=conference, scope_path=unit.path, before=None,
                  after=_conference_snapshot(conference))
    return conference


@transaction.atomic
def conference_change(*, ctx: AuditContext, conference: Conference, held_on: datetime.date, place: str,
                      chair: str, attendees: list[dict[str, str]], agenda: str, documents: str,
                      decisions: list[Decision], expected_version: int | None = None) -> Conference:
    """Correct or complete the record (the conference's unit or above); a stale form is refused."""
    current = lock_current(Conference.objects.select_related("unit"), conference.pk, expected_version)
    check_in_scope(ctx, current.unit)
    _conference_check(chair, attendees)
    before = _conference_snapshot(current)
    current.held_on, current.place, current.chair = held_on, place.strip(), chair.strip()
    current.attendees, current.agenda, current.documents = attendees, agenda.strip(), documents.strip()
    current.decisions.set(decisions)
    save_versioned(ctx, current, scope_path=current.unit.path, before=before, after=_conference_snapshot)
    return current


def _conference_check(chair: str, attendees: list[dict[str, str]]) -> None:
    problems = [index for index, person in enumerate(attendees, start=1)
                if not str(person.get("name", "")).strip() or set(person) - {"name", "title", "organisation"}]
    if problems:
        raise ValidationError({"attendees": _("Attendees %(rows)s need a name (and only name, title, "
                                              "organisation).") % {"rows": ", ".join(map(str, problems))}})
    if not chair.strip():
        raise ValidationError({"chair": _("Say who chaired the conference.")})


def _conference_snapshot(conference: Conference) -> dict[str, object]:
    return {**snapshot(conference), "decisions": [str(d) for d in conference.decisions.all()]}


def attendees_from_lines(text: str) -> list[dict[str, str]]:
    """'Name | title | organisation' per line, as the secretariat types the list."""
    people = []
    for line in text.splitlines():
        if line.strip():
            parts = [part.strip() for part in line.split("|")] + ["", ""]
            people.append({"name": parts[0], "title": parts[1], "organisation": parts[2]})
    return people
