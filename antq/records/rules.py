"""Rules as data: which groups count as criminal cases, which severities are "serious",
how Penal Code articles map to reporting groups, and the national targets.

Each is a dated row (valid_from/valid_to), national (province NULL) or for one province,
so a past year is judged by the rules of its time and a province can deviate.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from antq.records.choices import CrimeGroup, Severity
from antq.units.models import Unit, valid_on_q


class RuleKey(models.TextChoices):
    CRIMINAL_GROUPS = "criminal_groups", _("Groups counted as criminal cases")
    SERIOUS_SEVERITIES = "serious_severities", _("Severities counted as serious")


DEFAULT_RULES: dict[str, list[str]] = {
    RuleKey.CRIMINAL_GROUPS: list(CrimeGroup.values),
    RuleKey.SERIOUS_SEVERITIES: [Severity.VERY_SERIOUS, Severity.ESPECIALLY_SERIOUS],
}


class RuleValue(models.Model):
    key = models.CharField(_("rule"), max_length=40, choices=RuleKey.choices)
    province = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("province (empty: national)"))
    value = models.JSONField(_("value"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["key", "province_id", "valid_from"]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ArticleGroup(models.Model):
    """Penal Code articles article_from..article_to → reporting group (narrowest range wins)."""

    article_from = models.PositiveIntegerField(_("from article"))
    article_to = models.PositiveIntegerField(_("to article"))
    group = models.CharField(_("reporting group"), max_length=20, choices=CrimeGroup.choices)
    province = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["article_from", "article_to"]

    def __str__(self) -> str:
        return f"{self.article_from}–{self.article_to} → {self.group}"


class Target(models.Model):
    indicator = models.CharField(_("indicator"), max_length=60)
    minimum = models.DecimalField(_("must exceed"), max_digits=7, decimal_places=2)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    class Meta:
        ordering = ["indicator", "valid_from"]

    def __str__(self) -> str:
        return f"{self.indicator} > {self.minimum}"


def _choose(rows: list[RuleValue], key: str, on: datetime.date) -> list[str]:
    """Among rows of one province (or national), the province's own rule valid on `on`,
    else the national one, else the legal default."""
    valid = [r for r in rows if r.key == key and (r.valid_from is None or r.valid_from <= on)
             and (r.valid_to is None or r.valid_to >= on)]
    own = [r for r in valid if r.province_id is not None]
    chosen = own or valid
    return list(chosen[-1].value) if chosen else list(DEFAULT_RULES[key])


def _rows_for(province: Unit | None) -> list[RuleValue]:
    rows = RuleValue.objects.filter(Q(province=province) | Q(province__isnull=True)) if province else \
        RuleValue.objects.filter(province__isnull=True)
    return list(rows.order_by("key", "province_id", "valid_from", "id"))


def rule_value(key: str, on: datetime.date, province: Unit | None = None) -> list[str]:
    return _choose(_rows_for(province), key, on)


class ArticleMap:
    """All article ranges in memory, for imports that map thousands of rows."""

    def __init__(self, rows: list[ArticleGroup] | None = None) -> None:
        self.rows = rows if rows is not None else list(ArticleGroup.objects.all())

    def group_for(self, article: str, on: datetime.date, province_id: int | None) -> str | None:
        """Reporting group of a Penal Code article ("173" or "173.2"), or None when unmapped:
        the province's own range first, then the narrowest national one, valid on `on`."""
        head = article.strip().split(".")[0].split(",")[0]
        if not head.isdigit():
            return None
        number = int(head)
        candidates = [
            r for r in self.rows
            if r.article_from <= number <= r.article_to and r.province_id in (None, province_id)
            and (r.valid_from is None or r.valid_from <= on) and (r.valid_to is None or r.valid_to >= on)
        ]
        if not candidates:
            return None
        candidates.sort(key=lambda r: (r.province_id is None, r.article_to - r.article_from))
        return candidates[0].group


def group_for_article(article: str, on: datetime.date, province: Unit | None = None) -> str | None:
    head = article.strip().split(".")[0].split(",")[0]
    if not head.isdigit():
        return None
    rows = list(ArticleGroup.objects.filter(article_from__lte=int(head), article_to__gte=int(head)))
    return ArticleMap(rows).group_for(article, on, province.pk if province else None)


@dataclass(frozen=True)
class Rules:
    """The rules one computation uses, read once."""

    criminal_groups: frozenset[str]
    serious_severities: frozenset[str]

    @classmethod
    def for_unit(cls, on: datetime.date, province: Unit | None) -> Rules:
        return cls.for_dates([on], province)[0]

    @classmethod
    def for_dates(cls, days: list[datetime.date], province: Unit | None) -> list[Rules]:
        """The rules of several dates in one query."""
        rows = _rows_for(province)
        return [cls(criminal_groups=frozenset(_choose(rows, RuleKey.CRIMINAL_GROUPS, day)),
                    serious_severities=frozenset(_choose(rows, RuleKey.SERIOUS_SEVERITIES, day))) for day in days]


def rules_by_province(on: datetime.date, province_ids: set[int]) -> dict[int, Rules]:
    """The rules of many provinces on one date, in one query."""
    rows = list(RuleValue.objects.filter(Q(province_id__in=province_ids) | Q(province__isnull=True))
                .order_by("key", "province_id", "valid_from", "id"))
    result = {}
    for province_id in province_ids:
        own = [r for r in rows if r.province_id in (None, province_id)]
        result[province_id] = Rules(criminal_groups=frozenset(_choose(own, RuleKey.CRIMINAL_GROUPS, on)),
                                    serious_severities=frozenset(_choose(own, RuleKey.SERIOUS_SEVERITIES, on)))
    return result


def targets_on(on: datetime.date) -> dict[str, Decimal]:
    """The national targets valid on a date, by indicator (the latest start wins)."""
    targets: dict[str, Decimal] = {}
    for row in Target.objects.filter(valid_on_q(on)).order_by(F("valid_from").asc(nulls_first=True)):
        targets[row.indicator] = row.minimum
    return targets
