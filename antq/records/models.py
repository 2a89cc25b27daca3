"""Criminal cases and traffic accidents, each placed at the lowest unit valid on its date."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from antq.core.scoping import ScopedQuerySet
from antq.records.choices import CrimeGroup, Severity, TrafficMode
from antq.units.models import Unit


class RecordQuerySet(ScopedQuerySet):
    scope_path_field: ClassVar[str] = "unit__path"


class CriminalCase(models.Model):
    # Province of the time (old Hòa Bình for 2020): case numbers are unique within it.
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", editable=False)
    case_no = models.CharField(_("case number"), max_length=50)
    # Indexed by the newest-first index below (unit first), which also serves lookups by unit.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="criminal_cases", verbose_name=_("unit"),
                             db_index=False)
    occurred_on = models.DateField(_("occurred on"), db_index=True)
    reported_on = models.DateField(_("reported on"), null=True, blank=True)
    article = models.CharField(_("Penal Code article"), max_length=20, blank=True)
    severity = models.CharField(_("severity"), max_length=24, choices=Severity.choices)
    group = models.CharField(_("reporting group"), max_length=20, choices=CrimeGroup.choices)
    cleared_on = models.DateField(_("cleared on"), null=True, blank=True)
    suspects = models.PositiveIntegerField(_("suspects"), null=True, blank=True)
    # Sensitive (ND 13/2023, Law 91/2025): shown only to secretariat roles, never exported below province.
    child_victim = models.BooleanField(_("child victim"), default=False)
    sexual_abuse = models.BooleanField(_("sexual abuse"), default=False)
    # Optimistic concurrency: an edit based on an older version is refused, not merged silently.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "case_no"]
        constraints = [
            models.UniqueConstraint(fields=["province", "case_no"], name="case_no_unique_per_province"),
            models.CheckConstraint(condition=Q(cleared_on__isnull=True) | Q(cleared_on__gte=models.F("occurred_on")),
                                   name="case_cleared_after_occurred"),
        ]
        # The newest-first lists read each unit's rows from the second index alone: the columns
        # after the id are only carried, so the lists' filters need no table access.
        indexes = [models.Index(fields=["occurred_on", "unit"]),
                   models.Index(fields=["unit", "-occurred_on", "case_no", "id", "group", "severity", "cleared_on"],
                                name="case_unit_newest")]

    def __str__(self) -> str:
        return f"{self.case_no}"


class TrafficAccident(models.Model):
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", editable=False)
    accident_no = models.CharField(_("accident number"), max_length=50)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="traffic_accidents",
                             verbose_name=_("unit"), db_index=False)
    occurred_on = models.DateField(_("occurred on"), db_index=True)
    mode = models.CharField(_("mode"), max_length=12, choices=TrafficMode.choices, default=TrafficMode.ROAD)
    deaths = models.PositiveIntegerField(_("deaths within 7 days"), default=0)
    injuries = models.PositiveIntegerField(_("injuries"), default=0)
    missing = models.PositiveIntegerField(_("missing"), default=0)
    damage_vnd = models.PositiveBigIntegerField(_("property damage (VND)"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "accident_no"]
        constraints = [
            models.UniqueConstraint(fields=["province", "accident_no"], name="accident_no_unique_per_province"),
        ]
        indexes = [models.Index(fields=["occurred_on", "unit"]),
                   models.Index(fields=["unit", "-occurred_on", "accident_no", "id", "mode"],
                                name="accident_unit_newest")]

    def __str__(self) -> str:
        return f"{self.accident_no}"


class LaterDeathQuerySet(ScopedQuerySet):
    scope_path_field: ClassVar[str] = "accident__unit__path"


class LaterDeath(models.Model):
    """A death after the 7-day window, added to its accident: a closed period's figure can
    change, and `recorded_on` lets a figure be recomputed as it stood on a given day."""

    accident = models.ForeignKey(TrafficAccident, on_delete=models.CASCADE, related_name="later_deaths")
    died_on = models.DateField(_("died on"))
    count = models.PositiveIntegerField(_("number of deaths"), default=1)
    recorded_on = models.DateField(_("recorded on"))

    objects = LaterDeathQuerySet.as_manager()

    class Meta:
        ordering = ["died_on"]

    def __str__(self) -> str:
        return f"{self.accident} +{self.count} ({self.died_on:%d/%m/%Y})"


# Rule tables live in their own module; importing them here registers them with the app.
from antq.records.rules import ArticleGroup, RuleValue, Target  # noqa: E402
from antq.records.tallies import AccidentTally, AccidentYearTally, CaseTally, CaseYearTally  # noqa: E402

__all__ = ["AccidentTally", "AccidentYearTally", "ArticleGroup", "CaseTally", "CaseYearTally", "CriminalCase",
           "LaterDeath", "RuleValue", "Target", "TrafficAccident"]
