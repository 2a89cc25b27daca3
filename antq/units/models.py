"""Versioned units and their lineage.

A unit row is one unit during one validity period. Official codes are reused across periods
(08 is old Tuyên Quang until 30/6/2025 and the merged Tuyên Quang after), so identity is the
row and lookups go by (code, date). Every row keeps a materialized path of row ids
("00000012/00000345/") so a subtree is one indexed prefix scan, inside any query.
"""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from antq.core.scoping import ScopedQuerySet
from antq.core.text import fold

PATH_SEGMENT_WIDTH = 10


def search_key_for(name: str, short_name: str, code: str) -> str:
    return fold(f"{name} {short_name} {code}")


def path_segment(pk: int) -> str:
    return f"{pk:0{PATH_SEGMENT_WIDTH}d}/"


def valid_on_q(on: datetime.date, prefix: str = "") -> Q:
    """Rows valid on a date; valid_from NULL means "since before our records begin"."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})
    )


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")
    VILLAGE = "village", _("Village / residential group")
    AGENCY = "agency", _("Agency")
    ENTERPRISE = "enterprise", _("Enterprise")
    SCHOOL = "school", _("School")


ADMINISTRATIVE_KINDS = (UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE)
USER_CREATED_KINDS = (UnitKind.VILLAGE, UnitKind.AGENCY, UnitKind.ENTERPRISE, UnitKind.SCHOOL)
# Which kinds may sit directly under which: organisations attach to any administrative level.
ALLOWED_PARENT_KINDS: dict[str, tuple[str, ...]] = {
    UnitKind.PROVINCE: (),
    UnitKind.DISTRICT: (UnitKind.PROVINCE,),
    UnitKind.COMMUNE: (UnitKind.DISTRICT, UnitKind.PROVINCE),
    UnitKind.VILLAGE: (UnitKind.COMMUNE,),
    UnitKind.AGENCY: ADMINISTRATIVE_KINDS,
    UnitKind.ENTERPRISE: ADMINISTRATIVE_KINDS,
    UnitKind.SCHOOL: ADMINISTRATIVE_KINDS,
}


class UnitQuerySet(ScopedQuerySet):
    scope_path_field: ClassVar[str] = "path"

    def valid_on(self, on: datetime.date) -> UnitQuerySet:
        return self.filter(valid_on_q(on))

    def subtree_of(self, unit: Unit, include_self: bool = True) -> UnitQuerySet:
        qs = self.filter(path__startswith=unit.path)
        return qs if include_self else qs.exclude(pk=unit.pk)

    def search(self, query: str) -> UnitQuerySet:
        key = fold(query)
        if not key:
            return self.none()
        return self.filter(Q(code=query.strip()) | Q(search_key__contains=key))


class Unit(models.Model):
    code = models.CharField(_("code"), max_length=32, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices, db_index=True)
    # The official type word: Xã, Phường, Thị trấn, Đặc khu, Huyện, Quận, Thôn, Tổ dân phố...
    subtype = models.CharField(_("type"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    # fold(name + short name + code): lets "hoa binh" find "Hòa Bình".
    search_key = models.CharField(max_length=500, editable=False)
    # Centre point from the official map data, for the dashboard map (no tile server needed).
    lat = models.FloatField(null=True, blank=True, editable=False)
    lon = models.FloatField(null=True, blank=True, editable=False)
    # Which loaded map the row comes from ("2008-2025", "2025"), or "" for user-created units.
    source = models.CharField(max_length=20, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)  # of user-created units' edits

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="unit_code_valid_from_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_validity_ordered",
            ),
        ]
        indexes = [models.Index(fields=["code", "valid_to"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None or self.valid_to >= datetime.date.today()

    def is_valid_on(self, on: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or self.valid_to >= on)

    def ancestor_ids(self) -> list[int]:
        return [int(segment) for segment in self.path.split("/") if segment][:-1]


class LineageKind(models.TextChoices):
    MERGE = "merge", _("Merge")
    SPLIT = "split", _("Split")
    RENAME = "rename", _("Rename / re-establishment")
    TRANSFER = "transfer", _("Transfer of parts")


class LineageEvent(models.Model):
    """A change of the map: the units before on one side, the units after on the other."""

    kind = models.CharField(_("kind"), max_length=10, choices=LineageKind.choices)
    effective_date = models.DateField(_("effective date"), db_index=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["effective_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_date:%d/%m/%Y}"


class LineageLink(models.Model):
    """One edge predecessor → successor of an event.

    `whole` says the entire predecessor went into this successor (sums stay exact);
    for a predecessor split among several successors, `is_default` marks the one that
    inherits its records and archive when nothing places a record more precisely.
    """

    event = models.ForeignKey(LineageEvent, on_delete=models.CASCADE, related_name="links")
    predecessor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="predecessor_links")
    whole = models.BooleanField(default=True)
    is_default = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="lineage_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id}"

    @property
    def inherits_records(self) -> bool:
        return self.whole or self.is_default
