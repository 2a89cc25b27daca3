"""The movement's rules as versioned data: scoring rubrics (QĐ 510/QĐ-BCA-V05), the
classification levels with their thresholds and gates, and the criteria of the "An toàn về
ANTT" standard (TT 124/2021/TT-BCA; TT 23/2012/TT-BCA for years up to 2021).

Each rule set covers a range of years, nationally (province empty) or for one province; the
province's own set wins, then the national one, the latest start first. A set that judged
an evaluation is frozen: changing the rules means a new version from a given year, so a
2020 evaluation keeps showing what it was judged by.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from antq.movement.choices import AutoSource, Level, Subject
from antq.units.models import Unit


class RuleSet(models.Model):
    province = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("province (empty: national)"))
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    basis = models.CharField(_("legal basis"), max_length=200)
    # Seeded where the law publishes no numbers: a default the secretariat should review.
    is_default = models.BooleanField(_("editable default"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        abstract = True

    def covers(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)


class Rubric(RuleSet):
    """The scoring form of one subject kind (100 points in QĐ 510)."""

    subject = models.CharField(_("subject"), max_length=16, choices=Subject.choices)

    class Meta:
        ordering = ["subject", "first_year"]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} {self.first_year}–{self.last_year or ''} ({self.basis})"

    @property
    def max_points(self) -> Decimal:
        return sum((item.max_points for item in self.items.all()), Decimal(0))


class RubricItem(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=10)
    text = models.CharField(_("content"), max_length=500)
    max_points = models.DecimalField(_("maximum points"), max_digits=5, decimal_places=1)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    auto_source = models.CharField(_("automatic source"), max_length=24, choices=AutoSource.choices, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["rubric", "position"]
        constraints = [models.UniqueConstraint(fields=["rubric", "code"], name="rubric_item_code_unique")]

    def __str__(self) -> str:
        return f"{self.code}. {self.text} ({self.max_points})"


class LevelScheme(RuleSet):
    """Thresholds and gates that turn a total into a level (QĐ 510 publishes none: defaults)."""

    class Meta:
        ordering = ["first_year"]

    def __str__(self) -> str:
        return f"{self.first_year}–{self.last_year or ''} ({self.basis})"


class LevelRule(models.Model):
    scheme = models.ForeignKey(LevelScheme, on_delete=models.CASCADE, related_name="levels")
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    min_points = models.DecimalField(_("minimum points"), max_digits=5, decimal_places=1)
    requires_standard = models.BooleanField(_("requires the standard passed"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["scheme", "-min_points"]
        constraints = [models.UniqueConstraint(fields=["scheme", "level"], name="level_rule_unique")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} ≥ {self.min_points}"


class StandardRuleSet(RuleSet):
    """The criteria of the "An toàn về ANTT" standard for one subject kind; all must be met."""

    subject = models.CharField(_("subject"), max_length=16, choices=Subject.choices)

    class Meta:
        ordering = ["subject", "first_year"]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} {self.first_year}–{self.last_year or ''} ({self.basis})"


class StandardCriterion(models.Model):
    rule_set = models.ForeignKey(StandardRuleSet, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=10)
    text = models.CharField(_("content"), max_length=600)
    auto_source = models.CharField(_("automatic source"), max_length=24, choices=AutoSource.choices, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["rule_set", "position"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "code"], name="standard_criterion_code_unique")]

    def __str__(self) -> str:
        return f"{self.code}. {self.text}"


S = TypeVar("S", Rubric, LevelScheme, StandardRuleSet)


def _in_force(model: type[S], year: int, province: Unit | None, **filters: str) -> S | None:
    rows = model.objects.filter(Q(province__isnull=True) | Q(province=province) if province else
                                Q(province__isnull=True), first_year__lte=year, **filters).filter(
        Q(last_year__isnull=True) | Q(last_year__gte=year))
    ranked = sorted(rows, key=lambda r: (r.province_id is not None, r.first_year, r.pk))
    return ranked[-1] if ranked else None


def rubric_for(subject: str, year: int, province: Unit | None) -> Rubric | None:
    return _in_force(Rubric, year, province, subject=subject)


def levels_for(year: int, province: Unit | None) -> LevelScheme | None:
    return _in_force(LevelScheme, year, province)


def standard_rules_for(subject: str, year: int, province: Unit | None) -> StandardRuleSet | None:
    return _in_force(StandardRuleSet, year, province, subject=subject)
